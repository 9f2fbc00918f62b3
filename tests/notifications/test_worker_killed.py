"""A real `kompeten worker` killed (SIGKILL, with its work horse) in the middle of a 2,000-message reminder run, then
a new one started: every employee below 20 JP gets exactly one message (one Message-ID each; of the messages in
flight at the kill, one per SMTP connection at most, a copy may arrive a second time: see
app/services/notifications/sender.py), nobody else gets any."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from datetime import date

import psutil
import pytest

from app.extensions import db
from app.jobs import enqueue, queue
from app.services.notifications.pipeline import daily_reminders
from app.tenancy import tenant_context
from tests.notifications.conftest import outbox_rows
from tests.notifications.synthetic import address_of, populate

pytestmark = pytest.mark.committed

EMPLOYEES, BELOW = 2_600, 2_000
DAY = date(2026, 7, 1)
CONNECTIONS = 4  # the sender's SMTP connections (KOMPETEN_NOTIFY_CONNECTIONS, its default)


def _worker(app_config, redis_prefix, smtp_server) -> subprocess.Popen:
    env = {**os.environ, "DATABASE_URL": app_config["SQLALCHEMY_DATABASE_URI"], "REDIS_URL": app_config["REDIS_URL"],
           "KOMPETEN_REDIS_PREFIX": redis_prefix, "SECRET_KEY": "t", "KOMPETEN_LOG_LEVEL": "WARNING",
           "KOMPETEN_INSTANCE_DIR": app_config["INSTANCE_DIR"], "KOMPETEN_SMTP_HOST": smtp_server.host,
           "KOMPETEN_SMTP_PORT": str(smtp_server.port), "KOMPETEN_SMTP_FROM": "no-reply@kompeten.test",
           "KOMPETEN_NOTIFY_LEASE": "3", "KOMPETEN_NOTIFY_CONNECTIONS": str(CONNECTIONS),
           "KOMPETEN_NOTIFY_RETRY_BACKOFF": "1,1"}
    return subprocess.Popen([sys.executable, "-m", "app.cli_entry", "worker", "--queue", "default"],  # noqa: S603
                            env=env, start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def _stop(worker: subprocess.Popen, sig=signal.SIGKILL) -> None:
    """The worker and its work horse (RQ puts the horse in a session of its own) and its scheduler process."""
    try:
        horses = psutil.Process(worker.pid).children(recursive=True)
    except psutil.NoSuchProcess:
        horses = []
    with contextlib.suppress(ProcessLookupError):
        os.killpg(worker.pid, sig)
    for horse in horses:
        with contextlib.suppress(psutil.NoSuchProcess):
            horse.send_signal(sig)
    try:
        worker.wait(15)
    except subprocess.TimeoutExpired:  # a warm shutdown that takes too long
        _stop(worker, signal.SIGKILL)


def test_a_worker_killed_mid_run_and_restarted_sends_each_reminder_once(app_config, redis_prefix, malang,
                                                                       smtp_server):
    with tenant_context(malang):
        below = populate(EMPLOYEES, BELOW, DAY.year)
    assert len(below) == BELOW
    mailbox = smtp_server.mailbox
    enqueue(daily_reminders, DAY.isoformat(), True, tenant=malang)
    worker = _worker(app_config, redis_prefix, smtp_server)
    try:
        deadline = time.monotonic() + 120
        while mailbox.count() < 300 and time.monotonic() < deadline:
            time.sleep(0.005)
    finally:
        _stop(worker)  # the worker and its work horse, mid-run
    at_kill = mailbox.count()
    assert 300 <= at_kill < BELOW, f"the kill came at {at_kill} messages"
    statuses = Counter(r.status for r in outbox_rows(malang))
    assert statuses["sent"] < BELOW and statuses["queued"] + statuses["sending"] > 0, statuses
    time.sleep(1)
    assert mailbox.count() == at_kill  # nobody sends while no worker runs

    # A new worker; the next scheduler tick enqueues the region's job again (it writes nothing new).
    queue("default").started_job_registry.cleanup(timestamp=time.time() + 3600)
    enqueue(daily_reminders, DAY.isoformat(), True, tenant=malang)
    worker = _worker(app_config, redis_prefix, smtp_server)
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if all(r.status == "sent" for r in outbox_rows(malang)) and len(outbox_rows(malang)) == BELOW:
                break
            time.sleep(0.5)
    finally:
        _stop(worker, signal.SIGTERM)
    rows = outbox_rows(malang)
    assert len(rows) == BELOW and {r.status for r in rows} == {"sent"}
    per_person = Counter(rcpt for r in mailbox.received for rcpt in r.rcpt_tos)
    ids_per_person = {a: {r.message_id for r in mailbox.received if a in r.rcpt_tos} for a in per_person}
    assert set(per_person) == {address_of(i) for i in below}  # every one below 20 JP, nobody else
    assert all(len(ids) == 1 for ids in ids_per_person.values())  # one message each
    repeated = sum(n - 1 for n in per_person.values())
    assert repeated <= CONNECTIONS, f"{repeated} copies beyond the first"  # at most those in flight at the kill
    print(f"killed at {at_kill} of {BELOW}; copies beyond the first: {repeated}")
    with tenant_context(malang):
        db.session.rollback()


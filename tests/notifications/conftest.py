"""A real SMTP server (aiosmtpd) on loopback for every notification test, and the app pointed at it."""

from __future__ import annotations

import time

import pytest
from rq import SimpleWorker
from rq.scheduler import RQScheduler

from app.extensions import db
from app.jobs import QUEUES, queue, redis_connection
from app.models.notifications import OutboxMessage
from app.services.notifications.local_smtp import LocalSmtp
from app.tenancy import tenant_context


@pytest.fixture
def smtp_server(app, monkeypatch):
    server = LocalSmtp().start()
    monkeypatch.setitem(app.config, "SMTP_HOST", server.host)
    monkeypatch.setitem(app.config, "SMTP_PORT", server.port)
    monkeypatch.setitem(app.config, "SMTP_FROM", "no-reply@kompeten.test")
    monkeypatch.setitem(app.config, "SMTP_TIMEOUT", 5)
    monkeypatch.setitem(app.config, "NOTIFY_RETRY_BACKOFF", "1,1")  # three attempts, a second apart
    yield server
    server.stop()


@pytest.fixture
def drain(app):
    """Run a real RQ worker until `done()` holds or `timeout`; before each burst, RQ's scheduler moves the delayed
    jobs that are due (the retries) to their queue, as a worker started with its scheduler does every second."""

    def _drain(done=lambda: True, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        queues = [queue(n) for n in QUEUES]
        while True:
            scheduler = RQScheduler(queues, connection=redis_connection())
            scheduler.acquire_locks()
            try:
                scheduler.enqueue_scheduled_jobs()
            finally:
                scheduler.release_locks()
            worker = SimpleWorker(queues, connection=redis_connection())
            # Its pub/sub thread only listens for "kill the horse" commands, and joining it at the end of a burst
            # can take up to a minute under load: this worker runs without it.
            worker.subscribe = worker.unsubscribe = lambda: None
            worker.work(burst=True)
            if done() or time.monotonic() > deadline:
                return
            time.sleep(0.3)

    yield _drain


@pytest.fixture(autouse=True)
def _quiet_queues(app):
    """Each test starts and ends with empty queues: no sender job (or delayed retry) of one test runs in the next."""
    _empty_queues(app)
    yield
    _empty_queues(app)


def _empty_queues(app) -> None:
    conn = redis_connection()
    for name in QUEUES:
        q = queue(name)
        q.empty()
        for job_id in q.scheduled_job_registry.get_job_ids():
            q.scheduled_job_registry.remove(job_id, delete_job=True)
        conn.delete(RQScheduler.get_locking_key(q.name))
    conn.delete(*conn.keys(f"{app.config['REDIS_KEY_PREFIX']}:notify:*") or ["-"])


def outbox_rows(tenant) -> list[OutboxMessage]:
    with tenant_context(tenant, allow_status=("active", "suspended")):
        rows = db.session.query(OutboxMessage).order_by(OutboxMessage.id).all()
        db.session.expunge_all()
        return rows

"""Jobs carry their tenant: a real worker on the real Redis runs each one in the tenant it names."""

from __future__ import annotations

import time

import sqlalchemy as sa

from app.extensions import db
from app.jobs import QUEUES, SimpleWorker, Worker, enqueue, queue, redis_connection
from app.models.employees import Opd
from app.tenancy import tenant_context
from tests.fixtures.jobs import record_where_i_ran


def _opd_names(tenant) -> list[str]:
    with tenant_context(tenant):
        return sorted(db.session.execute(sa.select(Opd.name)).scalars())


def test_a_job_enqueued_while_b_is_bound_for_a_runs_in_a(app, malang, serang, run_worker):
    with tenant_context(serang):
        job = enqueue(record_where_i_ran, "probe", tenant=malang)
    run_worker()
    job.refresh()
    assert job.is_finished, job.latest_result()
    assert job.return_value() == "t_kota_malang"
    assert _opd_names(malang) == ["probe ran in t_kota_malang"]
    assert _opd_names(serang) == []


def test_a_job_defaults_to_the_bound_tenant(app, malang, serang, run_worker):
    with tenant_context(serang):
        enqueue(record_where_i_ran, "default")
    run_worker()
    assert _opd_names(serang) == ["default ran in t_kab_serang"]


def test_many_jobs_for_two_tenants_on_a_forking_worker_each_write_only_their_own(app, malang, serang):
    for i in range(6):
        enqueue(record_where_i_ran, f"job{i}", tenant=malang if i % 2 else serang)
    try:
        Worker([queue(n) for n in QUEUES], connection=redis_connection()).work(burst=True)
    finally:
        for n in QUEUES:
            queue(n).empty()
    assert _opd_names(malang) == [f"job{i} ran in t_kota_malang" for i in (1, 3, 5)]
    assert _opd_names(serang) == [f"job{i} ran in t_kab_serang" for i in (0, 2, 4)]


class _ListenerReadsTheReplyFirst(SimpleWorker):
    """The race of a loaded machine, made certain: the listener thread reads the unsubscribe reply before the worker
    gets to stop it. RQ's own order (unsubscribe, then stop) leaves the thread waiting 60 s for a subscription."""

    def subscribe(self) -> None:
        super().subscribe()
        self.listener = self.pubsub_thread
        pubsub, send = self.pubsub, self.pubsub.unsubscribe

        def unsubscribe(*args):
            send(*args)
            while pubsub.subscribed:  # cleared by the listener thread when it reads the reply
                time.sleep(0.01)

        pubsub.unsubscribe = unsubscribe


def test_a_burst_worker_ends_with_its_last_job_not_with_its_listener_timeout(app):
    worker = _ListenerReadsTheReplyFirst([queue(n) for n in QUEUES], connection=redis_connection())
    started = time.monotonic()
    worker.work(burst=True)
    assert time.monotonic() - started < 10  # RQ's order: 60 s
    assert not worker.listener.is_alive()

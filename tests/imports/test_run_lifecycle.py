"""The run lifecycle (app/services/runs) and the jobs' retry policy, with a real worker on the real Redis and
PostgreSQL. The servers being killed are tests/reliability/test_stuck_runs.py (B1–B4); here the same situations
are set up directly: a job lost from Redis, a run out of attempts, a stale job, and the three kinds of failure."""

from __future__ import annotations

import psycopg
import pytest
import sqlalchemy as sa
from redis.exceptions import ConnectionError as RedisConnectionError
from rq.job import Job

from app.extensions import db
from app.jobs import KompetenWorker, enqueue, failure_kind, make_worker, queue, redis_connection
from app.schedules import fan_out, schedules
from app.services.files.readers import FileFormatError
from app.services.imports import pipeline
from app.tenancy import tenant_context
from tests.fixtures.jobs import break_for_another_reason, meet_a_restarting_database, refuse_a_bad_file
from tests.imports.conftest import count, csv_bytes, generated_rows, upload

pytestmark = pytest.mark.committed


def _run(client, run_id: int) -> dict:
    return client.get(f"/t/kab-serang/api/v1/imports/{run_id}").get_json()


def _row(run_id: int) -> dict:
    with tenant_context("kab-serang"):
        return dict(db.session.execute(sa.text(
            "SELECT state, job_id, attempt, heartbeat_at, lease_until, error FROM import_runs WHERE id = :r"),
            {"r": run_id}).one()._mapping)


def _lose_the_job_and_the_lease(run_id: int, *, attempt: int | None = None) -> None:
    """What a Redis restarted without persistence leaves: no job, and a lease nobody renews."""
    for name in ("default", "imports", "rollups"):
        queue(name).empty()
    with tenant_context("kab-serang"):
        db.session.execute(sa.text("UPDATE import_runs SET lease_until = now() - interval '1 minute', "
                                   "attempt = coalesce(:a, attempt) WHERE id = :r"), {"r": run_id, "a": attempt})
        db.session.commit()


def test_failure_kinds_tell_a_restarting_server_from_a_bad_file_from_anything_else():
    starting = sa.exc.OperationalError("SELECT 1", {}, psycopg.OperationalError(
        "connection failed: FATAL:  the database system is starting up"))
    closed = sa.exc.OperationalError("SELECT 1", {}, psycopg.OperationalError(
        "server closed the connection unexpectedly\n\tThis probably means the server terminated abnormally"))
    refused = psycopg.OperationalError('connection failed: connection to server at "127.0.0.1", port 5999 failed: '
                                       "Connection refused")
    assert failure_kind(starting) == failure_kind(closed) == failure_kind(refused) == "transient"
    assert failure_kind(RedisConnectionError("Error 111 connecting to 127.0.0.1:6399. Connection refused.")) == \
        "transient"
    bad_file = FileFormatError("csv_syntax", "Format CSV rusak.")
    assert failure_kind(bad_file, (FileFormatError,)) == "permanent"
    assert failure_kind(bad_file) == "error"  # permanent only for the jobs that say so
    assert failure_kind(RuntimeError("a bug")) == "error"
    assert failure_kind(sa.exc.OperationalError("SELECT 1", {}, psycopg.OperationalError(
        "division by zero"))) == "error"


def test_a_permanent_error_fails_at_once_without_retries(app, serang, run_worker, redis_prefix):
    key = f"{redis_prefix}:calls:bad-file"
    job = enqueue(refuse_a_bad_file, key, tenant=serang)
    run_worker()
    assert int(redis_connection().get(key)) == 1  # was 4: three retries of a file that will never read
    assert Job.fetch(job.id, connection=redis_connection()).get_status() == "failed"


def test_a_transient_error_is_retried_later_even_by_a_job_without_retries(app, serang, run_worker, redis_prefix):
    key = f"{redis_prefix}:calls:restart"
    job = enqueue(meet_a_restarting_database, key, tenant=serang)
    run_worker()
    job = Job.fetch(job.id, connection=redis_connection())
    assert int(redis_connection().get(key)) == 1
    assert job.get_status() == "scheduled"  # retried after the first backoff delay, not failed
    assert job.meta["transient_retries"] == 1 and job.retry_intervals == [1]


def test_any_other_error_gets_the_jobs_own_retries(app, serang, run_worker, redis_prefix):
    key = f"{redis_prefix}:calls:bug"
    job = enqueue(break_for_another_reason, key, tenant=serang)
    run_worker()
    assert int(redis_connection().get(key)) == 3  # once and two retries
    assert Job.fetch(job.id, connection=redis_connection()).get_status() == "failed"


def test_a_run_records_its_job_attempt_and_lease_and_a_job_renews_them(client, serang_units, run_worker):
    run_id = upload(client, "kab-serang", csv_bytes(generated_rows(30))).get_json()["id"]
    queued = _row(run_id)
    assert queued["state"] == "queued" and queued["attempt"] == 1 and queued["job_id"].startswith("run-imports-")
    assert queued["lease_until"] is not None and queued["heartbeat_at"] is None
    assert Job.fetch(queued["job_id"], connection=redis_connection()).get_status() == "queued"
    run_worker()
    done = _row(run_id)
    assert done["state"] == "done" and done["heartbeat_at"] is not None and done["attempt"] == 1


def test_a_run_whose_job_was_lost_is_requeued_when_viewed_and_ends_with_clean_totals(client, serang_units,
                                                                                      run_worker):
    rows = 40
    run_id = upload(client, "kab-serang", csv_bytes(generated_rows(rows))).get_json()["id"]
    first_job = _row(run_id)["job_id"]
    _lose_the_job_and_the_lease(run_id)
    view = _run(client, run_id)  # a person looks at the run: the reaper takes it over
    assert view["state"] == "queued"
    again = _row(run_id)
    assert again["attempt"] == 2 and again["job_id"] != first_job
    run_worker()
    view = _run(client, run_id)
    assert view["state"] == "done" and view["rows"]["created"] == rows
    assert count(serang_units, "enrolments") == rows and count(serang_units, "import_staged_rows") == 0


def test_a_run_out_of_attempts_is_failed_by_the_schedule_with_a_reason_and_its_staged_rows_go(
        client, serang_units, run_worker):
    assert schedules()["runs.reap"].interval == 30
    run_id = upload(client, "kab-serang", csv_bytes(generated_rows(25))).get_json()["id"]
    with tenant_context(serang_units):  # a job validated it all, then died before applying
        assert pipeline.validate_some(run_id, yield_when_others_wait=False) == "validated"
        db.session.commit()
    assert count(serang_units, "import_staged_rows") == 25
    _lose_the_job_and_the_lease(run_id, attempt=3)
    assert fan_out("runs.reap") >= 1  # the schedule's tick: one reaper job per active region
    run_worker()
    view = _run(client, run_id)
    assert view["state"] == "failed"
    assert view["error"].startswith("Impor dihentikan setelah 3 kali dicoba")
    assert "Unggah lagi" in view["error"]
    assert count(serang_units, "import_staged_rows") == 0 and count(serang_units, "enrolments") == 0


def test_a_waiting_job_is_left_alone_whatever_its_lease_says(client, serang_units, run_worker):
    run_id = upload(client, "kab-serang", csv_bytes(generated_rows(5))).get_json()["id"]
    job_id = _row(run_id)["job_id"]
    with tenant_context(serang_units):
        db.session.execute(sa.text("UPDATE import_runs SET lease_until = now() - interval '1 hour' WHERE id = :r"),
                           {"r": run_id})
        db.session.commit()
    _run(client, run_id)  # the job is still queued: a long queue is not a dead worker
    assert _row(run_id)["job_id"] == job_id and _row(run_id)["attempt"] == 1
    run_worker()
    assert _run(client, run_id)["state"] == "done"


def test_a_stale_job_of_a_run_does_nothing(client, serang_units, run_worker):
    rows = 30
    run_id = upload(client, "kab-serang", csv_bytes(generated_rows(rows))).get_json()["id"]
    stale = enqueue(pipeline.process_import, run_id, tenant=serang_units)  # e.g. RQ requeuing an abandoned job
    run_worker()
    assert Job.fetch(stale.id, connection=redis_connection()).return_value() == "superseded"
    view = _run(client, run_id)
    assert view["state"] == "done" and view["rows"]["created"] == rows
    assert count(serang_units, "enrolments") == rows


def test_the_worker_recovers_fast(app):
    worker = make_worker()
    assert isinstance(worker, KompetenWorker)
    assert worker.maintenance_interval == 30 and worker.job_monitoring_interval == 10
    assert worker.worker_ttl == 35 and worker.dequeue_timeout == 20
    job = Job.create(func=print, connection=redis_connection(), timeout=3600)
    # A started job's registry entry outlives its last heartbeat by 15 s (RQ: 60 s): with maintenance every 30 s,
    # a job whose worker died is requeued within ~55 s.
    assert worker.get_heartbeat_ttl(job) == 25


def test_a_run_whose_region_was_suspended_when_its_job_came_is_done_by_the_deferred_copy(client, serang_units,
                                                                                          run_worker):
    from rq.registry import ScheduledJobRegistry

    from app.tenancy import registry

    rows = 20
    run_id = upload(client, "kab-serang", csv_bytes(generated_rows(rows))).get_json()["id"]

    def set_status(status: str) -> None:
        with db.engine.begin() as conn:
            conn.execute(sa.text("UPDATE platform.tenants SET status = :s WHERE id = :id"),
                         {"s": status, "id": serang_units.id})
        registry.invalidate()

    set_status("suspended")
    try:
        run_worker()  # the job is not run: deferred (a copy with a new id, 5 minutes later)
    finally:
        set_status("active")
    scheduled = ScheduledJobRegistry(queue=queue("imports"))
    (later_id,) = scheduled.get_job_ids()
    later = Job.fetch(later_id, connection=redis_connection())
    assert later.meta["stands_for"] == _row(run_id)["job_id"] != later.id
    scheduled.remove(later)
    queue("imports").enqueue_job(later)  # what RQ's scheduler does when the delay is over
    run_worker()
    assert Job.fetch(later.id, connection=redis_connection()).return_value() == "done"
    row = _row(run_id)
    assert row["state"] == "done" and row["job_id"] == later.id and row["attempt"] == 1
    assert count(serang_units, "enrolments") == rows

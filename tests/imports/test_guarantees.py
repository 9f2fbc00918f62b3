"""The import's promises, each with real workers on the real Redis and PostgreSQL."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import sqlalchemy as sa

from app import create_app
from app.extensions import db
from app.jobs import queue
from app.services.imports import pipeline
from app.tenancy import tenant_context
from tests.fixtures.app import make_config
from tests.imports.conftest import add_opds, count, csv_bytes, generated_rows, upload


def _run(client, slug: str, run_id: int) -> dict:
    return client.get(f"/t/{slug}/api/v1/imports/{run_id}").get_json()


@pytest.mark.committed  # threads / a subprocess: each needs committed data and its own connection
def test_a_worker_killed_mid_import_is_finished_by_the_retry_with_clean_totals(client, serang_units, app_config,
                                                                             redis_prefix, run_worker):
    rows = 30_000
    run_id = upload(client, "kab-serang", csv_bytes(generated_rows(rows))).get_json()["id"]
    env = {**os.environ, "DATABASE_URL": app_config["SQLALCHEMY_DATABASE_URI"], "REDIS_URL": app_config["REDIS_URL"],
           "KOMPETEN_REDIS_PREFIX": redis_prefix, "SECRET_KEY": "t", "KOMPETEN_LOG_LEVEL": "WARNING",
           "KOMPETEN_INSTANCE_DIR": app_config["INSTANCE_DIR"]}
    worker = subprocess.Popen([sys.executable, "-m", "app.cli_entry", "worker", "--queue", "imports"],  # noqa: S603
                              env=env, start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            run = _run(client, "kab-serang", run_id)
            if run["state"] == "validating" and 0 < run["rows"]["read"] < rows:
                break
            assert run["state"] in ("queued", "validating"), run
            time.sleep(0.02)
        else:
            raise AssertionError("the worker never got going")
    finally:
        os.killpg(worker.pid, signal.SIGKILL)  # the worker and its work horse, mid-file
        worker.wait(10)
    partial = _run(client, "kab-serang", run_id)
    assert partial["state"] == "validating" and partial["rows"]["read"] < rows
    assert count(serang_units, "enrolments") == 0  # nothing applied yet: the apply is one transaction

    # What a worker does by itself once the dead one's heartbeat expires (90 s): retry the abandoned job.
    queue("imports").started_job_registry.cleanup(timestamp=time.time() + 3600)
    run_worker()

    run = _run(client, "kab-serang", run_id)
    assert run["state"] == "done", run
    assert run["rows"] == {"read": rows, "valid": rows, "invalid": 0, "duplicate": 0, "created": rows, "updated": 0,
                           "unchanged": 0}
    assert count(serang_units, "enrolments") == rows and count(serang_units, "employees") == rows
    assert count(serang_units, "import_staged_rows") == 0


def test_a_big_import_does_not_hold_back_a_small_one_from_another_region(client, serang_units, malang, run_worker,
                                                                        monkeypatch):
    monkeypatch.setattr(pipeline, "CHUNK_ROWS", 1000)
    add_opds(malang, ["Dinas Kesehatan"])
    big = upload(client, "kab-serang", csv_bytes(generated_rows(8000))).get_json()["id"]
    small = upload(client, "kota-malang", csv_bytes(generated_rows(20, start=50_000))).get_json()["id"]
    run_worker()  # one worker for both
    big_run, small_run = _run(client, "kab-serang", big), _run(client, "kota-malang", small)
    assert big_run["state"] == small_run["state"] == "done"
    assert small_run["timings"]["finished_at"] < big_run["timings"]["finished_at"]
    # ...and each wrote only its own region.
    assert count(serang_units, "enrolments") == 8000 and count(malang, "enrolments") == 20
    assert big_run["rows"]["created"] == 8000 and small_run["rows"]["created"] == 20


def test_two_regions_importing_the_same_people_stay_apart(client, serang_units, malang, run_worker):
    add_opds(malang, ["Dinas Kesehatan"])
    data = csv_bytes(generated_rows(50))
    a = upload(client, "kab-serang", data).get_json()["id"]
    b = upload(client, "kota-malang", data).get_json()["id"]
    run_worker()
    assert _run(client, "kab-serang", a)["rows"]["created"] == 50
    assert _run(client, "kota-malang", b)["rows"]["created"] == 50  # the same NIPs exist per region
    assert count(serang_units, "employees") == 50 and count(malang, "employees") == 50


@pytest.fixture
def app_without_redis(database_url, redis_prefix, tmp_path, tenants):
    application = create_app(make_config(database_url, "redis://127.0.0.1:1/0", redis_prefix, tmp_path))
    yield application
    with application.app_context():
        db.engine.dispose()


def test_uploads_are_refused_with_503_while_redis_is_down_and_nothing_is_written(app_without_redis, serang, client):
    from tests.fixtures.auth import AdminClient

    app_without_redis.test_client_class = AdminClient
    down = app_without_redis.test_client()
    with app_without_redis.app_context():
        resp = upload(down, "kab-serang", csv_bytes(generated_rows(3)))
        assert resp.status_code == 503
        assert resp.content_type == "application/problem+json"
        assert resp.get_json()["type"].endswith("queue-unavailable")
        assert down.get("/t/kab-serang/api/v1/imports").status_code == 200  # reads keep working
        uploads = Path(app_without_redis.config["INSTANCE_DIR"]) / "uploads" / "kab-serang"
        assert not uploads.exists() or not any(uploads.iterdir())
    with tenant_context(serang):
        assert count(serang, "import_runs") == 0


def test_an_apply_that_keeps_failing_writes_nothing_and_the_run_says_so(client, serang_units, run_worker):
    with tenant_context(serang_units), db.engine.begin() as conn:  # a fault inside the apply transaction
        conn.execute(sa.text("CREATE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql AS "
                             "$$ BEGIN RAISE EXCEPTION 'disk on fire'; END $$"))
        conn.execute(sa.text("CREATE TRIGGER refuse BEFORE INSERT ON enrolments FOR EACH ROW "
                             "EXECUTE FUNCTION refuse()"))
    try:
        run_id = upload(client, "kab-serang", csv_bytes(generated_rows(25))).get_json()["id"]
        run_worker()  # the first attempt and its three retries all fail
        run = _run(client, "kab-serang", run_id)
        assert run["state"] == "failed" and "masalah di server" in run["error"]
        assert "disk on fire" not in run["error"]  # the database's words are for the log, not the operator
        assert count(serang_units, "employees") == 0 and count(serang_units, "cohorts") == 0
        assert count(serang_units, "import_staged_rows") == 0
    finally:
        with tenant_context(serang_units), db.engine.begin() as conn:
            conn.execute(sa.text("DROP FUNCTION refuse() CASCADE"))
    # The same file once the fault is gone imports in full, once.
    run_id = upload(client, "kab-serang", csv_bytes(generated_rows(25))).get_json()["id"]
    run_worker()
    assert _run(client, "kab-serang", run_id)["rows"]["created"] == 25
    assert count(serang_units, "enrolments") == 25

"""Faults: Redis restarted mid-job, PostgreSQL restarted under load, a full disk for uploads.

Each test runs its own private server(s) (tests/reliability/servers.py); the shared PostgreSQL and Redis are
never restarted. `kill -9` of a worker mid-import is tests/imports/test_guarantees.py
(test_a_worker_killed_mid_import_is_finished_by_the_retry_with_clean_totals).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import psycopg
import pytest
import sqlalchemy as sa

from app import create_app
from app.authz import PUBLIC, policy
from app.config import Config
from app.extensions import db
from app.jobs import QUEUES, SimpleWorker, queue, redis_connection
from app.models.employees import Opd
from app.services.admin import migrations
from app.services.admin.provisioning import provision
from app.tenancy import registry, tenant_context
from tests.fixtures.app import make_config
from tests.fixtures.auth import AdminClient, create_token, create_user
from tests.fixtures.tenants import MANIFESTS
from tests.imports.conftest import add_opds, count, csv_bytes, generated_rows, upload
from tests.reliability.servers import PrivatePostgres, PrivateRedis

pytestmark = [pytest.mark.slow, pytest.mark.committed]  # subprocesses and threads


def _run(client, slug: str, run_id: int) -> dict:
    return client.get(f"/t/{slug}/api/v1/imports/{run_id}").get_json()


# --- Redis restarted mid-job ---------------------------------------------------------------------------------

@pytest.fixture
def redis_fault_app(database_url, redis_prefix, tmp_path, tenants):
    """The test database, but a private Redis that the test may kill and restart."""
    server = PrivateRedis(tmp_path / "redis")
    server.dir.mkdir()
    server.start()
    application = create_app(make_config(database_url, server.url, f"{redis_prefix}:fault", tmp_path / "instance"))
    application.test_client_class = AdminClient
    with application.app_context():
        try:
            yield application, server
        finally:
            for name in QUEUES:
                with contextlib.suppress(Exception):  # best effort on a server that may be down
                    queue(name).empty()
            db.session.remove()
            db.engine.dispose()
            server.kill()


def test_redis_restarted_mid_import_the_job_completes_once_or_fails_cleanly(redis_fault_app, serang):
    application, server = redis_fault_app
    client = application.test_client()
    add_opds(serang, ["Dinas Kesehatan"])
    rows = 20_000
    run_id = upload(client, "kab-serang", csv_bytes(generated_rows(rows))).get_json()["id"]
    env = {**os.environ, "DATABASE_URL": application.config["SQLALCHEMY_DATABASE_URI"], "REDIS_URL": server.url,
           "KOMPETEN_REDIS_PREFIX": application.config["REDIS_KEY_PREFIX"], "SECRET_KEY": "t",
           "KOMPETEN_LOG_LEVEL": "WARNING", "KOMPETEN_INSTANCE_DIR": application.config["INSTANCE_DIR"]}
    worker = subprocess.Popen([sys.executable, "-m", "app.cli_entry", "worker", "--queue", "imports"],  # noqa: S603
                              env=env, start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            run = _run(client, "kab-serang", run_id)
            if run["state"] != "queued":
                break
            time.sleep(0.01)
        else:
            raise AssertionError(f"the worker never got going: {run}")
        server.kill()  # Redis goes away mid-job
        assert run["state"] not in ("done", "failed"), run  # it really was mid-job

        # While it is down: new uploads are refused with a 503 problem, nothing is stored; reads keep working.
        refused = upload(client, "kab-serang", csv_bytes(generated_rows(3, start=90_000)))
        assert refused.status_code == 503 and refused.content_type == "application/problem+json"
        assert refused.get_json()["type"].endswith("queue-unavailable")
        assert client.get("/t/kab-serang/api/v1/imports").status_code == 200
        assert client.get(f"/t/kab-serang/api/v1/imports/{run_id}").status_code == 200
        time.sleep(1)
        server.start()  # back, with its append-only file: the queue and the started job are still there

        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and worker.poll() is None:
            if _run(client, "kab-serang", run_id)["state"] in ("done", "failed"):
                break
            time.sleep(0.1)
    finally:
        with contextlib.suppress(ProcessLookupError):  # it may have died with its Redis connection
            os.killpg(worker.pid, signal.SIGKILL)
        worker.wait(10)

    run = _run(client, "kab-serang", run_id)
    print("after the restart, the first worker left the run", run["state"], "; worker exit code", worker.returncode)
    if run["state"] not in ("done", "failed"):
        # The worker died with its connection: what a new worker does once the dead one's heartbeat expires.
        queue("imports").started_job_registry.cleanup(timestamp=time.time() + 3600)
        SimpleWorker([queue(n) for n in QUEUES], connection=redis_connection()).work(burst=True)
        run = _run(client, "kab-serang", run_id)
    assert run["state"] in ("done", "failed"), run
    enrolments, employees = count(serang, "enrolments"), count(serang, "employees")
    if run["state"] == "done":  # retried: once, with the totals of a clean run
        assert run["rows"]["created"] == rows and enrolments == rows and employees == rows
    else:  # reported failed: nothing half-applied
        assert run["error"] and enrolments == 0 and employees == 0
    assert count(serang, "import_staged_rows") == 0
    assert count(serang, "import_runs") == 1  # the refused upload left no run


# --- PostgreSQL restarted under load ---------------------------------------------------------------------------

@pytest.fixture
def pg_fault_app(tmp_path, redis_url, redis_prefix):
    """An app on a private PostgreSQL cluster with Kota Malang provisioned."""
    # Not under tmp_path: pytest's directories are private to root, and the server runs as `postgres`.
    scratch = Path(tempfile.mkdtemp(prefix="kompeten-pgfault-"))
    try:
        server = PrivatePostgres(scratch)
        server.init()
    except (FileNotFoundError, subprocess.CalledProcessError) as exc:
        shutil.rmtree(scratch, ignore_errors=True)
        pytest.skip(f"cannot start a private PostgreSQL here: {exc}")
    server.start()
    registry.invalidate()
    config = make_config(server.url, redis_url, f"{redis_prefix}:pgfault", tmp_path / "instance",
                         # the shipped engine options (pre-ping, pool and connect timeouts), a pool of 5
                         SQLALCHEMY_ENGINE_OPTIONS={**Config({}).SQLALCHEMY_ENGINE_OPTIONS, "pool_size": 5,
                                                    "max_overflow": 0})
    application = create_app(config)
    try:
        with application.app_context():
            migrations.upgrade_platform()
            provision(MANIFESTS["kota-malang"])
            yield application, server
            db.session.remove()
            db.engine.dispose()
    finally:
        registry.invalidate()  # the shared registry cache must not keep this cluster's rows
        server.stop("immediate")
        shutil.rmtree(scratch, ignore_errors=True)


# pool_timeout + connect_timeout of the shipped config: no request may take longer.
REQUEST_TIMEOUT = Config({}).SQLALCHEMY_ENGINE_OPTIONS["pool_timeout"] + \
    Config({}).SQLALCHEMY_ENGINE_OPTIONS["connect_args"]["connect_timeout"]


def test_postgres_restarted_under_load_the_pool_recovers_and_nothing_acknowledged_is_lost(pg_fault_app):
    application, server = pg_fault_app
    admin = create_user("kota-malang", "admin", password=None)
    headers = {"Authorization": f"Bearer {create_token('kota-malang', admin['id'], 'admin')}"}
    stop = threading.Event()
    results: list[tuple[str, int, float, str | None]] = []  # (phase, status, seconds, name written)
    phase = ["before"]
    errors: list[str] = []

    def staff(n: int) -> None:
        client = application.test_client()
        i = 0
        while not stop.is_set():
            i += 1
            started = time.monotonic()
            if i % 3 == 0:
                name = f"Dinas Beban {n}-{i}"
                resp = client.post("/t/kota-malang/api/v1/opds", json={"name": name}, headers=headers)
            else:
                name = None
                resp = client.get("/t/kota-malang/api/v1/opds?limit=20", headers=headers)
            results.append((phase[0], resp.status_code, time.monotonic() - started, name))
            if resp.status_code == 500:
                errors.append(resp.get_data(as_text=True))
            if resp.status_code >= 500:
                assert resp.content_type == "application/problem+json"
                time.sleep(0.05)

    threads = [threading.Thread(target=staff, args=(n,), daemon=True) for n in range(4)]
    for t in threads:
        t.start()
    try:
        time.sleep(1.0)
        phase[0] = "outage"
        server.stop("immediate")  # a crash: no clean shutdown of the backends
        time.sleep(1.5)
        server.start()
        phase[0] = "recovering"
        time.sleep(1.0)
        phase[0] = "after"
        time.sleep(1.5)
    finally:
        stop.set()
        for t in threads:
            t.join(REQUEST_TIMEOUT + 5)
    assert not any(t.is_alive() for t in threads), "a request hung"

    assert max(r[2] for r in results) < REQUEST_TIMEOUT
    by_phase = {p: [r[1] for r in results if r[0] == p] for p in ("before", "outage", "recovering", "after")}
    assert by_phase["before"] and set(by_phase["before"]) <= {200, 201}
    assert set(by_phase["outage"] + by_phase["recovering"]) <= {200, 201, 503}, errors[:3]  # never a 500
    assert by_phase["after"] and set(by_phase["after"]) <= {200, 201}, by_phase["after"]  # the pool recovered

    acknowledged = {r[3] for r in results if r[1] == 201}
    attempted = {r[3] for r in results if r[3]}
    with tenant_context("kota-malang"):
        stored = set(db.session.execute(sa.select(Opd.name).where(Opd.name.like("Dinas Beban %"))).scalars())
        db.session.commit()
    assert acknowledged <= stored <= attempted  # nothing acknowledged was lost, nothing invented


# --- a full disk for uploads -------------------------------------------------------------------------------------

@pytest.fixture
def small_disk(app, tmp_path):
    """A 256 KiB tmpfs mounted as the uploads directory of an app (root only; CI runs as root)."""
    instance = tmp_path / "instance"
    uploads = instance / "uploads"
    uploads.mkdir(parents=True)
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", str(uploads)],  # noqa: S603, S607
                             capture_output=True, check=False)
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a small filesystem here: {mounted.stderr.decode().strip()}")
    try:
        yield instance
    finally:
        subprocess.run(["umount", "-l", str(uploads)], check=False)  # noqa: S603, S607


def test_a_full_disk_for_uploads_is_a_clear_error_and_nothing_is_written(small_disk, database_url, redis_url,
                                                                        redis_prefix, serang):
    application = create_app(make_config(database_url, redis_url, redis_prefix, small_disk))
    application.test_client_class = AdminClient
    with application.app_context():
        try:
            client = application.test_client()
            big = csv_bytes(generated_rows(6000))  # ~750 KB: more than the disk holds
            assert len(big) > 512 * 1024
            resp = upload(client, "kab-serang", big)
            assert resp.status_code == 507, resp.get_data(as_text=True)
            assert resp.content_type == "application/problem+json"
            assert resp.get_json()["type"].endswith("storage-full")
            assert count(serang, "import_runs") == 0
            folder = Path(small_disk) / "uploads" / "kab-serang"
            assert not any(folder.iterdir())  # the partial temporary file is gone
            # A file that fits still goes through: the error was the disk, not the upload path.
            small = upload(client, "kab-serang", csv_bytes(generated_rows(5)))
            assert small.status_code == 202, small.get_json()
            assert count(serang, "import_runs") == 1
        finally:
            for name in QUEUES:
                queue(name).empty()
            db.session.remove()
            db.engine.dispose()


# --- a connection that dies inside a request -----------------------------------------------------------------

@pytest.fixture
def dying_connection_app(database_url, redis_url, redis_prefix, tmp_path, tenants):
    """One pooled connection and a route whose own backend is terminated between its flush and its commit."""
    application = create_app(make_config(database_url, redis_url, redis_prefix, tmp_path,
                                         SQLALCHEMY_ENGINE_OPTIONS={"pool_size": 1, "max_overflow": 0,
                                                                    "pool_pre_ping": True}))

    @application.post("/t/<tenant_slug>/_die_before_commit")
    @policy(PUBLIC)
    def die_before_commit():
        db.session.add(Opd(name="Tidak tersimpan", name_key="tidak tersimpan"))
        db.session.flush()
        pid = db.session.execute(sa.text("SELECT pg_backend_pid()")).scalar_one()
        with psycopg.connect(database_url, autocommit=True) as other:
            other.execute("SELECT pg_terminate_backend(%s)", (pid,))
        db.session.commit()
        return {}

    with application.app_context():
        yield application
        db.session.remove()
        db.engine.dispose()


def test_a_connection_killed_mid_request_is_a_503_problem_and_the_next_request_reconnects(dying_connection_app,
                                                                                           malang):
    client = dying_connection_app.test_client()
    resp = client.post("/t/kota-malang/_die_before_commit")
    assert resp.status_code == 503, resp.get_data(as_text=True)  # was a 500 (PendingRollbackError in the seam)
    assert resp.content_type == "application/problem+json"
    assert resp.get_json()["type"].endswith("database-unavailable")
    assert count(malang, "opds") == 0
    token = create_token(malang, create_user(malang, "admin", password=None)["id"], "admin")
    again = client.get("/t/kota-malang/api/v1/opds", headers={"Authorization": f"Bearer {token}"})
    assert again.status_code == 200  # pre-ping: the pool replaced the dead connection

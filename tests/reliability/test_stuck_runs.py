"""No run is ever stuck (issue 17): B1–B4 with servers the test starts and kills, for imports and reconciliations.

The rig: a private PostgreSQL cluster (B1 restarts it with `pg_ctl stop -m immediate` + start), a private Redis
WITHOUT persistence (B2 kills it and starts an empty one), and `kompeten worker` subprocesses (B3 SIGKILLs every
work horse until the retries are used up, B4 SIGKILLs the whole worker and starts a new one, as a supervisor
would). The job is held mid-work deterministically: a statement trigger sleeps in the run's staging insert (for an
import only from its second chunk on, so its first chunk of 20,000 staged rows is committed and a resumed run
starts from the checkpoint). Lease, attempts and backoff are short (RUN_LEASE_SECONDS=2, RUN_MAX_ATTEMPTS=2,
backoff 1, 1, 2, 4, 8, 16 s); the worker uses the shipped recovery settings. Nothing but polling the run's API (as
a person's page would) and the worker's own start drives the recovery.

Each test ends with the run `done`/`classified` and its data identical to a clean run of the same file (computed
once per module on the same rig), or `failed` with a reason and no staged rows left. The seconds from the fault to
that end are printed (docs/reliability.md).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import psutil
import pytest
import sqlalchemy as sa
from flask import current_app
from rq import SimpleWorker

from app import create_app
from app.config import Config
from app.extensions import db
from app.jobs import QUEUES, queue, redis_connection
from app.services.admin import migrations
from app.services.admin.provisioning import provision
from app.tenancy import registry, resolve, tenant_context
from tests.fixtures.app import make_config
from tests.fixtures.auth import AdminClient
from tests.fixtures.tenants import MANIFESTS, wipe
from tests.imports.conftest import add_opds, csv_bytes, generated_rows
from tests.imports.conftest import upload as upload_import
from tests.reconciliation.conftest import upload as upload_report
from tests.reconciliation.synthetic import generate, load
from tests.reliability.servers import PrivatePostgres, PrivateRedis

pytestmark = [pytest.mark.slow, pytest.mark.committed]

SLUG = "kota-malang"
IMPORT_ROWS = 30_000  # two chunks of the pipeline (20,000 rows each)
STALL_SECONDS = 1.5
DEADLINE = 90  # every run must have ended this long after its fault (the issue: moving again within a minute)
SHORT = {"RUN_LEASE_SECONDS": 2.0, "RUN_MAX_ATTEMPTS": 2, "JOB_RETRY_BACKOFF": (1, 1, 2, 4, 8, 16)}
SHORT_ENV = {"KOMPETEN_RUN_LEASE_SECONDS": "2", "KOMPETEN_RUN_MAX_ATTEMPTS": "2",
             "KOMPETEN_JOB_RETRY_BACKOFF": "1,1,2,4,8,16"}


@dataclass
class Rig:
    app: object
    pg: PrivatePostgres
    redis: PrivateRedis
    scratch: Path
    workers: list

    def env(self) -> dict:
        cfg = self.app.config
        return {**os.environ, **SHORT_ENV, "DATABASE_URL": self.pg.url, "REDIS_URL": self.redis.url,
                "KOMPETEN_REDIS_PREFIX": cfg["REDIS_KEY_PREFIX"], "SECRET_KEY": "t", "KOMPETEN_LOG_LEVEL": "INFO",
                "KOMPETEN_INSTANCE_DIR": cfg["INSTANCE_DIR"], "KOMPETEN_LOG_FORMAT": "text"}

    def start_worker(self) -> subprocess.Popen:
        with (self.scratch / f"worker-{len(self.workers)}.log").open("ab") as log:  # the child keeps its own fd
            proc = subprocess.Popen([sys.executable, "-m", "app.cli_entry", "worker"], env=self.env(),  # noqa: S603
                                    start_new_session=True, stdout=log, stderr=subprocess.STDOUT)
        self.workers.append(proc)
        return proc

    def kill_worker(self, proc: subprocess.Popen) -> None:
        horses = []
        with contextlib.suppress(psutil.Error):
            horses = psutil.Process(proc.pid).children(recursive=True)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        for horse in horses:  # RQ puts the horse in a session of its own
            with contextlib.suppress(psutil.Error):
                horse.send_signal(signal.SIGKILL)
        proc.wait(10)

    def ensure_worker(self) -> None:
        """A supervisor's restart policy: a worker that exited is started again."""
        if not any(p.poll() is None for p in self.workers):
            self.start_worker()

    def horses(self) -> list[psutil.Process]:
        out = []
        for proc in self.workers:
            if proc.poll() is None:
                with contextlib.suppress(psutil.Error):
                    out += psutil.Process(proc.pid).children(recursive=True)
        return out

    def stalled(self) -> bool:
        """A job is inside the staging insert's sleep (mid-transaction)."""
        with db.engine.connect() as conn:
            return bool(conn.execute(sa.text(
                "SELECT count(*) FROM pg_stat_activity WHERE wait_event = 'PgSleep' AND pid <> pg_backend_pid()"
            )).scalar_one())

    def wait_stalled(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with contextlib.suppress(sa.exc.OperationalError):
                if self.stalled():
                    return
            time.sleep(0.05)
        raise AssertionError("no job reached the staging insert")


@pytest.fixture(scope="module")
def rig(tmp_path_factory, redis_prefix):
    scratch = Path(tempfile.mkdtemp(prefix="kompeten-stuck-"))  # not under pytest's dirs: postgres must read it
    os.chmod(scratch, 0o755)  # noqa: S103 - a throwaway directory the postgres user must reach
    pg = PrivatePostgres(scratch / "pg")
    try:
        pg.init()
    except (FileNotFoundError, subprocess.CalledProcessError) as exc:
        shutil.rmtree(scratch, ignore_errors=True)
        pytest.skip(f"cannot start a private PostgreSQL here: {exc}")
    pg.start()
    redis_server = PrivateRedis(scratch / "redis", persistent=False)
    redis_server.dir.mkdir()
    redis_server.start()
    registry.invalidate()
    config = make_config(pg.url, redis_server.url, f"{redis_prefix}:stuck", tmp_path_factory.mktemp("instance"),
                         SQLALCHEMY_ENGINE_OPTIONS={**Config({}).SQLALCHEMY_ENGINE_OPTIONS, "pool_size": 5,
                                                    "max_overflow": 0}, **SHORT)
    application = create_app(config)
    application.test_client_class = AdminClient
    try:
        with application.app_context():
            migrations.upgrade_platform()
            provision(MANIFESTS[SLUG])
            yield Rig(application, pg, redis_server, scratch, [])
            db.session.remove()
            db.engine.dispose()
    finally:
        registry.invalidate()
        redis_server.kill()
        pg.stop("immediate")
        shutil.rmtree(scratch, ignore_errors=True)


@pytest.fixture
def fresh(rig):
    """Each test: the region emptied, queues empty, no worker left running, no stall trigger."""
    yield rig
    keep = os.environ.get("KOMPETEN_KEEP_WORKER_LOGS")  # a directory to copy the workers' logs to (debugging)
    if keep:
        for log in rig.scratch.glob("worker-*.log"):
            shutil.copy(log, Path(keep) / f"{int(time.time())}-{log.name}")
    for log in rig.scratch.glob("worker-*.log"):
        log.unlink()
    for proc in rig.workers:
        if proc.poll() is None:
            rig.kill_worker(proc)
    rig.workers.clear()
    for name in QUEUES:
        with contextlib.suppress(Exception):
            queue(name).empty()
    db.session.remove()
    with tenant_context(SLUG), db.engine.begin() as conn:
        conn.execute(sa.text("DROP FUNCTION IF EXISTS stall() CASCADE"))
    wipe(resolve(SLUG))
    with contextlib.suppress(Exception):  # a private Redis: a killed worker's scheduler lock must not outlive it
        redis_connection().flushall()


# --- the two workloads --------------------------------------------------------------------------------------------

class Work:
    """A kind of run under test: how to start it, read it, and tell whether it ended done or failed."""

    name = ""
    done = ""
    table = ""

    def is_done(self, view: dict) -> bool:
        return view["state"] == self.done

    def is_failed(self, view: dict) -> bool:
        return view["state"] == "failed"

    def attempt(self, run_id: int) -> int:
        with tenant_context(SLUG):
            return db.session.execute(sa.text(f"SELECT attempt FROM {self.table} WHERE id = :r"),  # noqa: S608
                                      {"r": run_id}).scalar_one()


class ImportWork(Work):
    name = "import"
    done = "done"
    table = "import_runs"

    def prepare(self) -> None:
        add_opds(SLUG, ["Dinas Kesehatan"])

    def submit(self, client) -> int:
        resp = upload_import(client, SLUG, csv_bytes(generated_rows(IMPORT_ROWS)))
        assert resp.status_code == 202, resp.get_json()
        return resp.get_json()["id"]

    def view(self, client, run_id: int) -> dict | None:
        resp = client.get(f"/t/{SLUG}/api/v1/imports/{run_id}")
        return resp.get_json() if resp.status_code == 200 else None

    def stall_sql(self) -> str:
        # From the second chunk on: the first chunk (20,000 rows) commits, a resumed run starts at its checkpoint.
        return (f"CREATE FUNCTION stall() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN IF (SELECT count(*) FROM "
                f"import_staged_rows) > 20000 THEN PERFORM pg_sleep({STALL_SECONDS}); END IF; RETURN NULL; END $$; "
                "CREATE TRIGGER stall AFTER INSERT ON import_staged_rows FOR EACH STATEMENT EXECUTE FUNCTION stall()")

    def staged(self, run_id: int) -> int:
        with tenant_context(SLUG):
            return db.session.execute(sa.text("SELECT count(*) FROM import_staged_rows WHERE run_id = :r"),
                                      {"r": run_id}).scalar_one()

    def digest(self, run_id: int) -> str:
        with tenant_context(SLUG):
            rows = db.session.execute(sa.text(
                "SELECT e.nip, e.name, e.name_key, e.gender, e.birth_date, e.employee_type, e.golongan, e.jabatan, "
                "o.name AS opd, p.code, c.year, c.number, c.mode, c.start_date, c.end_date, n.status "
                "FROM enrolments n JOIN employees e ON e.id = n.employee_id JOIN cohorts c ON c.id = n.cohort_id "
                "JOIN programs p ON p.id = c.program_id JOIN opds o ON o.id = e.opd_id ORDER BY e.nip, p.code, "
                "c.year, c.number")).all()
            counts = db.session.execute(sa.text(
                "SELECT rows_read, rows_valid, rows_invalid, rows_duplicate, rows_created, rows_updated, "
                "rows_unchanged FROM import_runs WHERE id = :r"), {"r": run_id}).one()
        return _digest([*rows, tuple(counts)])


class ReconciliationWork(Work):
    name = "reconciliation"
    done = "classified"
    table = "reconciliation_runs"

    def __init__(self) -> None:
        self.data = generate(400, seed=17)
        self.cohort = None

    def prepare(self) -> None:
        self.cohort = load(SLUG, self.data)["A"]

    def submit(self, client) -> int:
        resp = upload_report(client, SLUG, self.data.csv(), partner="LAN-RI", cohort_id=self.cohort)
        assert resp.status_code == 202, resp.get_json()
        return resp.get_json()["id"]

    def view(self, client, run_id: int) -> dict | None:
        resp = client.get(f"/t/{SLUG}/api/v1/reconciliations/{run_id}")
        return resp.get_json() if resp.status_code == 200 else None

    def stall_sql(self) -> str:
        return (f"CREATE FUNCTION stall() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN PERFORM "
                f"pg_sleep({STALL_SECONDS}); RETURN NULL; END $$; CREATE TRIGGER stall AFTER INSERT ON "
                "reconciliation_rows FOR EACH STATEMENT EXECUTE FUNCTION stall()")

    def staged(self, run_id: int) -> int:
        with tenant_context(SLUG):
            return db.session.execute(sa.text("SELECT count(*) FROM reconciliation_rows WHERE run_id = :r"),
                                      {"r": run_id}).scalar_one()

    def digest(self, run_id: int) -> str:
        with tenant_context(SLUG):
            rows = db.session.execute(sa.text(
                "SELECT r.row_number, r.klass, r.detail, r.duplicate_of_row, r.error_code, r.nip, r.name, "
                "r.partner_status, r.partner_jp, r.partner_certificate_number, r.local_status, r.local_jp, "
                "(r.enrolment_id IS NOT NULL) FROM reconciliation_rows r WHERE r.run_id = :r "
                "ORDER BY r.row_number NULLS LAST, r.nip, r.cohort_id"), {"r": run_id}).all()
            counts = db.session.execute(sa.text("SELECT counts FROM reconciliation_runs WHERE id = :r"),
                                        {"r": run_id}).scalar_one()
        return _digest([*rows, tuple(sorted(counts.items()))])


DIFFERENCES = {"status_differs": "partner", "jp_differs": "partner", "certificate_missing": "partner",
               "partner_only": "partner", "local_only": "local"}


class ApplyWork(ReconciliationWork):
    """A reconciliation's apply: the decisions taken on a classified report, written in one transaction."""

    name = "reconciliation-apply"

    def prepare(self) -> None:
        super().prepare()
        client = current_app.test_client()
        self.run_id = super().submit(client)
        SimpleWorker([queue(n) for n in QUEUES], connection=redis_connection()).work(burst=True)
        assert super().view(client, self.run_id)["state"] == "classified"

    def submit(self, client) -> int:
        resp = client.post(f"/t/{SLUG}/api/v1/reconciliations/{self.run_id}/apply", json={"classes": DIFFERENCES})
        assert resp.status_code == 202, resp.get_json()
        return self.run_id

    def is_done(self, view: dict) -> bool:
        return view["state"] == "classified" and view["error"] is None and "last_apply" in view["details"]

    def is_failed(self, view: dict) -> bool:  # given up: back to classified, nothing written, the reason said
        return view["state"] == "classified" and view["error"] is not None

    def stall_sql(self) -> str:
        return (f"CREATE FUNCTION stall() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN PERFORM "
                f"pg_sleep({STALL_SECONDS}); RETURN NULL; END $$; CREATE TRIGGER stall BEFORE UPDATE ON "
                "enrolments FOR EACH STATEMENT EXECUTE FUNCTION stall()")

    def staged(self, run_id: int) -> int:  # what a failed apply must not have left: rows marked applied
        with tenant_context(SLUG):
            return db.session.execute(sa.text(
                "SELECT count(*) FROM reconciliation_rows WHERE run_id = :r AND applied_at IS NOT NULL"),
                {"r": run_id}).scalar_one()

    def digest(self, run_id: int) -> str:
        with tenant_context(SLUG):
            rows = db.session.execute(sa.text(
                "SELECT e.nip, n.cohort_id, n.status, n.jp_earned, n.certificate_number, n.certificate_date, "
                "j.jp, j.certificate_number FROM enrolments n JOIN employees e ON e.id = n.employee_id "
                "LEFT JOIN jp_entries j ON j.enrolment_id = n.id ORDER BY 1, 2")).all()
            audit = db.session.execute(sa.text(
                "SELECT action, count(*) FROM audit_log WHERE action LIKE 'reconciliation.%' AND action <> "
                "'reconciliation.upload' GROUP BY action ORDER BY action")).all()
            outcome = db.session.execute(sa.text(
                "SELECT details -> 'last_apply' FROM reconciliation_runs WHERE id = :r"), {"r": run_id}).scalar_one()
        return _digest([*rows, *audit, tuple(sorted(outcome.items()))])


def _digest(rows) -> str:
    h = hashlib.sha256()
    for row in rows:
        h.update(repr(tuple(row)).encode())
    return f"{len(rows)}:{h.hexdigest()}"


WORKS = {"import": ImportWork, "reconciliation": ReconciliationWork, "reconciliation-apply": ApplyWork}


@pytest.fixture(scope="module")
def clean(rig):
    """What a clean run of each workload gives on this rig (a real worker, no fault): its data digest."""
    out = {}
    for name, cls in WORKS.items():
        work = cls()
        work.prepare()
        client = rig.app.test_client()
        run_id = work.submit(client)
        SimpleWorker([queue(n) for n in QUEUES], connection=redis_connection()).work(burst=True)
        view = work.view(client, run_id)
        assert work.is_done(view), view
        out[name] = work.digest(run_id)
        wipe(resolve(SLUG))
    return out


def _start(rig: Rig, work) -> tuple[object, int]:
    work.prepare()
    with tenant_context(SLUG), db.engine.begin() as conn:
        conn.connection.dbapi_connection.execute(work.stall_sql())
    client = rig.app.test_client()
    run_id = work.submit(client)
    rig.start_worker()
    rig.wait_stalled()
    return client, run_id


def _follow(rig: Rig, work, client, run_id: int, since: float, *, supervise: bool = True,
            on_poll=None) -> tuple[dict, float]:
    """Poll the run's API (each view also reaps it) until it ends; a worker that exited is restarted."""
    deadline = since + DEADLINE
    view = None
    while time.monotonic() < deadline:
        if supervise:
            rig.ensure_worker()
        if on_poll:
            on_poll()
        with contextlib.suppress(Exception):  # the database may still be starting
            view = work.view(client, run_id)
        db.session.remove()
        if view and (work.is_done(view) or work.is_failed(view)):
            return view, time.monotonic() - since
        time.sleep(0.2)
    raise AssertionError(f"{work.name} run {run_id} not ended {DEADLINE} s after the fault: {view}")


def _assert_clean_end(work, run_id: int, view: dict, clean: dict, label: str, seconds: float) -> None:
    outcome = "done" if work.is_done(view) else "failed"
    print(f"\n{label} {work.name}: {outcome} ({view['state']}) {seconds:.1f} s after the fault")
    if work.is_done(view):
        assert work.digest(run_id) == clean[work.name]
    else:
        assert work.is_failed(view) and view["error"] and work.staged(run_id) == 0


@pytest.fixture(params=list(WORKS))
def work(request):
    return WORKS[request.param]()


# --- B1: PostgreSQL restarted mid-run ------------------------------------------------------------------------------

def test_b1_postgres_restarted_mid_run_the_run_resumes_and_ends_done(fresh, work, clean):
    rig = fresh
    client, run_id = _start(rig, work)
    fault = time.monotonic()
    db.session.remove()
    db.engine.dispose()
    rig.pg.stop("immediate")  # a crash: every backend killed, the job's transaction lost
    time.sleep(2)  # the job's retries meet "connection refused" meanwhile
    rig.pg.start()
    view, seconds = _follow(rig, work, client, run_id, fault)
    assert work.is_done(view), view  # retried with backoff past the restart, not failed
    _assert_clean_end(work, run_id, view, clean, "B1", seconds)


# --- B2: Redis restarted without persistence ---------------------------------------------------------------------

def test_b2_redis_restarted_empty_mid_run_the_run_is_requeued_and_ends_done(fresh, work, clean):
    rig = fresh
    client, run_id = _start(rig, work)
    fault = time.monotonic()
    rig.redis.kill()
    time.sleep(1)
    rig.redis.start()  # empty: the job, the queues and the registries are gone
    assert not redis_connection().keys("*")
    view, seconds = _follow(rig, work, client, run_id, fault)
    assert work.is_done(view), view
    _assert_clean_end(work, run_id, view, clean, "B2", seconds)


def test_b2_redis_restarted_empty_and_the_worker_gone_with_it_the_reaper_requeues_the_lost_job(fresh, work, clean):
    """The case the issue saw: the job is gone from Redis AND no horse carries on (the worker died with its
    connection). Only the run's row knows there is work: its lease lapses, a view re-enqueues it."""
    rig = fresh
    client, run_id = _start(rig, work)
    horses = rig.horses()  # now: a worker that dies with its Redis leaves its horse to init, out of reach
    assert horses
    fault = time.monotonic()
    rig.redis.kill()
    rig.kill_worker(rig.workers[-1])
    for horse in horses:
        with contextlib.suppress(psutil.Error):
            horse.send_signal(signal.SIGKILL)
    rig.redis.start()
    assert not redis_connection().keys("*")
    rig.start_worker()
    view, seconds = _follow(rig, work, client, run_id, fault)
    assert work.is_done(view), view
    assert work.attempt(run_id) == 2  # taken over by the reaper, once
    _assert_clean_end(work, run_id, view, clean, "B2 (worker lost too)", seconds)


# --- B3: the work horse SIGKILLed until the retries are used up ---------------------------------------------------

def test_b3_work_horse_killed_every_time_the_run_fails_with_a_reason_and_nothing_staged(fresh, work, clean):
    rig = fresh
    client, run_id = _start(rig, work)
    fault = time.monotonic()
    kills = []

    def kill_horses():
        for horse in rig.horses():
            with contextlib.suppress(psutil.Error):
                horse.send_signal(signal.SIGKILL)
                kills.append(horse.pid)

    view, seconds = _follow(rig, work, client, run_id, fault, on_poll=kill_horses)
    assert work.is_failed(view), view
    assert "dihentikan setelah 2 kali dicoba" in view["error"], view["error"]
    assert work.staged(run_id) == 0
    print(f"{len(set(kills))} work horses killed")
    _assert_clean_end(work, run_id, view, clean, "B3", seconds)


# --- B4: the whole worker killed and started again ----------------------------------------------------------------

def test_b4_whole_worker_killed_and_restarted_the_run_resumes_and_ends_done(fresh, work, clean):
    rig = fresh
    client, run_id = _start(rig, work)
    fault = time.monotonic()
    rig.kill_worker(rig.workers[-1])  # worker and horse: the job stays "started" in Redis, nobody heartbeats
    rig.start_worker()  # the supervisor starts a new one at once
    view, seconds = _follow(rig, work, client, run_id, fault)
    assert work.is_done(view), view
    _assert_clean_end(work, run_id, view, clean, "B4", seconds)

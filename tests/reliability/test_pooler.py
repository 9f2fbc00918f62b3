"""Through a real PgBouncer in transaction mode with a pool of 2 server connections (finding 5 of the outside review).

psycopg prepares a statement on a connection once it ran 5 times (`prepare_threshold=5`). Behind a transaction
pooler the next transaction may run on another server connection (InvalidSqlStatementName) or on one where another
client prepared the same name (DuplicatePreparedStatement). `KOMPETEN_DB_POOLER=transaction` turns preparing off
and makes a transaction with no region bound set its own empty search_path. Debian ships PgBouncer 1.18 on these
machines (no protocol-level prepared statements); on 1.21+ the fixture sets `max_prepared_statements = 0`, which
is the behaviour of the older releases (and of any PgBouncer configured without it).
"""

from __future__ import annotations

import random
import time
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlsplit

import psycopg
import pytest
import sqlalchemy as sa
from psycopg import errors as pg_errors

from app import create_app
from app.config import Config
from app.extensions import db
from app.jobs import QUEUES, enqueue, queue
from app.services.rollups.refresh import refresh_rollups
from app.tenancy import no_tenant
from tests.e2e.harness import BackgroundWorker
from tests.fixtures.app import make_config
from tests.fixtures.auth import create_token, create_user
from tests.imports.conftest import add_opds, csv_bytes, generated_rows
from tests.imports.conftest import upload as upload_import
from tests.reconciliation.conftest import upload as upload_report
from tests.reconciliation.synthetic import expected_counts, generate, load
from tests.reliability.conftest import REGIONS, _collect, unit_name
from tests.reliability.servers import PgBouncer, pgbouncer_version

pytestmark = pytest.mark.skipif(pgbouncer_version() is None,
                                reason="pgbouncer is not installed (apt-get install pgbouncer; .ci/run does)")

POOLER = {"KOMPETEN_DB_POOLER": "transaction"}
BROKEN_BY_POOLER = (pg_errors.DuplicatePreparedStatement, pg_errors.InvalidSqlStatementName)
IMPORTED = 40  # rows of the PPPK import run through the pooler


@pytest.fixture
def pgbouncer(database_url):
    bouncer = PgBouncer(database_url, pool_size=2).start()
    yield bouncer
    bouncer.stop()


@pytest.fixture
def pooled_app(pgbouncer, database_url, redis_url, redis_prefix, tmp_path, tenants):
    """`pooled_app(env)` → an app whose DATABASE_URL is the PgBouncer, configured from `env` as in production
    (pool of 6 + 4 per process: many more client connections than the 2 server connections behind them)."""
    made = []
    database = urlsplit(database_url).path.lstrip("/")

    def _make(env: dict):
        config = Config({"KOMPETEN_POOL_SIZE": "6", "KOMPETEN_POOL_OVERFLOW": "4", **env})
        application = create_app(make_config(
            pgbouncer.url(database), redis_url, f"{redis_prefix}:pooler{len(made)}", tmp_path / f"pooled{len(made)}",
            SQLALCHEMY_ENGINE_OPTIONS=config.SQLALCHEMY_ENGINE_OPTIONS, DB_POOLER=getattr(config, "DB_POOLER", None)))
        made.append(application)
        return application

    yield _make
    for application in made:
        with application.app_context():
            db.session.remove()
            db.engine.dispose()
            for name in QUEUES:
                queue(name).empty()


def _same_statement_on_two_connections(application, times: int = 8) -> None:
    """One statement, `times` times, on each of two pooled connections in turn (each time its own transaction):
    what any job or request loop does. PgBouncer hands both the same server connection in turn."""
    with application.app_context(), no_tenant(), db.engine.connect() as first, db.engine.connect() as second:
        for n in range(times):
            for conn in (first, second):
                with conn.begin():
                    conn.execute(sa.text("SELECT count(*) FROM platform.tenants WHERE id > :n"), {"n": n}).scalar_one()


def test_without_the_pooler_setting_repeated_statements_break_behind_pgbouncer(pooled_app):
    """The failure the setting exists for, shown on this machine's PgBouncer (the default psycopg settings)."""
    with pytest.raises(sa.exc.DBAPIError) as failure:
        _same_statement_on_two_connections(pooled_app({}))
    assert isinstance(failure.value.orig, BROKEN_BY_POOLER), failure.value


@pytest.mark.parametrize("env", [POOLER, {"KOMPETEN_DB_PREPARE_THRESHOLD": "none"}],
                         ids=["KOMPETEN_DB_POOLER", "KOMPETEN_DB_PREPARE_THRESHOLD"])
def test_with_the_setting_repeated_statements_work_behind_pgbouncer(pooled_app, env):
    application = pooled_app(env)
    _same_statement_on_two_connections(application, times=20)
    assert application.config["SQLALCHEMY_ENGINE_OPTIONS"]["connect_args"]["prepare_threshold"] is None


def test_behind_a_transaction_pooler_a_transaction_with_no_region_bound_sees_no_schema(pooled_app, pgbouncer,
                                                                                       database_url):
    """The connect-time `SET search_path TO ''` stays on one server connection; every no-region transaction sets
    it again, so another client's session-level SET (here: `public`) is never inherited."""
    application = pooled_app(POOLER)
    database = urlsplit(database_url).path.lstrip("/")
    with application.app_context(), no_tenant(), psycopg.connect(pgbouncer.url(database), autocommit=True,
                                                                 prepare_threshold=None) as other:
        db.session.execute(sa.text("SELECT 1"))  # the app's connection exists (its connect-time SET is done)
        db.session.rollback()
        for _ in range(5):
            other.execute("SET search_path TO public")  # stays on the server connection PgBouncer gave it
            for _ in range(3):
                row = db.session.execute(sa.text("SELECT current_setting('search_path') AS path, "
                                                 "current_schema() AS schema")).one()
                db.session.rollback()
                assert (row.path, row.schema) == ('""', None)


def _wait(client, path: str, done, timeout: float = 240) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        body = client.get(path).get_json()
        if done(body):
            return body
        time.sleep(0.3)
    raise AssertionError(f"{path} did not finish: {body}")


def test_an_import_a_reconciliation_and_concurrent_requests_of_several_regions_through_pgbouncer(
        pooled_app, pgbouncer, database_url, seeded, tenants):
    """With KOMPETEN_DB_POOLER=transaction: a PPPK import (Kab. Tuban) and a partner report's classification and
    apply (Kota Malang) run by a real RQ worker through PgBouncer while six threads of requests for three regions
    (reads, and writes that commit: what makes psycopg prepare) share the same two server connections; every
    answer holds exactly its own region's data, and every write lands in its own region."""
    application = pooled_app(POOLER)
    report = generate(40, seed=29)
    cohorts = load("kota-malang", report)
    regions = {slug: _collect(tenants[slug]) for slug in REGIONS}  # Kota Malang now with the report's people too
    add_opds(tenants["kab-tuban"], [unit_name("kab-tuban")])
    headers = {}
    for slug in (*REGIONS, "kab-tuban"):
        admin = create_user(tenants[slug], "admin", password=None)
        headers[slug] = {"Authorization": f"Bearer {create_token(tenants[slug], admin['id'], 'admin')}"}
    foreign = {slug: sorted(n for other, data in regions.items() if other != slug for n in data.nips)
               for slug in REGIONS}

    def api(client, slug: str, path: str, **kwargs):
        return client.open(f"/t/{slug}/api/v1{path}", headers=headers[slug], **kwargs)

    written: dict[str, list[str]] = {slug: [] for slug in REGIONS}  # OPDs the threads add, per region

    def browse(seed: int) -> list[str]:
        """A thread of requests: each answer is compared with what its region holds."""
        rnd, wrong, client = random.Random(seed), [], application.test_client()
        mine: dict[str, set[str]] = {slug: set() for slug in REGIONS}
        for n in range(40):
            slug = rnd.choice(REGIONS)
            data = regions[slug]
            kind = rnd.choice(("write", "write", "opds", "employees", "one", "foreign"))
            if kind == "write":
                name = f"Dinas Tulis {slug} {seed}-{n}"
                written[slug].append(name)
                resp = api(client, slug, "/opds", method="POST", json={"name": name})
                ok = resp.status_code == 201 and resp.get_json()["name"] == name
                mine[slug].add(name)
            elif kind == "opds":
                resp = api(client, slug, "/opds?limit=200")
                got = {o["name"] for o in resp.get_json()["items"]} if resp.status_code == 200 else set()
                ok = resp.status_code == 200 and data.opd_names | mine[slug] <= got <= data.opd_names | set(
                    written[slug])
            elif kind == "employees":
                resp = api(client, slug, "/employees?limit=200")
                got = {e["nip"] for e in resp.get_json()["items"]} if resp.status_code == 200 else None
                ok = got == data.nips
            elif kind == "one":
                nip = rnd.choice(sorted(data.nips))
                resp = api(client, slug, f"/employees/{nip}")
                ok = resp.status_code == 200 and resp.get_json()["nip"] == nip and resp.get_json()["name"] in data.names
            else:
                resp = api(client, slug, f"/employees/{rnd.choice(foreign[slug])}")
                ok = resp.status_code == 404
            if not ok:
                wrong.append(f"{slug} {kind}: {resp.status_code} {resp.get_data(as_text=True)[:300]}")
        return wrong

    worker = BackgroundWorker(application).start()
    try:
        tuban = _Authorised(application.test_client(), headers["kab-tuban"])
        malang = _Authorised(application.test_client(), headers["kota-malang"])
        rows = generated_rows(IMPORTED, start=70_000, unit=unit_name("kab-tuban"))
        imported = upload_import(tuban, "kab-tuban", csv_bytes(rows))
        assert imported.status_code == 202, imported.get_json()
        classify = upload_report(malang, "kota-malang", report.csv(), partner="LAN-RI", cohort_id=cohorts["A"])
        assert classify.status_code == 202, classify.get_json()
        with application.app_context():  # jobs that repeat their statements, one after another on one worker
            refreshes = [enqueue(refresh_rollups, tenant=slug) for _ in range(3) for slug in (*REGIONS, "kab-tuban")]
        with ThreadPoolExecutor(max_workers=6) as pool:  # while the worker runs the jobs
            wrong = [w for found in pool.map(browse, range(6)) for w in found]
        assert wrong == [], wrong[:5]

        run = _wait(tuban, f"/t/kab-tuban/api/v1/imports/{imported.get_json()['id']}",
                    lambda r: r["state"] in ("done", "failed"))
        assert run["state"] == "done" and run["rows"]["created"] == IMPORTED, run
        recon_path = f"/t/kota-malang/api/v1/reconciliations/{classify.get_json()['id']}"
        recon = _wait(malang, recon_path, lambda r: r["state"] not in ("queued", "classifying"))
        assert recon["state"] == "classified", recon
        assert {k: v for k, v in recon["counts"].items() if v} == expected_counts(report)
        applied = malang.post(f"{recon_path}/apply", json={"classes": {"status_differs": "partner",
                                                                      "jp_differs": "partner"}})
        assert applied.status_code == 202, applied.get_json()
        recon = _wait(malang, recon_path,
                      lambda r: r["state"] != "applying" and (r.get("details") or {}).get("last_apply"))
        assert recon["error"] is None and recon["details"]["last_apply"]["updated"] > 0, recon
        for job in refreshes:
            _wait_job(job)
    finally:
        worker.stop()
    assert not worker.errors, worker.errors
    statuses = [str(job.get_status(refresh=True).value) for job in refreshes]
    assert statuses == ["finished"] * len(refreshes), statuses  # "scheduled": failed, waiting for a retry

    for slug in REGIONS:  # every write landed in its own region, once
        opds = _Authorised(application.test_client(), headers[slug]).get(f"/t/{slug}/api/v1/opds?limit=200")
        assert {o["name"] for o in opds.get_json()["items"]} == regions[slug].opd_names | set(written[slug]), slug
    people = tuban.get("/t/kab-tuban/api/v1/employees?limit=200").get_json()
    assert people["total"] == IMPORTED and {e["nip"] for e in people["items"]} == {r.split(";")[0] for r in rows}
    assert pgbouncer.stats(urlsplit(database_url).path.lstrip("/")).get("total_xact_count", 0) > 180


def _wait_job(job, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and job.get_status(refresh=True) not in ("finished", "failed", "scheduled"):
        time.sleep(0.2)


class _Authorised:
    """A test client sending one region admin's token on every request (the upload helpers take a client)."""

    def __init__(self, client, headers: dict) -> None:
        self.client, self.headers = client, headers

    def get(self, path, **kwargs):
        return self.client.get(path, headers=self.headers, **kwargs)

    def post(self, path, **kwargs):
        return self.client.post(path, headers=self.headers, **kwargs)

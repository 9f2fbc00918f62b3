"""Benchmark of the SIASN push. Prints figures; asserts only that SIASN ends with one record per result.

    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres REDIS_URL=redis://127.0.0.1:6379/0 \
        python bench/siasn.py [--results 2000] [--latency 0.05] [--concurrency 16] [--keep]

A region with `--results` passed, certified PKP results (one cohort, one person each) and its connection set to the
test stand-in SIASN (tests/siasn_standin.py, in this process, `--latency` seconds added to every call). One
`kompeten worker` (a separate process, `KOMPETEN_SIASN_CONCURRENCY` = `--concurrency` calls in flight per job)
pushes them: per result the PNS data look-up (pnsOrangId), the person's riwayat diklat (is it there already?) and
the save. Printed: seconds end to end, calls, and the floor (calls x latency / concurrency: what the latency alone
costs at that concurrency), then a second push of the same results (everything already at SIASN: nothing saved).
Creates its own database (kompeten_bench_siasn), dropped unless --keep.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import create_database, drop_database, machine, server_url, with_database  # noqa: E402

DB_NAME = "kompeten_bench_siasn"
SLUG = "kab-bench-siasn"
PREFIX = "kompeten_bench_siasn"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--results", type=int, default=2000)
    parser.add_argument("--latency", type=float, default=0.05)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()
    server = server_url()
    url = with_database(server, DB_NAME)
    create_database(with_database(server, "postgres"), DB_NAME)
    print(machine())
    try:
        with tempfile.TemporaryDirectory() as tmp:
            run(url, args, Path(tmp))
    finally:
        if not args.keep:
            drop_database(with_database(server, "postgres"), DB_NAME)


def _nip(i: int) -> str:
    born = date(1975 + i % 20, 1 + i % 12, 1 + i % 28)
    return f"{born:%Y%m%d}2005{1 + i % 12:02d}{1 + i % 2}{i % 1000:03d}"


def _seed(n: int) -> int:
    import sqlalchemy as sa

    from app.extensions import db
    from app.tenancy import tenant_context

    with tenant_context(SLUG):
        program = db.session.execute(sa.text("SELECT id FROM programs WHERE code = 'PKP'")).scalar_one()
        cohort = db.session.execute(sa.text(
            "INSERT INTO cohorts (program_id, number, year, mode, start_date, end_date) "
            "VALUES (:p, 1, 2024, 'klasikal', '2024-03-04', '2024-06-28') RETURNING id"), {"p": program}).scalar_one()
        nips = sorted({_nip(i) for i in range(n * 3)})[:n]
        db.session.execute(sa.text(
            "INSERT INTO employees (nip, name, name_key, gender, birth_date, employee_type) "
            "SELECT nip, 'Pegawai ' || nip, 'pegawai ' || nip, "
            "       CASE WHEN substr(nip, 15, 1) = '1' THEN 'L' ELSE 'P' END, "
            "       to_date(substr(nip, 1, 8), 'YYYYMMDD'), 'PNS' FROM unnest(CAST(:nips AS text[])) AS nip"),
            {"nips": nips})
        db.session.execute(sa.text(
            "INSERT INTO enrolments (employee_id, cohort_id, status, certificate_number, certificate_date, jp_earned) "
            "SELECT id, :c, 'passed', 'STTPP/' || id || '/PKP-I/2024', '2024-06-28', 300 FROM employees"),
            {"c": cohort})
        db.session.commit()
        return cohort


def _wait_done(n: int) -> None:
    import sqlalchemy as sa

    from app.extensions import db
    from app.tenancy import tenant_context

    while True:
        with tenant_context(SLUG):
            left = db.session.execute(sa.text("SELECT count(*) FROM siasn_pushes WHERE state = 'queued'")).scalar_one()
            db.session.rollback()
        if not left:
            return
        time.sleep(0.1)


def _states() -> dict:
    import sqlalchemy as sa

    from app.extensions import db
    from app.tenancy import tenant_context

    with tenant_context(SLUG):
        out = dict(db.session.execute(sa.text("SELECT state, count(*) FROM siasn_pushes GROUP BY state")).all())
        db.session.rollback()
        return out


def _push(cohort: int) -> float:
    from app.extensions import db
    from app.services.siasn import push
    from app.tenancy import tenant_context

    t0 = time.perf_counter()
    with tenant_context(SLUG):
        queued = push.queue_results(cohort_id=cohort)
        db.session.commit()
        push.start(queued["push_ids"])
    _wait_done(len(queued["push_ids"]))
    return time.perf_counter() - t0


def run(url: str, args, tmp: Path) -> None:
    from app import create_app
    from app.extensions import db
    from app.jobs import queue
    from app.services.admin import migrations
    from app.services.admin.provisioning import TenantSpec, provision
    from app.services.siasn import connection
    from app.tenancy import tenant_context
    from tests.siasn_standin import SiasnStandin

    redis_url = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
    config = {"SQLALCHEMY_DATABASE_URI": url.replace("postgresql://", "postgresql+psycopg://", 1),
              "SECRET_KEY": "bench", "REDIS_URL": redis_url, "REDIS_KEY_PREFIX": PREFIX, "LOG_LEVEL": "WARNING",
              "INSTANCE_DIR": str(tmp / "instance")}
    app = create_app(config)
    env = {**os.environ, "DATABASE_URL": url, "REDIS_URL": redis_url, "KOMPETEN_REDIS_PREFIX": PREFIX,
           "SECRET_KEY": "bench", "KOMPETEN_LOG_LEVEL": "WARNING", "KOMPETEN_INSTANCE_DIR": config["INSTANCE_DIR"],
           "KOMPETEN_SIASN_CONCURRENCY": str(args.concurrency)}
    standin = SiasnStandin(latency=args.latency).start()
    with app.app_context():
        migrations.upgrade_platform()
        provision(TenantSpec.from_mapping({"slug": SLUG, "name": "Kabupaten Bench SIASN", "kind": "kabupaten",
                                           "region_code": "99.63", "province_code": "99",
                                           "province_name": "Provinsi Bench", "agency": "BKPSDM", "partners": []}))
        cohort = _seed(args.results)
        with tenant_context(SLUG):
            connection.save(base_url=standin.url, client_id=standin.client_id, instansi_id="BENCH",
                            consumer_key=standin.consumer_key, consumer_secret=standin.consumer_secret,
                            username=standin.username, password=standin.password)
            db.session.commit()
        for name in ("imports", "default", "rollups"):
            queue(name).empty()
        worker = subprocess.Popen([sys.executable, "-m", "app.cli_entry", "worker", "--queue", "default"],  # noqa: S603
                                  env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(3)
        try:
            print(f"{args.results:,} results, {args.latency * 1000:.0f} ms added to every SIASN call, "
                  f"concurrency {args.concurrency} calls in flight (one worker, jobs of 500 results)")
            first_calls = len(standin.calls)
            seconds = _push(cohort)
            calls = len(standin.calls) - first_calls
            floor = calls * args.latency / args.concurrency
            assert standin.created == args.results and len(standin.diklat) == args.results, standin.created
            print(f"first push: {seconds:.1f}s end to end ({args.results / seconds:.0f} results/s), {calls:,} calls "
                  f"({calls / args.results:.2f} per result), states {_states()}; floor (calls x latency / "
                  f"concurrency) {floor:.1f}s; ratio {seconds / floor:.2f}x")
            second_calls = len(standin.calls)
            seconds2 = _push(cohort)
            calls2 = len(standin.calls) - second_calls
            floor2 = calls2 * args.latency / args.concurrency
            assert standin.created == args.results and standin.updated == 0
            print(f"second push (all already at SIASN, nothing saved): {seconds2:.1f}s, {calls2:,} calls; "
                  f"floor {floor2:.1f}s; ratio {seconds2 / floor2:.2f}x")
        finally:
            worker.terminate()
            try:
                worker.wait(60)
            except subprocess.TimeoutExpired:
                worker.kill()
                worker.wait()
            standin.stop()
        db.engine.dispose()


if __name__ == "__main__":
    main()

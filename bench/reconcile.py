"""Benchmark of partner-report reconciliation. Prints figures; asserts nothing.

    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres REDIS_URL=redis://127.0.0.1:6379/0 \
        python bench/reconcile.py [--report 100000] [--enrolments 200000] [--corrections 10000] [--keep]

A region with `--enrolments` enrolments (the report's cohort plus another one) and a partner report of about
`--report` rows with every class drawn at random (tests/reconciliation/synthetic.py). One worker that is already
running (`kompeten worker --queue imports`, a separate process) classifies the report, then applies
`--corrections` decisions (take the partner's values, per row). Printed: end-to-end and in-job seconds, and beside
them the floor: one hand-written SQL FULL OUTER JOIN classifying the same staged rows against the same
enrolments (for classify), one bare UPDATE ... FROM of the same rows (for apply), and the ratios.
Creates its own database (kompeten_bench_reconcile), dropped unless --keep.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import create_database, drop_database, machine, server_url, with_database  # noqa: E402

DB_NAME = "kompeten_bench_reconcile"
SLUG = "kab-bench-rekon"
PREFIX = "kompeten_bench_reconcile"

FLOOR_CLASSIFY = """
SELECT k, count(*) FROM (
  SELECT CASE WHEN s.error_code IS NOT NULL THEN 'invalid'
              WHEN l.id IS NULL THEN 'partner_only' WHEN s.id IS NULL THEN 'local_only'
              WHEN s.partner_status <> l.status THEN 'status_differs'
              WHEN coalesce(s.partner_jp, 0) <> coalesce(l.jp_earned, 0) THEN 'jp_differs'
              WHEN s.partner_status = 'passed' AND (s.partner_certificate_number IS NULL)
                   <> (l.certificate_number IS NULL) THEN 'certificate_missing'
              ELSE 'consistent' END AS k
  FROM (SELECT * FROM reconciliation_rows WHERE run_id = :run AND row_number IS NOT NULL) s
  FULL OUTER JOIN (SELECT e.nip, n.* FROM enrolments n JOIN employees e ON e.id = n.employee_id
                   WHERE n.cohort_id = :cohort) l ON l.nip = s.nip) x
GROUP BY k
"""
FLOOR_APPLY = """
UPDATE enrolments n SET status = r.partner_status, jp_earned = NULLIF(r.partner_jp, 0),
       certificate_number = r.partner_certificate_number, certificate_date = r.partner_certificate_date
FROM reconciliation_rows r JOIN unnest(CAST(:ids AS bigint[])) AS picked(id) ON picked.id = r.id
WHERE r.run_id = :run AND n.id = r.enrolment_id
"""


def _timed(statement: str, params: dict) -> float:
    """One statement in the region (through the tenant seam), run once to warm, then timed; rolled back."""
    import sqlalchemy as sa

    from app.extensions import db
    from app.tenancy import tenant_context

    seconds = 0.0
    for _ in range(2):
        with tenant_context(SLUG):
            t0 = time.perf_counter()
            db.session.execute(sa.text(statement), params).all() if statement.lstrip().startswith("SELECT") else \
                db.session.execute(sa.text(statement), params)
            seconds = time.perf_counter() - t0
            db.session.rollback()
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--report", type=int, default=100_000)
    parser.add_argument("--enrolments", type=int, default=200_000)
    parser.add_argument("--corrections", type=int, default=10_000)
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


def _wait(service, run_id: int, until: tuple[str, ...]) -> dict:
    from app.tenancy import tenant_context

    while True:
        with tenant_context(SLUG):
            view = service.run_view(service.get_run(run_id))
        if view["state"] in until:
            return view
        time.sleep(0.05)


def run(url: str, args, tmp: Path) -> None:  # noqa: PLR0915 - a script, step by step
    import sqlalchemy as sa

    from app import create_app
    from app.extensions import db
    from app.jobs import queue
    from app.services.admin import migrations
    from app.services.admin.provisioning import TenantSpec, provision
    from app.services.reconciliation import runs as service
    from app.services.reconciliation.pipeline import start_apply, start_classify
    from app.tenancy import tenant_context
    from tests.reconciliation.synthetic import expected_counts, generate, load

    redis_url = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
    config = {"SQLALCHEMY_DATABASE_URI": url.replace("postgresql://", "postgresql+psycopg://", 1),
              "SECRET_KEY": "bench", "REDIS_URL": redis_url, "REDIS_KEY_PREFIX": PREFIX, "LOG_LEVEL": "WARNING",
              "INSTANCE_DIR": str(tmp / "instance")}
    app = create_app(config)
    env = {**os.environ, "DATABASE_URL": url, "REDIS_URL": redis_url, "KOMPETEN_REDIS_PREFIX": PREFIX,
           "SECRET_KEY": "bench", "KOMPETEN_LOG_LEVEL": "WARNING", "KOMPETEN_INSTANCE_DIR": config["INSTANCE_DIR"]}
    # ~0.9 report rows per person drawn (local-only people have none; duplicates add some)
    people = round(args.report / 0.9)
    with app.app_context():
        migrations.upgrade_platform()
        provision(TenantSpec.from_mapping({"slug": SLUG, "name": "Kabupaten Bench Rekonsiliasi", "kind": "kabupaten",
                                           "region_code": "99.62", "province_code": "99",
                                           "province_name": "Provinsi Bench", "agency": "BKPSDM", "partners": []}))
        t0 = time.perf_counter()
        probe = generate(people, seed=1)
        others = max(args.enrolments - len(probe.enrolments), 0)
        data = generate(people, seed=1, others=others)
        ids = load(SLUG, data)
        with tenant_context(SLUG):
            db.session.execute(sa.text("ANALYZE"))
            db.session.commit()
            enrolments = db.session.execute(sa.text("SELECT count(*) FROM enrolments")).scalar_one()
        report = data.csv()
        print(f"data: {enrolments:,} enrolments, report of {len(data.report):,} rows ({len(report) / 2**20:.1f} MB), "
              f"made in {time.perf_counter() - t0:.1f}s")
        for name in ("imports", "default", "rollups"):
            queue(name).empty()
        worker = subprocess.Popen([sys.executable, "-m", "app.cli_entry", "worker", "--queue", "imports"],  # noqa: S603
                                  env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(3)
        try:
            path = tmp / "report.csv"
            path.write_bytes(report)
            t0 = time.perf_counter()
            with tenant_context(SLUG):
                with path.open("rb") as fh:
                    row = service.create_run(fh, path.name, partner="LAN-RI", cohort_id=ids["A"], created_by="bench")
                db.session.commit()
                start_classify(row.id)
                db.session.commit()
                run_id = row.id
            view = _wait(service, run_id, ("classified", "failed"))
            end_to_end = time.perf_counter() - t0
            assert view["state"] == "classified", view
            assert {k: v for k, v in view["counts"].items() if v} == expected_counts(data)
            in_job = (view["classified_at"] - view["started_at"]).total_seconds()
            floor = _timed(FLOOR_CLASSIFY, {"run": run_id, "cohort": ids["A"]})
            steps = view["details"]["seconds"]
            sql_seconds = steps["classify"] + steps["local_only"]
            print(f"classify {len(data.report):,} rows vs {enrolments:,} enrolments: end to end {end_to_end:.2f}s, "
                  f"in the job {in_job:.2f}s; floor (one FULL OUTER JOIN over the staged rows) {floor:.3f}s; "
                  f"ratio job/floor {in_job / floor:.0f}x, classifying SQL/floor {sql_seconds / floor:.1f}x; "
                  f"steps: {steps}")

            with tenant_context(SLUG):
                picked = db.session.execute(sa.text(
                    "SELECT id FROM reconciliation_rows WHERE run_id = :r AND klass IN "
                    "('status_differs', 'jp_differs', 'certificate_missing', 'partner_only') "
                    "ORDER BY id LIMIT :n"), {"r": run_id, "n": args.corrections}).scalars().all()
                db.session.rollback()
            t0 = time.perf_counter()
            with tenant_context(SLUG):
                service.request_apply(run_id, rows=dict.fromkeys(picked, "partner"), actor=(None, "bench"))
                db.session.commit()
                start_apply(run_id)
                db.session.commit()
            view = _wait(service, run_id, ("classified", "failed"))
            apply_seconds = time.perf_counter() - t0
            assert view["error"] is None, view
            floor_apply = _timed(FLOOR_APPLY, {"run": run_id, "ids": list(picked)})
            summary = view["details"]["last_apply"]
            print(f"apply {len(picked):,} corrections: end to end {apply_seconds:.2f}s ({summary}); "
                  f"floor (one bare UPDATE ... FROM) {floor_apply:.3f}s; ratio {apply_seconds / floor_apply:.0f}x")
        finally:
            worker.terminate()
            worker.wait(30)
        db.engine.dispose()


if __name__ == "__main__":
    main()

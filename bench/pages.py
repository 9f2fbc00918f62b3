"""Web page benchmark: the region's HTML pages on the same data as bench/api.py (one region, 100k employees,
500k enrolments / JP ledger lines by default).

    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres python bench/pages.py [--employees N] [--keep]

Creates its own database (`kompeten_bench_pages`, dropped at the end unless --keep), bulk-loads it with
bench/api.py's loader, then measures p50/p95 in-process with the Flask test client, each request as an admin
(Bearer token: authentication and the page's permission check included) and rendered in full (Jinja, SVG chart).
Targets: list and person pages p50 < 50 ms, dashboard and reports (whole-region aggregates) p50 < 1.5 s.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench import api as api_bench  # noqa: E402
from bench.common import create_database, drop_database, machine, with_database  # noqa: E402

DB_NAME = "kompeten_bench_pages"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--employees", type=int, default=100_000)
    parser.add_argument("--enrolments", type=int, default=500_000)
    parser.add_argument("--elearning", type=int, default=100_000)
    parser.add_argument("-n", "--samples", type=int, default=50)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--keep", action="store_true", help=f"keep the database {DB_NAME}")
    args = parser.parse_args()

    server = os.environ.get("DATABASE_URL")
    if not server:
        api_bench.log("DATABASE_URL is not set (e.g. postgresql://postgres@127.0.0.1:5432/postgres)")
        return 2
    admin_url = with_database(server, "postgres")
    db_url = with_database(server, DB_NAME)
    create_database(admin_url, DB_NAME)

    from app import create_app
    from app.extensions import db
    from app.services.admin import migrations
    from app.services.admin.provisioning import TenantSpec

    app = create_app({"SQLALCHEMY_DATABASE_URI": db_url.replace("postgresql://", "postgresql+psycopg://", 1),
                      "SECRET_KEY": api_bench.SECRET, "LOG_LEVEL": "WARNING",
                      "REDIS_URL": os.environ.get("REDIS_URL")})
    spec = TenantSpec.from_mapping({
        "slug": api_bench.SLUG, "name": "Kota Bench", "kind": "kota", "region_code": "99.71",
        "province_code": "99", "province_name": "Provinsi Bench", "agency": "BKPSDM Kota Bench", "partners": []})
    try:
        with app.app_context():
            api_bench.log(machine())
            migrations.upgrade_platform()
            data = api_bench.load(spec, db_url, args.employees, args.enrolments, args.elearning, args.seed)
            rng = data["rng"]
            client = app.test_client()
            client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {api_bench.bench_token()}"
            base = f"/t/{api_bench.SLUG}"
            year = api_bench.BENCH_YEAR
            n, few = args.samples, max(5, args.samples // 5)
            api_bench.log(f"\npages, in-process, one request at a time ({args.employees:,} employees):")
            checks = [
                ("dashboard /", lambda: f"{base}/", few),
                ("employees /pegawai, page 1", lambda: f"{base}/pegawai", n),
                ("employees /pegawai?opd_id=", lambda: f"{base}/pegawai?opd_id={rng.choice(data['opd_ids'])}", n),
                ("employees /pegawai?q=name", lambda: f"{base}/pegawai?q={rng.choice(data['search_terms'])}", n),
                ("person /pegawai/<nip>", lambda: f"{base}/pegawai/{rng.choice(data['nips'])}", n),
                (f"reports /laporan?year={year}", lambda: f"{base}/laporan?year={year}", few),
                ("audit log /audit", lambda: f"{base}/audit", n),
                ("users /pengguna", lambda: f"{base}/pengguna", n),
            ]
            results = {label: api_bench.timed(client, app, label, urls, samples, 2)
                       for label, urls, samples in checks}
            api_bench.log("\ntargets:")
            for label, limit in (("employees /pegawai?opd_id=", 50), ("person /pegawai/<nip>", 50),
                                 ("dashboard /", 1500), (f"reports /laporan?year={year}", 1500)):
                r = results.get(label)
                verdict = "not measured" if not r else f"{r['p50']:8.1f} ms  target < {limit} ms  " + (
                    "OK" if r["p50"] < limit else "MISSED")
                api_bench.log(f"  {label:<44} {verdict}")
            db.session.remove()
            db.engine.dispose()
    finally:
        if not args.keep:
            drop_database(admin_url, DB_NAME)
    return 0


if __name__ == "__main__":
    sys.exit(main())

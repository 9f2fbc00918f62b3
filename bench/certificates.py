"""Benchmark of STTPP certificates. Prints figures; asserts nothing.

    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres REDIS_URL=redis://127.0.0.1:6379/0 \
        python bench/certificates.py [--certificates 1000] [--lookups 500] [--keep]

1. a cohort of `--certificates` passed participants, each with an e-mail address: issue all (rows, codes, frozen
   fields, and in the same transaction each one's "STTPP Anda sudah terbit" in the outbox), then build the cohort's
   ZIP (one PDF each, DejaVu embedded, QR code) — the total against 60 s;
2. the public verification page (GET /t/<slug>/verifikasi/<code>, anonymous, through the app) for random codes:
   p50/p95 against p50 < 20 ms.
Creates its own database (kompeten_bench_certificates); drops it unless --keep.
"""

from __future__ import annotations

import argparse
import io
import os
import random
import sys
import tempfile
import time
import zipfile
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import create_database, drop_database, machine, percentile, with_database  # noqa: E402

DB_NAME = "kompeten_bench_certificates"
SLUG = "kota-bench-sttpp"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--certificates", type=int, default=1000)
    parser.add_argument("--lookups", type=int, default=500)
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()
    server = os.environ.get("DATABASE_URL")
    if not server:
        print("DATABASE_URL is not set", file=sys.stderr)
        return 2
    admin_url, db_url = with_database(server, "postgres"), with_database(server, DB_NAME)
    create_database(admin_url, DB_NAME)

    from app import create_app
    from app.domain.nip import make_nip
    from app.extensions import db
    from app.models.catalogue import Program
    from app.models.cohorts import Cohort, Enrolment
    from app.models.employees import Employee
    from app.models.notifications import EmployeeAddress, OutboxMessage
    from app.services.admin import migrations
    from app.services.admin.provisioning import TenantSpec, provision
    from app.services.certificates import documents, issuing, templates
    from app.services.notifications import compose
    from app.services.text import name_key
    from app.tenancy import tenant_context

    instance = tempfile.mkdtemp(prefix="kompeten-bench-sttpp-")
    app = create_app({"SQLALCHEMY_DATABASE_URI": db_url.replace("postgresql://", "postgresql+psycopg://", 1),
                      "SECRET_KEY": "bench", "LOG_LEVEL": "WARNING", "INSTANCE_DIR": instance,
                      "REDIS_URL": os.environ.get("REDIS_URL"), "REDIS_KEY_PREFIX": f"bench_sttpp:{os.getpid()}"})
    spec = TenantSpec.from_mapping({
        "slug": SLUG, "name": "Kota Bench", "kind": "kota", "region_code": "99.72", "province_code": "99",
        "province_name": "Provinsi Bench", "agency": "BKPSDM Kota Bench", "partners": []})
    try:
        with app.app_context():
            print(machine())
            migrations.upgrade_platform()
            provision(spec)
            with tenant_context(SLUG):
                program = db.session.query(Program).filter_by(code="PKA").one()
                cohort = Cohort(program_id=program.id, number=2, year=2024, mode="blended",
                                start_date=date(2024, 3, 9), end_date=date(2024, 7, 11))
                db.session.add(cohort)
                db.session.flush()
                people = []
                for i in range(args.certificates):
                    born = date(1970, 1, 1).toordinal() + i * 7
                    nip = make_nip(date.fromordinal(born), 1995 + i % 20, 1 + i % 12, "L" if i % 2 else "P", i % 1000)
                    name = f"Peserta Bench {i:04d}"
                    people.append(Employee(nip=nip, name=name, name_key=name_key(name), gender="L" if i % 2 else "P",
                                           birth_date=date.fromordinal(born), employee_type="PNS"))
                db.session.add_all(people)
                db.session.flush()
                db.session.add_all([Enrolment(cohort_id=cohort.id, employee_id=p.id, status="passed",
                                              certificate_number=f"893/{i + 1:04d}/PKA-II/2024",
                                              certificate_date=date(2024, 7, 11), jp_earned=333)
                                    for i, p in enumerate(people)])
                db.session.add_all([EmployeeAddress(employee_id=p.id, email=f"peserta{i:04d}@contoh.go.id")
                                    for i, p in enumerate(people)])
                templates.update_template(signatory_name="Dra. Siti Rahmawati, M.Si.",
                                          signatory_nip="196805121993032004", place="Bench")
                db.session.commit()
                cohort_id = cohort.id

            with app.test_request_context(base_url="https://kompeten.example.id"), tenant_context(SLUG):
                t0 = time.perf_counter()
                counts = issuing.issue_cohort(cohort_id)
                db.session.commit()
                t1 = time.perf_counter()
                buf = io.BytesIO()
                n = documents.cohort_zip(cohort_id, buf)
                t2 = time.perf_counter()
                codes = [c["code"] for c in documents.cohort_certificates(cohort_id)]
                messages = db.session.query(OutboxMessage).filter_by(kind="certificate").count()
                # the messages' share of the issue: the same reaction again on emptied keys, rolled back
                ids = [c["id"] for c in documents.cohort_certificates(cohort_id)]
                db.session.query(OutboxMessage).filter_by(kind="certificate").delete()
                t3 = time.perf_counter()
                again = compose.certificates_for(ids)
                t4 = time.perf_counter()
                db.session.rollback()
            size = len(buf.getvalue())
            assert n == args.certificates == counts["issued"] and len(zipfile.ZipFile(buf).namelist()) == n
            print(f"issue {n} certificates with {messages} 'STTPP Anda sudah terbit' messages: {t1 - t0:.2f} s "
                  f"(of which writing the {again} messages: {t4 - t3:.2f} s, one query + one INSERT per 1,000)")
            print(f"ZIP of {n} PDFs: {t2 - t1:.2f} s "
                  f"({(t2 - t1) / n * 1000:.1f} ms per PDF, {size / 2**20:.1f} MiB); "
                  f"total {t2 - t0:.2f} s (target < 60 s: {'met' if t2 - t0 < 60 else 'NOT met'})")

            client = app.test_client()
            rng = random.Random(7)
            for code in codes[:20]:  # warm up
                client.get(f"/t/{SLUG}/verifikasi/{code}")
            times = []
            for _ in range(args.lookups):
                code = rng.choice(codes)
                s = time.perf_counter()
                resp = client.get(f"/t/{SLUG}/verifikasi/{code}")
                times.append((time.perf_counter() - s) * 1000)
                assert resp.status_code == 200
            p50, p95 = percentile(times, 50), percentile(times, 95)
            print(f"verification page, {args.lookups} look-ups: p50 {p50:.2f} ms, p95 {p95:.2f} ms "
                  f"(target p50 < 20 ms: {'met' if p50 < 20 else 'NOT met'})")
            db.session.remove()
            db.engine.dispose()
    finally:
        if not args.keep:
            drop_database(admin_url, DB_NAME)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

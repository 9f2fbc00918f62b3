"""Cohort bulk work at scale (issue 18): a bulk enrolment of 2,000 people and a results upload of 2,000 rows, end
to end through the API, in a region of 100k employees.

    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres python bench/cohorts.py [--keep]

Creates its own database (`kompeten_bench_cohorts`, dropped at the end unless --keep), loads one region with the
API bench's loader (100k employees, 100k enrolments), then times with the Flask test client and an admin's Bearer
token: the bulk enrolment preview and its confirmation, the results sheet download, the upload preview and its
confirmation (2,000 LULUS rows with the graded phase passed, STTPP numbers from a pattern). Target: each action
(preview + confirm) < 3 s. Then the same for `--job-people` (1,861: Kab. Serang's PPPK) above the job threshold:
the confirmation answers 202 and an RQ worker (in this process, burst) writes it; the figures are the 202's time
and the worker's until the run is done (needs REDIS_URL).
"""

from __future__ import annotations

import argparse
import io
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.api import SECRET, SLUG, bench_token, load, log  # noqa: E402
from bench.common import create_database, drop_database, machine, with_database  # noqa: E402

DB_NAME = "kompeten_bench_cohorts"
TARGET = 3.0


def _timed(label: str, fn):
    started = time.perf_counter()
    out = fn()
    seconds = time.perf_counter() - started
    log(f"  {label:<44} {seconds * 1000:8.0f} ms")
    return out, seconds


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--employees", type=int, default=100_000)
    parser.add_argument("--enrolments", type=int, default=100_000)
    parser.add_argument("--people", type=int, default=2_000)
    parser.add_argument("--job-people", type=int, default=1_861)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()
    server = os.environ.get("DATABASE_URL")
    if not server:
        log("DATABASE_URL is not set")
        return 2
    admin_url, db_url = with_database(server, "postgres"), with_database(server, DB_NAME)
    create_database(admin_url, DB_NAME)

    import openpyxl
    import sqlalchemy as sa

    from app import create_app
    from app.extensions import db
    from app.services.admin import migrations
    from app.services.admin.provisioning import TenantSpec
    from app.tenancy import tenant_context

    app = create_app({"SQLALCHEMY_DATABASE_URI": db_url.replace("postgresql://", "postgresql+psycopg://", 1),
                      "SECRET_KEY": SECRET, "LOG_LEVEL": "WARNING", "REDIS_URL": os.environ.get("REDIS_URL"),
                      "COHORT_BULK_JOB_ROWS": 10**6})  # the in-request figures first; the job's below
    spec = TenantSpec.from_mapping({
        "slug": SLUG, "name": "Kota Bench", "kind": "kota", "region_code": "99.71", "province_code": "99",
        "province_name": "Provinsi Bench", "agency": "BKPSDM Kota Bench", "partners": []})
    totals: dict[str, float] = {}
    try:
        with app.app_context():
            with db.engine.connect() as conn:
                pg_version = conn.exec_driver_sql("SHOW server_version").scalar_one()
            log(f"{machine()}, PostgreSQL {pg_version}")
            migrations.upgrade_platform()
            load(spec, db_url, args.employees, args.enrolments, 0, args.seed)
            with tenant_context(SLUG):
                program = db.session.execute(sa.text("SELECT id FROM programs WHERE code = 'PKA'")).scalar_one()
                nips = db.session.execute(sa.text(
                    "SELECT nip FROM employees WHERE active ORDER BY random() LIMIT :n"), {"n": args.people}
                ).scalars().all()
            token = bench_token()
            client = app.test_client()
            client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {token}"
            base = f"/t/{SLUG}/api/v1"
            cohort = client.post(f"{base}/cohorts", json={
                "program_id": program, "number": 77, "year": 2024, "quota": None, "phases": [
                    {"name": "Klasikal", "start_date": "2024-04-22", "end_date": "2024-05-08"},
                    {"name": "Aksi perubahan", "start_date": "2024-05-09", "end_date": "2024-07-07",
                     "graded": True}]}).get_json()
            cid = cohort["id"]
            log(f"\n{args.employees:,} employees; bulk enrolment of {len(nips):,} NIPs into cohort {cid}:")
            body = {"nips": nips}
            preview, t1 = _timed("bulk enrolment preview", lambda: client.post(
                f"{base}/cohorts/{cid}/enrolments/bulk", json=body).get_json())
            assert preview["will_enrol"] == len(nips), preview.get("refused_by_reason")
            done, t2 = _timed("bulk enrolment confirm", lambda: client.post(
                f"{base}/cohorts/{cid}/enrolments/bulk",
                json={**body, "confirm": True, "token": preview["token"]}).get_json())
            assert done["enrolled"] == len(nips), done
            totals["bulk enrolment (preview + confirm)"] = t1 + t2

            log(f"\nresults sheet of {len(nips):,} rows:")

            def download():
                resp = client.get(f"{base}/cohorts/{cid}/results-sheet")
                data = resp.data
                resp.close()
                return data

            data, t3 = _timed("results sheet download (XLSX)", download)
            book = openpyxl.load_workbook(io.BytesIO(data))
            ws = book.active
            header = [c.value for c in ws[1]]
            for row in ws.iter_rows(min_row=2):
                row[header.index("HASIL AKSI PERUBAHAN")].value = "LULUS"
                row[header.index("NILAI AKSI PERUBAHAN")].value = 80
                row[header.index("HASIL")].value = "LULUS"
            out = io.BytesIO()
            book.save(out)
            sheet = out.getvalue()
            form = {"sttpp_pattern": "STTPP/{seq:04}/PKA-LXXVII/BENCH/2024", "certificate_date": "2024-07-11"}

            def post(extra):
                return client.post(f"{base}/cohorts/{cid}/results-sheet", content_type="multipart/form-data",
                                   data={"file": (io.BytesIO(sheet), "hasil.xlsx"), **form, **extra}).get_json()

            report, t4 = _timed("results upload preview", lambda: post({}))
            assert report["invalid"] == 0 and report["actions"] == {"passed": len(nips)}, report["actions"]
            written, t5 = _timed("results upload confirm (outcomes, STTPP, ledger)",
                                 lambda: post({"confirm": "true", "token": report["token"]}))
            assert written["written"] == len(nips)
            totals["results upload (preview + confirm)"] = t4 + t5
            with tenant_context(SLUG):
                lines = db.session.execute(sa.text(
                    "SELECT count(*) FROM jp_entries j JOIN enrolments n ON n.id = j.enrolment_id "
                    "WHERE n.cohort_id = :c"), {"c": cid}).scalar_one()
            assert lines == len(nips)
            if args.job_people and os.environ.get("REDIS_URL"):
                _job_figures(app, client, base, program, args.job_people, totals)
            log("\nsummary (target < 3 s each):")
            for label, seconds in totals.items():
                verdict = "ok" if seconds < TARGET else "OVER"
                log(f"  {label:<44} {seconds:6.2f} s  ({seconds / TARGET:.2f} of the target)  {verdict}")
    finally:
        if not args.keep:
            with app.app_context():
                db.engine.dispose()
            drop_database(admin_url, DB_NAME)
    return 0 if all(s < TARGET for s in totals.values()) else 1


def _job_figures(app, client, base, program, people, totals) -> None:
    """A cohort of `people` enrolled and given results through the RQ job (threshold back to its default)."""
    import sqlalchemy as sa

    from app.extensions import db
    from app.jobs import QUEUES, SimpleWorker, queue, redis_connection
    from app.tenancy import tenant_context

    app.config["COHORT_BULK_JOB_ROWS"] = 500
    with tenant_context(SLUG):
        nips = db.session.execute(sa.text(
            "SELECT nip FROM employees WHERE active ORDER BY random() LIMIT :n"), {"n": people}).scalars().all()
    cid = client.post(f"{base}/cohorts", json={
        "program_id": program, "number": 78, "year": 2024, "quota": None, "phases": [
            {"name": "Klasikal", "start_date": "2024-04-22", "end_date": "2024-07-07"}]}).get_json()["id"]
    log(f"\nthrough the RQ job: {len(nips):,} NIPs into cohort {cid}:")

    def work() -> None:
        SimpleWorker([queue(n) for n in QUEUES], connection=redis_connection()).work(burst=True,
                                                                                      logging_level="WARNING")

    def through_job(label, send):
        answer, t_request = _timed(f"{label}: confirm answers 202", send)
        assert answer.status_code == 202, answer.get_json()
        _, t_worker = _timed(f"{label}: worker until done", work)
        run = client.get(answer.headers["Location"]).get_json()
        assert run["state"] == "done", run
        totals[f"{label} via job (202 + worker)"] = t_request + t_worker
        return run

    preview = client.post(f"{base}/cohorts/{cid}/enrolments/bulk", json={"nips": nips}).get_json()
    run = through_job("bulk enrolment", lambda: client.post(f"{base}/cohorts/{cid}/enrolments/bulk", json={
        "nips": nips, "confirm": True, "token": preview["token"]}))
    assert run["result"]["enrolled"] == len(nips)
    csv = "NIP,HASIL,NO_STTPP,TGL_STTPP\n" + "".join(f"{n},LULUS,,\n" for n in nips)
    form = {"sttpp_pattern": "STTPP/{seq:04}/PKA-LXXVIII/BENCH/2024", "certificate_date": "2024-07-11"}

    def post(extra):
        return client.post(f"{base}/cohorts/{cid}/results-sheet", content_type="multipart/form-data",
                           data={"file": (io.BytesIO(csv.encode()), "hasil.csv"), **form, **extra})

    report = post({}).get_json()
    assert report["actions"] == {"passed": len(nips)}, report["actions"]
    run = through_job("results upload", lambda: post({"confirm": "true", "token": report["token"]}))
    assert run["result"]["written"] == len(nips)


if __name__ == "__main__":
    sys.exit(main())

"""Benchmark of planning (issue 23). Prints figures; asserts nothing.

    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres REDIS_URL=redis://127.0.0.1:6379/0 \
        python bench/planning.py [--opds 60] [--people 20000] [--upload 2000] [--keep]

A region with `--opds` OPDs and `--people` employees, a needs round with one verified need each (spread over the
catalogue's programs) and a position need per OPD; then times: building the plan from the needs, the plan's
figures (per program, OPD and cohort) with 20 costed cohorts of up to 100 participants, the XLSX of the plan, bulk
enrolment's `verified_need` preview for one program, and checking + writing an upload of `--upload` rows.
Target (ours): each < 2 s. Creates its own database (kompeten_bench_planning); drops it unless --keep.
"""

from __future__ import annotations

import argparse
import io
import os
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import create_database, drop_database, machine, with_database  # noqa: E402

DB_NAME = "kompeten_bench_planning"
SLUG = "kota-bench-plan"
TARGET = 2.0


def _timed(label: str, fn):
    started = time.perf_counter()
    out = fn()
    seconds = time.perf_counter() - started
    print(f"  {label:<58} {seconds * 1000:8.0f} ms ({'met' if seconds < TARGET else 'NOT met'})")
    return out


def main() -> int:  # noqa: PLR0915 - one linear scenario
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--opds", type=int, default=60)
    parser.add_argument("--people", type=int, default=20_000)
    parser.add_argument("--upload", type=int, default=2_000)
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()
    server = os.environ.get("DATABASE_URL")
    if not server:
        print("DATABASE_URL is not set", file=sys.stderr)
        return 2
    admin_url, db_url = with_database(server, "postgres"), with_database(server, DB_NAME)
    create_database(admin_url, DB_NAME)

    import sqlalchemy as sa
    from openpyxl import Workbook

    from app import create_app
    from app.domain.dates import today_wib
    from app.domain.nip import make_nip
    from app.extensions import db
    from app.models.catalogue import Program
    from app.models.cohorts import Cohort, Enrolment
    from app.models.employees import Employee, Opd
    from app.models.planning import CohortBudget, CohortPlanLink, Need, NeedsRound, PlanLine
    from app.services.admin import migrations
    from app.services.admin.provisioning import TenantSpec, provision
    from app.services.cohorts import bulk_enrol
    from app.services.files.writers import export
    from app.services.planning import needs_sheet, plan
    from app.services.text import name_key
    from app.tenancy import tenant_context

    instance = tempfile.mkdtemp(prefix="kompeten-bench-plan-")
    app = create_app({"SQLALCHEMY_DATABASE_URI": db_url.replace("postgresql://", "postgresql+psycopg://", 1),
                      "SECRET_KEY": "bench", "LOG_LEVEL": "WARNING", "INSTANCE_DIR": instance,
                      "REDIS_URL": os.environ.get("REDIS_URL"), "REDIS_KEY_PREFIX": f"bench_plan:{os.getpid()}"})
    spec = TenantSpec.from_mapping({
        "slug": SLUG, "name": "Kota Bench", "kind": "kota", "region_code": "99.73", "province_code": "99",
        "province_name": "Provinsi Bench", "agency": "BKPSDM Kota Bench", "partners": []})
    year = today_wib().year
    try:
        with app.app_context():
            print(machine())
            migrations.upgrade_platform()
            provision(spec)
            with tenant_context(SLUG):
                programs = db.session.execute(sa.select(Program.id, Program.jp).order_by(Program.id)).all()
                opds = [Opd(name=f"Dinas Bench {i:03d}", name_key=name_key(f"Dinas Bench {i:03d}"))
                        for i in range(args.opds)]
                db.session.add_all(opds)
                db.session.flush()
                people = []
                for i in range(args.people + args.upload):
                    born = date(1970, 1, 1) + timedelta(days=i % 9000)
                    nip = make_nip(born, 1995 + i % 20, 1 + i % 12, "L" if i % 2 else "P", 1 + i // 9000)
                    name = f"Pegawai Bench {i:05d}"
                    people.append(Employee(nip=nip, name=name, name_key=name_key(name), gender="L" if i % 2 else "P",
                                           birth_date=born, employee_type="PNS", golongan="III/d",
                                           jabatan="Pengawas Bench", jabatan_kind="pengawas",
                                           opd_id=opds[i % len(opds)].id))
                db.session.add_all(people)
                db.session.flush()
                people = [(p.id, p.nip, p.opd_id) for p in people]
                opd_ids = [o.id for o in opds]
                r = NeedsRound(year=year, deadline=today_wib() + timedelta(days=30), status="open")
                db.session.add(r)
                db.session.flush()
                db.session.execute(sa.insert(Need), [
                    {"round_id": r.id, "opd_id": p[2], "employee_id": p[0], "people": 1, "gap": "Kesenjangan",
                     "kind": "manajerial", "program_id": programs[i % len(programs)].id, "priority": 1 + i % 3,
                     "reason": "Bench", "status": "verified", "source": "form"}
                    for i, p in enumerate(people[:args.people])])
                db.session.execute(sa.insert(Need), [
                    {"round_id": r.id, "opd_id": o, "position_name": "Analis Bench", "people": 5, "gap": "Data",
                     "kind": "teknis", "program_id": programs[0].id, "priority": 2, "reason": "Bench",
                     "status": "verified", "source": "form"} for o in opd_ids])
                db.session.commit()
                print(f"{args.opds} OPDs, {args.people + args.upload:,} employees, {args.people + args.opds:,} "
                      f"verified needs over {len(programs)} programs")

            with app.test_request_context(), tenant_context(SLUG):
                _timed("build the plan from the verified needs", lambda: plan.build_plan(year))
                db.session.commit()
                lines = db.session.execute(sa.select(PlanLine).where(PlanLine.year == year)).scalars().all()
                for line in lines:
                    line.pagu = 10**9
                cohorts = []
                for n in range(20):
                    line = lines[n % len(lines)]
                    c = Cohort(program_id=line.program_id, year=year, number=100 + n, mode="klasikal")
                    db.session.add(c)
                    db.session.flush()
                    db.session.add(CohortPlanLink(cohort_id=c.id, plan_line_id=line.id))
                    db.session.add(CohortBudget(cohort_id=c.id, pagu=10**7, honorarium=4 * 10**6, venue=2 * 10**6,
                                                consumption=10**6, partner_fee=5 * 10**5))
                    cohorts.append(c)
                db.session.flush()
                size = min(100, args.people // 20)
                db.session.execute(sa.insert(Enrolment), [
                    {"cohort_id": c.id, "employee_id": people[n * size + k][0], "status": "registered"}
                    for n, c in enumerate(cohorts) for k in range(size)])
                db.session.commit()
                f = _timed("the plan's figures (per program, OPD, cohort)", lambda: plan.figures(year))
                print(f"    {len(f['programs'])} programs, {len(f['opds'])} OPDs, {f['totals']['cohorts']} cohorts, "
                      f"{f['totals']['enrolled']:,} enrolled, needs {f['totals']['needs']:,}")
                _timed("the plan's XLSX (figures + write)",
                       lambda: export("xlsx", plan.SHEET_COLUMNS, plan.sheet_rows(year), title="Rencana")[0])
                empty = Cohort(program_id=programs[1].id, year=year, number=999, mode="klasikal")
                db.session.add(empty)
                db.session.commit()
                preview = _timed("bulk enrolment preview, verified_need=true",
                                 lambda: bulk_enrol.run(empty.id, filters={"verified_need": True}))
                print(f"    {preview['will_enrol']:,} to enrol, {preview['refused_count']:,} refused")
                wb = Workbook()
                wb.active.append([h for _, h in needs_sheet.COLUMNS])
                for i, p in enumerate(people[args.people:]):
                    wb.active.append([p[1], None, None, None, "Kesenjangan", "teknis", "PKP", None,
                                      ("tinggi", "sedang", "rendah")[i % 3], "Bench"])
                body = io.BytesIO()
                wb.save(body)
                body.seek(0)
                out = _timed(f"upload of {args.upload:,} rows (check every row, write)",
                             lambda: needs_sheet.upload(year, body, "bench.xlsx"))
                db.session.commit()
                print(f"    {out['created']:,} needs created")
            db.session.remove()
            db.engine.dispose()
    finally:
        if not args.keep:
            drop_database(admin_url, DB_NAME)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Benchmark of the IP ASN competency report of one region. Prints figures; asserts nothing.

    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres REDIS_URL=redis://127.0.0.1:6379/0 \
        python bench/ipasn.py [--employees 100000] [--enrolments 500000] [--runs 7] [--keep]

Provisions one region, loads the employees (every post kind, jabatan names with and without exemption keywords)
with COPY, cohorts of leadership (PKN, PKA, PKP), functional, technical and seminar programs over 2022-2024, the
enrolments (passed, with their STTPP) with COPY and their JP ledger lines set-based as the cohort service writes
them (the activity kind set by the trigger), plus e-learning lines; then measures p50 of the region's report for
2024 (`app.services.ipasn.report.region_report`: one statement — overall, per OPD, per post kind, distribution,
one item away), of the first page of the people one item away, and of the rollup figures of one year, against
the target: report p50 < 1 s. Creates its own database (kompeten_bench_ipasn), dropped at the end unless --keep.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import create_database, drop_database, machine, server_url, with_database  # noqa: E402

DB_NAME = "kompeten_bench_ipasn"
PREFIX = "kompeten_bench_ipasn"
SLUG = "bench-ipasn"
YEARS = (2022, 2023, 2024)
KINDS = ("pelaksana",) * 5 + ("fungsional",) * 3 + ("pengawas", "administrator")  # plus a few JPT
JABATAN = {"pelaksana": ("Pengadministrasi Umum", "Pengelola Keuangan"),
           "fungsional": ("Guru Ahli Pertama", "Perawat Terampil", "Analis Kebijakan Ahli Muda", "Dokter Ahli Muda",
                          "Pranata Komputer Ahli Pertama"),
           "pengawas": ("Kepala Seksi", "Lurah"), "administrator": ("Camat", "Kepala Bagian"),
           "jpt": ("Kepala Dinas",)}
# (code, name, program_type, JP, activity_kind override)
PROGRAMS = (("TEK-A", "Pelatihan Teknis Arsip", "technical", 12, None),
            ("TEK-B", "Pelatihan Teknis Pengadaan", "technical", 24, None),
            ("FUNG-A", "Pelatihan Fungsional Analis", "functional", 60, None),
            ("SEM-A", "Seminar Pelayanan Publik", "technical", 8, "seminar"))


def spec():
    from app.services.admin.provisioning import TenantSpec

    return TenantSpec.from_mapping({
        "slug": SLUG, "name": "Kabupaten Bench IP ASN", "kind": "kabupaten", "region_code": "35.99",
        "province_code": "35", "province_name": "Jawa Timur", "agency": "BKPSDM", "partners": []})


def load(conn, rng: random.Random, employees: int, enrolments: int) -> None:
    cur = conn.connection.dbapi_connection.cursor()
    opds = [f"Dinas Bench {i}" for i in range(40)]
    with cur.copy("COPY opds (name, name_key) FROM STDIN") as copy:
        for name in opds:
            copy.write_row((name, name.lower()))
    for code, name, ptype, jp, kind in PROGRAMS:
        cur.execute("INSERT INTO programs (code, name, program_type, competency_type, jp, activity_kind) "
                    "VALUES (%s, %s, %s, 'teknis', %s, %s)", (code, name, ptype, jp, kind))
    opd_ids = [r[0] for r in cur.execute("SELECT id FROM opds ORDER BY id").fetchall()]
    with cur.copy("COPY employees (nip, name, name_key, gender, birth_date, employee_type, opd_id, jabatan, "
                  "jabatan_kind, active) FROM STDIN") as copy:
        for k in range(employees):
            kind = "jpt" if k % 200 == 0 else KINDS[k % len(KINDS)]
            born = date(1970 + k % 30, 1 + k % 12, 1 + k % 28)
            gender = 1 + (k // 7) % 2
            nip = f"{197001012010010000 + k}"  # 18 digits, unique (the bench needs no real birth date in it)
            copy.write_row((nip, f"Pegawai {k}", f"pegawai {k}", "L" if gender == 1 else "P", born,
                            "PPPK" if k % 5 == 0 else "PNS", opd_ids[k % len(opd_ids)],
                            rng.choice(JABATAN[kind]), kind, True))
    people = list(cur.execute("SELECT id, jabatan_kind FROM employees ORDER BY id").fetchall())
    programs = dict(cur.execute("SELECT code, id FROM programs").fetchall())
    jps = dict(cur.execute("SELECT code, jp FROM programs").fetchall())
    # cohorts of 250: which program each enrolment goes to, by the person's post kind
    per_cohort = 250
    cohorts: dict[tuple[str, int], list[int]] = {}
    number = 0
    plan: list[tuple[int, str, int]] = []  # (employee, program code, year)
    leadership = {"jpt": "PKN-II", "administrator": "PKA", "pengawas": "PKP"}
    for _i in range(enrolments):
        emp, kind = people[rng.randrange(len(people))]
        roll = rng.random()
        if kind in leadership and roll < 0.15:
            code = leadership[kind] if rng.random() < 0.7 else "PKP"
        elif kind == "fungsional" and roll < 0.2:
            code = "FUNG-A"
        elif roll < 0.4:
            code = "SEM-A"
        else:
            code = rng.choice(("TEK-A", "TEK-B"))
        plan.append((emp, code, rng.choice(YEARS)))
    rows = []
    fill: dict[tuple[str, int], int] = {}
    for emp, code, year in plan:
        key = (code, year)
        if key not in cohorts or fill[key] >= per_cohort:
            number += 1
            cid = cur.execute("INSERT INTO cohorts (program_id, number, year, mode) VALUES (%s, %s, %s, "
                              "'klasikal') RETURNING id", (programs[code], number, year)).fetchone()[0]
            cohorts.setdefault(key, []).append(cid)
            fill[key] = 0
        fill[key] += 1
        rows.append((emp, cohorts[key][-1], year, jps[code]))
    with cur.copy("COPY enrolments (employee_id, cohort_id, status, certificate_number, certificate_date, "
                  "jp_earned) FROM STDIN") as copy:
        done: set[tuple[int, int]] = set()
        for n, (emp, cid, year, jp) in enumerate(rows):
            if (emp, cid) in done:  # one enrolment per person and cohort
                continue
            done.add((emp, cid))
            copy.write_row((emp, cid, "passed", f"STTPP/B/{n}", date(year, 6, 1), jp))
    # the ledger, as app.services.cohorts.enrolments.sync_ledger writes it (activity kind by the trigger)
    cur.execute("INSERT INTO jp_entries (employee_id, enrolment_id, source, year, jp, title, certificate_number, "
                "completed_on) SELECT e.employee_id, e.id, 'cohort', extract(year FROM e.certificate_date)::int, "
                "e.jp_earned, p.name, e.certificate_number, e.certificate_date FROM enrolments e "
                "JOIN cohorts c ON c.id = e.cohort_id JOIN programs p ON p.id = c.program_id")
    with cur.copy("COPY jp_entries (employee_id, year, jp, source, title, certificate_number, completed_on, "
                  "activity_kind) FROM STDIN") as copy:
        for emp, _kind in people[::2]:
            year = rng.choice(YEARS)
            copy.write_row((emp, year, rng.choice((2, 4, 8)), "elearning", "Kursus daring", f"E-{emp}",
                            date(year, 3, 1), "technical"))


def timed(fn, runs: int) -> list[float]:
    fn()  # warm
    out = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t0)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--employees", type=int, default=100_000)
    parser.add_argument("--enrolments", type=int, default=500_000)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--keep", action="store_true")
    parser.add_argument("--reuse", action="store_true", help="measure the database an earlier --keep run left")
    args = parser.parse_args()
    server = server_url()
    url = with_database(server, DB_NAME)
    if not args.reuse:
        create_database(with_database(server, "postgres"), DB_NAME)
    print(machine())
    try:
        run(url, args)
    finally:
        if not args.keep:
            drop_database(with_database(server, "postgres"), DB_NAME)


def run(url: str, args) -> None:
    from app import create_app
    from app.extensions import db
    from app.services.admin import migrations
    from app.services.admin.provisioning import provision
    from app.services.ipasn import report
    from app.services.rollups.refresh import take_snapshots
    from app.tenancy import tenant_context

    redis_url = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
    app = create_app({"SQLALCHEMY_DATABASE_URI": url.replace("postgresql://", "postgresql+psycopg://", 1),
                      "SECRET_KEY": "bench", "REDIS_URL": redis_url, "REDIS_KEY_PREFIX": PREFIX,
                      "LOG_LEVEL": "WARNING"})
    rng = random.Random(23)
    with app.app_context():
        t0 = time.perf_counter()
        if not args.reuse:
            migrations.upgrade_platform()
            provision(spec())
            with tenant_context(SLUG), db.engine.begin() as conn:
                load(conn, rng, args.employees, args.enrolments)
            import psycopg

            with psycopg.connect(url, autocommit=True) as raw:  # as autovacuum would after a bulk load
                raw.execute("VACUUM ANALYZE")
        with tenant_context(SLUG), db.engine.connect() as conn:
            counts = conn.exec_driver_sql("SELECT (SELECT count(*) FROM employees), (SELECT count(*) FROM enrolments),"
                                          " (SELECT count(*) FROM jp_entries)").one()
        print(f"loaded {counts[0]:,} ASN, {counts[1]:,} enrolments, {counts[2]:,} JP lines in "
              f"{time.perf_counter() - t0:.0f} s")

        with tenant_context(SLUG):
            result = report.region_report(2024)
            o = result["overall"]
            print(f"2024: {o['assessed']:,} assessed, average {o['average_score']}, complete {o['complete']:,}, "
                  f"one item away {o['one_away']:,}; shares leadership {o['leadership_share']} % functional "
                  f"{o['functional_share']} % technical {o['technical_share']} % seminar {o['seminar_share']} %")
            times = timed(lambda: report.region_report(2024), args.runs)
            p50 = statistics.median(times)
            print(f"region report (one statement: overall, {len(result['opds'])} OPDs, post kinds, distribution, "
                  f"one item away) p50 {p50 * 1000:.0f} ms  (min {min(times) * 1000:.0f}, max "
                  f"{max(times) * 1000:.0f}, {args.runs} runs)  target < 1000 ms: {'OK' if p50 < 1 else 'MISSED'}")
            times = timed(lambda: report.people(2024, one_away=True, limit=50), args.runs)
            print(f"people one item away, first page of 50 (+ total) p50 {statistics.median(times) * 1000:.0f} ms")
            take_snapshots([2024])
            db.session.commit()
            times = timed(lambda: report.rollup_figures([2024]), args.runs)
            print(f"rollup figures of one year (over the snapshot) p50 {statistics.median(times) * 1000:.0f} ms")
            db.session.rollback()
        with open("/proc/loadavg") as fh:
            print(f"loadavg: {fh.read().strip()}")


if __name__ == "__main__":
    main()

"""Benchmark of provincial and national rollups over 550 regions. Prints figures; asserts nothing.

    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres REDIS_URL=redis://127.0.0.1:6379/0 \
        python bench/rollups.py [--tenants 550] [--keep]

Provisions the regions with realistic sizes (a few hundred to 10k ASN each, most of them small), loads
employees, JP lines, PPPK orientation cohorts and enrolments with COPY, then measures: a full refresh of every
region's summaries by 2 workers (`kompeten worker --burst --queue rollups`, two processes), the refresh of one
region after a change, and p50 of the national and a province rollup endpoint, cold (the first answer after a
refresh: built and cached) and warm (cached per scope and year until the next refresh), against the targets:
national < 10 ms, province < 5 ms. Creates its own database (kompeten_bench_rollups), dropped at the end unless
--keep.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import sys
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import create_database, drop_database, machine, server_url, with_database  # noqa: E402

DB_NAME = "kompeten_bench_rollups"
PREFIX = "kompeten_bench_rollups"


def size_of(rng: random.Random) -> int:
    """Most regions are small; a few are big (a few hundred to 10k ASN)."""
    return int(min(10_000, max(300, rng.lognormvariate(7.6, 0.7))))


def spec(i: int):
    from app.services.admin.provisioning import TenantSpec

    province, regency = 11 + i // 99, i % 99 + 1
    return TenantSpec.from_mapping({
        "slug": f"bench-{i:03d}", "name": f"Kabupaten Bench {i}", "kind": "kabupaten",
        "region_code": f"{province:02d}.{regency:02d}", "province_code": f"{province:02d}",
        "province_name": f"Provinsi {province}", "agency": "BKPSDM", "partners": []})


def load_region(conn, rng: random.Random, n: int) -> None:
    """COPY one region's people and training into its (bound) schema."""
    cur = conn.connection.dbapi_connection.cursor()
    cur.execute("INSERT INTO opds (name, name_key) VALUES ('Dinas Pendidikan', 'dinas pendidikan'), "
                "('Badan Keuangan', 'badan keuangan'), ('Kecamatan Kota', 'kecamatan kota'), "
                "('Kelurahan Pusat', 'kelurahan pusat'), ('Sekretariat Daerah', 'sekretariat daerah'), "
                "('Inspektorat', 'inspektorat')")
    jabatan = ("pelaksana", "fungsional", "fungsional", "pengawas", "administrator", "pelaksana", "jpt")
    programs = dict(cur.execute("SELECT code, id FROM programs").fetchall())
    base = date(1970, 1, 1)
    with cur.copy("COPY employees (nip, name, name_key, gender, birth_date, employee_type, opd_id, jabatan_kind, "
                  "active) FROM STDIN") as copy:
        for k in range(n):
            born = base + timedelta(days=k % 7300)
            gender = 1 + (k // 7300) % 2
            nip = f"{born:%Y%m%d}2010{1 + k % 12:02d}{gender}{(k // 14600) % 1000:03d}"
            copy.write_row((nip, f"Pegawai {k}", f"pegawai {k}", "L" if gender == 1 else "P", born,
                            "PPPK" if k % 5 == 0 else "PNS", 1 + k % 6, jabatan[k % 7], True))
    ids = [r[0] for r in cur.execute("SELECT id FROM employees ORDER BY id").fetchall()]
    with cur.copy("COPY jp_entries (employee_id, year, jp, source, title, certificate_number, completed_on) "
                  "FROM STDIN") as copy:
        for emp in ids:
            for _ in range(rng.randint(0, 3)):
                year = rng.choice((2022, 2023, 2024))
                copy.write_row((emp, year, rng.choice((4, 8, 12, 20, 24)), "elearning", "Kursus daring",
                                f"C-{emp}-{rng.random():.6f}", date(year, rng.randint(1, 12), 15)))
    cohort = cur.execute("INSERT INTO cohorts (program_id, number, year, mode) VALUES (%s, 1, 2024, 'klasikal') "
                         "RETURNING id", (programs["ORIENTASI-PPPK"],)).fetchone()[0]
    cur.execute("INSERT INTO enrolments (employee_id, cohort_id, status) "
                "SELECT id, %s, 'attending' FROM employees WHERE employee_type = 'PPPK' AND id %% 2 = 0", (cohort,))


def p50_ms(client, url: str, headers: dict, n: int = 200) -> float:
    client.get(url, headers=headers)
    times = []
    for _ in range(n):
        t0 = time.perf_counter()
        assert client.get(url, headers=headers).status_code == 200
        times.append(time.perf_counter() - t0)
    return statistics.median(times) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tenants", type=int, default=550)
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()
    server = server_url()
    url = with_database(server, DB_NAME)
    create_database(with_database(server, "postgres"), DB_NAME)
    print(machine())
    try:
        run(url, args.tenants)
    finally:
        if not args.keep:
            drop_database(with_database(server, "postgres"), DB_NAME)


def run(url: str, n: int) -> None:
    from datetime import UTC, datetime

    from app import create_app
    from app.auth import TOKEN_PREFIX, digest, new_secret
    from app.extensions import db
    from app.jobs import enqueue, queue
    from app.models.accounts import PlatformApiToken, PlatformUser
    from app.services.admin import migrations
    from app.services.admin.provisioning import provision
    from app.services.rollups.read import bump_version
    from app.services.rollups.refresh import refresh_rollups
    from app.tenancy import no_tenant, tenant_context

    redis_url = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
    app = create_app({"SQLALCHEMY_DATABASE_URI": url.replace("postgresql://", "postgresql+psycopg://", 1),
                      "SECRET_KEY": "bench", "REDIS_URL": redis_url, "REDIS_KEY_PREFIX": PREFIX,
                      "LOG_LEVEL": "WARNING"})
    env = {**os.environ, "DATABASE_URL": url, "REDIS_URL": redis_url, "KOMPETEN_REDIS_PREFIX": PREFIX,
           "SECRET_KEY": "bench", "KOMPETEN_LOG_LEVEL": os.environ.get("BENCH_WORKER_LOG", "WARNING")}
    rng = random.Random(550)
    with app.app_context():
        migrations.upgrade_platform()
        queue("rollups").empty()
        t0 = time.perf_counter()
        people = 0
        for i in range(n):
            s = spec(i)
            provision(s)
            size = size_of(rng)
            people += size
            with tenant_context(s.slug), db.engine.begin() as conn:
                load_region(conn, rng, size)
        print(f"loaded {n} regions, {people:,} ASN in {time.perf_counter() - t0:.0f} s")

        for i in range(n):
            enqueue(refresh_rollups, tenant=f"bench-{i:03d}")
        t0 = time.perf_counter()
        workers = [subprocess.Popen([sys.executable, "-m", "app.cli_entry", "worker", "--burst", "--queue",  # noqa: S603
                                     "rollups"], env=env, stdout=subprocess.DEVNULL, stderr=None)
                   for _ in range(2)]
        for w in workers:
            w.wait()
        full = time.perf_counter() - t0
        with no_tenant(), db.engine.connect() as conn:  # as autovacuum would after a bulk load
            conn.exec_driver_sql("ANALYZE platform.tenants, platform.tenant_summaries, platform.tenant_refresh, "
                                 "platform.tenant_breakdowns")
            conn.commit()
        with no_tenant(), db.engine.connect() as conn:
            rows = conn.exec_driver_sql(
                "SELECT count(*), count(DISTINCT tenant_id) FROM platform.tenant_summaries").one()
        print(f"first full refresh of {n} regions with 2 workers (every year's snapshot taken): {full:.1f} s "
              f"({rows[0]:,} summary rows, {rows[1]} regions)  target < 60 s")

        scheduled = queue("rollups").scheduled_job_registry  # the first region's training widened the others'
        for job_id in scheduled.get_job_ids():                # years (debounced refreshes): the sweep covers them
            scheduled.remove(job_id, delete_job=True)
        for i in range(n):  # the nightly sweep once every year has its snapshot: only this year's is retaken
            enqueue(refresh_rollups, tenant=f"bench-{i:03d}")
        t0 = time.perf_counter()
        workers = [subprocess.Popen([sys.executable, "-m", "app.cli_entry", "worker", "--burst", "--queue",  # noqa: S603
                                     "rollups"], env=env, stdout=subprocess.DEVNULL, stderr=None)
                   for _ in range(2)]
        for w in workers:
            w.wait()
        print(f"nightly full refresh of {n} regions (past years' snapshots kept), 2 workers: "
              f"{time.perf_counter() - t0:.1f} s  target < 60 s")

        from app.services.rollups.refresh import refresh_tenant_summaries

        biggest = "bench-000"
        times = []
        for _ in range(5):
            with tenant_context(biggest):
                t0 = time.perf_counter()
                refresh_tenant_summaries()
                db.session.commit()
                times.append(time.perf_counter() - t0)
        print(f"refresh of one region after a change: p50 {statistics.median(times) * 1000:.0f} ms  target < 1 s")

        with no_tenant():
            user = PlatformUser(username="nasional-bench", full_name="Bench", role="national")
            db.session.add(user)
            db.session.flush()
            secret = TOKEN_PREFIX + new_secret()
            db.session.add(PlatformApiToken(user_id=user.id, name="bench", token_hash=digest(secret),
                                            prefix=secret[:12], role="national",
                                            expires_at=datetime.now(UTC) + timedelta(hours=1)))
            db.session.commit()
        headers = {"Authorization": f"Bearer {secret}"}
        client = app.test_client()
        national_url, province_url = "/national/api/v1/rollups?year=2024", "/p/15/api/v1/rollups?year=2024"
        for label, url in (("national", national_url), ("province", province_url)):
            bump_version()  # as a refresh does: the next answer is built again
            t0 = time.perf_counter()
            assert client.get(url, headers=headers).status_code == 200
            print(f"{label} rollup endpoint, first answer after a refresh (built and cached): "
                  f"{(time.perf_counter() - t0) * 1000:.1f} ms")
        national = p50_ms(client, national_url, headers)
        province = p50_ms(client, province_url, headers)
        body = client.get(national_url, headers=headers).get_data()
        print(f"national rollup endpoint ({n} regions, {len(body) / 1024:.0f} KB): p50 {national:.2f} ms  "
              f"target < 10 ms  ({national / 10:.2f} of it)")
        print(f"province rollup endpoint (99 regions): p50 {province:.2f} ms  target < 5 ms  "
              f"({province / 5:.2f} of it)")
        drill = p50_ms(client, "/p/11/api/v1/rollups/regions/bench-000?year=2024", headers)
        print(f"region drill-down endpoint (by OPD kind and jabatan kind): p50 {drill:.2f} ms")
        with no_tenant(), db.engine.connect() as conn:
            snapshots = conn.exec_driver_sql("SELECT count(*) FROM platform.tenant_breakdowns").scalar()
        print(f"breakdown rows on the platform: {snapshots:,}")
        db.engine.dispose()


if __name__ == "__main__":
    main()

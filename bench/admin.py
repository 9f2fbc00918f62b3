"""Benchmark of the vendors' admin API. Prints figures; asserts nothing.

    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres REDIS_URL=redis://127.0.0.1:6379/0 \
        python bench/admin.py [--regions 100] [--employees 100000] [--keep]

1. POST /admin/api/v1/tenants → a usable region (201, then its API answers: routed and active), p50/p95;
2. `--regions` regions provisioned through the API back to back (total and per region);
3. export (POST .../export, a real RQ worker writing the bundle) and restore (POST /tenants with restore_from,
   counts and checksums verified) of a region with `--employees` employees.
Creates its own database (kompeten_bench_admin) and Redis key prefix; drops the database unless --keep.
"""

from __future__ import annotations

import argparse
import io
import os
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import create_database, drop_database, machine, percentile, server_url, with_database  # noqa: E402

DB_NAME = "kompeten_bench_admin"
API = "/admin/api/v1"


def make_app(url: str, instance: str):
    from app import create_app

    return create_app({"SQLALCHEMY_DATABASE_URI": url.replace("postgresql://", "postgresql+psycopg://", 1),
                       "SECRET_KEY": "bench", "REDIS_URL": os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"),
                       "REDIS_KEY_PREFIX": f"kompeten_bench_admin:{os.getpid()}", "INSTANCE_DIR": instance,
                       "LOG_LEVEL": "WARNING"})


def body(i: int) -> dict:
    province, regency = 11 + i // 99, i % 99 + 1
    return {"slug": f"bench-{i:03d}", "name": f"Kabupaten Bench {i}", "kind": "kabupaten",
            "region_code": f"{province:02d}.{regency:02d}", "province_code": f"{province:02d}",
            "province_name": f"Provinsi {province}", "agency": "BKPSDM Bench",
            "partners": [{"code": "BPSDM-X", "name": "BPSDM X", "kind": "bpsdm"}],
            "first_admin": {"username": "admin-bench", "email": "admin@bench.go.id"}}


def vendor_headers() -> dict:
    from app.authz import ADMIN_SCOPES
    from app.extensions import db
    from app.models.accounts import PlatformUser
    from app.services.admin import vendor_tokens as tokens
    from app.tenancy import no_tenant

    with no_tenant():
        db.session.add(PlatformUser(username="bench-vendor", full_name="Bench", role="vendor"))
        db.session.flush()
        made = tokens.create("bench-vendor", list(ADMIN_SCOPES), 1)
        db.session.commit()
    return {"Authorization": f"Bearer {made['token']}"}


def provision_many(client, headers, start: int, count: int) -> list[float]:
    """POST → 201 → the region's API answers (401 to an anonymous whoami = routed, active); seconds each."""
    times = []
    for i in range(start, start + count):
        t0 = time.perf_counter()
        resp = client.post(f"{API}/tenants", json=body(i), headers=headers)
        assert resp.status_code == 201, resp.get_json()
        assert client.get(f"/t/bench-{i:03d}/api/v1/auth/whoami").status_code == 401
        times.append(time.perf_counter() - t0)
    return times


def load_employees(slug: str, n: int) -> None:
    from app.domain.nip import make_nip
    from app.extensions import db
    from app.services.text import name_key
    from app.tenancy import tenant_context

    buf = io.StringIO()
    for i in range(n):
        born = date(1965 + i % 35, 1 + i % 12, 1 + i % 28)
        name = f"Pegawai Bench {i:06d}"
        # every part of the NIP but the sequence repeats every 5,040 rows: the sequence makes each one unique
        nip = make_nip(born, born.year + 20 + i % 5, 1 + (i // 12) % 12, "L" if i % 2 else "P", i // 5040 % 1000)
        buf.write(f"{nip},{name},{name_key(name)},{'L' if i % 2 else 'P'},{born},PNS,III/a,{1 + i % 20}\n")
    buf.seek(0)
    with tenant_context(slug), db.engine.begin() as conn:
        cur = conn.connection.dbapi_connection.cursor()
        cur.execute("INSERT INTO opds (name, name_key) SELECT 'Dinas ' || g, 'dinas ' || g "
                    "FROM generate_series(1, 20) g")
        with cur.copy("COPY employees (nip, name, name_key, gender, birth_date, employee_type, golongan, opd_id) "
                      "FROM STDIN (FORMAT csv)") as copy:
            while block := buf.read(1 << 20):
                copy.write(block)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--regions", type=int, default=100)
    parser.add_argument("--latency-samples", type=int, default=30)
    parser.add_argument("--employees", type=int, default=100_000)
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()
    server = server_url()
    url = with_database(server, DB_NAME)
    create_database(with_database(server, "postgres"), DB_NAME)
    try:
        with tempfile.TemporaryDirectory() as instance:
            run(url, instance, args)
    finally:
        if not args.keep:
            drop_database(with_database(server, "postgres"), DB_NAME)


def run(url: str, instance: str, args) -> None:
    import logging

    from app.jobs import QUEUES, SimpleWorker, queue, redis_connection
    from app.services.admin import migrations
    from app.services.admin.bundles import tenant_fingerprints

    print(machine())
    app = make_app(url, instance)
    logging.getLogger("rq").setLevel(logging.WARNING)
    with app.app_context():
        migrations.upgrade_platform()
        headers = vendor_headers()
        client = app.test_client()

        provision_many(client, headers, 900, 3)  # warm-up (imports, connections, catalog)
        latency = provision_many(client, headers, 0, args.latency_samples)
        print(f"POST → usable region ({args.latency_samples} regions): p50 {statistics.median(latency) * 1000:.0f} ms, "
              f"p95 {percentile(latency, 95) * 1000:.0f} ms, max {max(latency) * 1000:.0f} ms")

        t0 = time.perf_counter()
        batch = provision_many(client, headers, 100, args.regions)
        total = time.perf_counter() - t0
        print(f"{args.regions} regions back to back: {total:.1f} s ({args.regions / total:.1f} regions/s; "
              f"p50 {statistics.median(batch) * 1000:.0f} ms, p95 {percentile(batch, 95) * 1000:.0f} ms)")

        slug = "bench-000"
        t0 = time.perf_counter()
        load_employees(slug, args.employees)
        print(f"loaded {args.employees} employees into {slug} by COPY in {time.perf_counter() - t0:.1f} s")
        before = tenant_fingerprints(slug)

        t0 = time.perf_counter()
        queued = client.post(f"{API}/tenants/{slug}/export", headers=headers).get_json()
        worker = SimpleWorker([queue(n) for n in QUEUES], connection=redis_connection())
        worker.work(burst=True, logging_level="WARNING")
        export = client.get(f"{API}/exports/{queued['id']}", headers=headers).get_json()
        export_s = time.perf_counter() - t0
        assert export["status"] == "done", export
        print(f"export of {slug} ({args.employees} employees): {export_s:.1f} s, "
              f"bundle {export['size_bytes'] / 2**20:.1f} MiB")

        t0 = time.perf_counter()
        resp = client.post(f"{API}/tenants", headers=headers,
                           json={"restore_from": queued["id"], "slug": "bench-pulih", "region_code": "99.99",
                                 "province_code": "99", "province_name": "Provinsi Pulih"})
        restore_s = time.perf_counter() - t0
        assert resp.status_code == 201, resp.get_json()
        same = tenant_fingerprints("bench-pulih") == before
        print(f"restore into bench-pulih (checksums verified): {restore_s:.1f} s; same rows: {same}")
        for name in QUEUES:
            queue(name).empty()


if __name__ == "__main__":
    main()

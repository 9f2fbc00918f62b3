"""Benchmark of the tenant seam, provisioning and migrations over 550 regions. Prints figures; asserts nothing.

    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres REDIS_URL=redis://127.0.0.1:6379/0 \
        python bench/tenancy.py [--tenants 550] [--keep]

Creates its own database (kompeten_bench_tenancy), drops it at the end unless --keep.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

import psycopg
import sqlalchemy as sa
from psycopg import sql

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import create_database, drop_database, machine, percentile, server_url, with_database  # noqa: E402

DB_NAME = "kompeten_bench_tenancy"


def make_app(url: str, **extra):
    from app import create_app

    return create_app({"SQLALCHEMY_DATABASE_URI": url.replace("postgresql://", "postgresql+psycopg://", 1),
                       "SECRET_KEY": "bench", "REDIS_URL": os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"),
                       "LOG_LEVEL": "WARNING", **extra})


def spec(i: int):
    from app.services.admin.provisioning import TenantSpec

    province, regency = 11 + i // 99, i % 99 + 1
    return TenantSpec.from_mapping({
        "slug": f"bench-{i:03d}", "name": f"Kabupaten Bench {i}", "kind": "kabupaten",
        "region_code": f"{province:02d}.{regency:02d}", "province_code": f"{province:02d}",
        "province_name": f"Provinsi {province}", "agency": "BKPSDM", "partners": []})


def add_probe_routes(app) -> None:
    """The same small read twice: through the seam, and schema-qualified with no tenant bound (the baseline)."""
    from app.authz import PUBLIC, policy
    from app.extensions import db
    from app.tenancy import schema_for

    @app.get("/t/<tenant_slug>/_bench_small")
    @policy(PUBLIC)  # the probe measures the seam, not authentication
    def bench_small():
        return {"n": db.session.execute(sa.text("SELECT count(*) FROM opds")).scalar_one()}

    @app.get("/_bench_baseline/<slug>")
    def bench_baseline(slug):
        table = sql.Identifier(schema_for(slug), "opds").as_string(None)
        with db.engine.connect() as conn:
            return {"n": conn.execute(sa.text(f"SELECT count(*) FROM {table}")).scalar_one()}  # noqa: S608


def seam_overhead(app, slugs: list[str], rounds: int) -> dict:
    """p50 of a small tenant GET through the seam vs the baseline; the difference is what the seam adds."""
    client = app.test_client()
    for slug in slugs:  # warm the registry cache and the connection's catalog
        client.get(f"/t/{slug}/_bench_small")
        client.get(f"/_bench_baseline/{slug}")
    seam, base = [], []
    for _ in range(rounds):
        for slug in slugs:
            t0 = time.perf_counter()
            assert client.get(f"/t/{slug}/_bench_small").status_code == 200
            t1 = time.perf_counter()
            assert client.get(f"/_bench_baseline/{slug}").status_code == 200
            t2 = time.perf_counter()
            seam.append(t1 - t0)
            base.append(t2 - t1)
    return {"seam_p50_ms": statistics.median(seam) * 1000, "baseline_p50_ms": statistics.median(base) * 1000,
            "added_ms": (statistics.median(seam) - statistics.median(base)) * 1000, "requests": len(seam)}


def print_seam(n: int, r: dict) -> None:
    print(f"seam, {n} tenants: GET p50 {r['seam_p50_ms']:.3f} ms vs baseline {r['baseline_p50_ms']:.3f} ms "
          f"-> added {r['added_ms']:.3f} ms ({r['requests']} requests)")


def cli_seconds(app, args: list[str]) -> tuple[float, str]:
    runner = app.test_cli_runner()
    t0 = time.perf_counter()
    with app.app_context():
        result = runner.invoke(args=args)
    seconds = time.perf_counter() - t0
    if result.exit_code != 0:
        raise RuntimeError(result.output)
    return seconds, result.output.strip().splitlines()[-1]


def backend_memory(url: str, schemas: list[str]) -> dict:
    """Memory of one backend before and after it has served every schema (catalog caches grow per schema)."""
    with psycopg.connect(url) as conn:
        pid = conn.execute("SELECT pg_backend_pid()").fetchone()[0]

        def measure():
            total = conn.execute("SELECT sum(total_bytes) FROM pg_backend_memory_contexts").fetchone()[0]
            conn.rollback()
            rss = None
            status = Path(f"/proc/{pid}/status")
            if status.exists():
                for line in status.read_text().splitlines():
                    if line.startswith("VmRSS:"):
                        rss = int(line.split()[1]) / 1024
            return total / 2**20, rss

        before = measure()
        for schema in schemas:
            with conn.transaction():
                conn.execute(sql.SQL("SET LOCAL search_path TO {}").format(sql.Identifier(schema)))
                conn.execute("SELECT e.id FROM employees e JOIN opds o ON o.id = e.opd_id "
                             "JOIN enrolments n ON n.employee_id = e.id JOIN cohorts c ON c.id = n.cohort_id "
                             "JOIN programs p ON p.id = c.program_id JOIN jp_entries j ON j.employee_id = e.id LIMIT 1")
        after = measure()
    return {"contexts_before_mb": before[0], "contexts_after_mb": after[0], "rss_before_mb": before[1],
            "rss_after_mb": after[1]}


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
    from app.services.admin import migrations
    from app.services.admin.provisioning import provision
    from app.tenancy import schema_for

    app = make_app(url)
    add_probe_routes(app)
    with app.app_context():
        migrations.upgrade_platform()
        times = [provision(spec(i)).seconds for i in range(4)]
        small = seam_overhead(app, [f"bench-{i:03d}" for i in range(4)], rounds=250)
        print_seam(4, small)
        t1 = time.perf_counter()
        times += [provision(spec(i)).seconds for i in range(4, n)]
        total = sum(times[:4]) + time.perf_counter() - t1
        print(f"provision {n} tenants: p50 {percentile(times, 50) * 1000:.0f} ms, "
              f"p95 {percentile(times, 95) * 1000:.0f} ms, max {max(times) * 1000:.0f} ms, all in {total:.1f} s")

        slugs = [f"bench-{i:03d}" for i in range(n)]
        large = seam_overhead(app, slugs, rounds=2)
        print_seam(n, large)

        seconds, summary = cli_seconds(app, ["tenants", "migrate", "--jobs", "4"])
        print(f"tenants migrate, no-op over {n}: {seconds:.2f} s in process ({summary})")
    t0 = time.perf_counter()
    env = {**os.environ, "DATABASE_URL": url, "SECRET_KEY": "bench", "KOMPETEN_LOG_LEVEL": "WARNING"}
    out = subprocess.run([sys.executable, "-m", "app.cli_entry", "tenants", "migrate"], env=env, capture_output=True,  # noqa: S603
                         text=True, check=True).stdout.strip().splitlines()[-1]
    print(f"tenants migrate, no-op over {n}: {time.perf_counter() - t0:.2f} s as a fresh command ({out})")

    with tempfile.TemporaryDirectory() as extra:
        with app.app_context():
            down = migrations.head("tenant")
        Path(extra, "bench_add_column.py").write_text(textwrap.dedent(f'''
            from alembic import op
            import sqlalchemy as sa
            revision = "bench_add_column"
            down_revision = {down!r}
            branch_labels = None
            depends_on = None
            def upgrade():
                op.add_column("employees", sa.Column("bench_note", sa.Text(), nullable=True))
            def downgrade():
                op.drop_column("employees", "bench_note")
        '''))
        upgraded = make_app(url, EXTRA_TENANT_VERSION_LOCATIONS=[extra])
        seconds, summary = cli_seconds(upgraded, ["tenants", "migrate", "--jobs", "4"])
        print(f"tenants migrate, one-column migration over {n} with --jobs 4: {seconds:.2f} s ({summary})")
        with upgraded.app_context():
            from app.extensions import db

            db.engine.dispose()

    mem = backend_memory(url, [schema_for(f"bench-{i:03d}") for i in range(n)])
    print(f"one backend after serving {n} schemas: memory contexts {mem['contexts_before_mb']:.1f} -> "
          f"{mem['contexts_after_mb']:.1f} MB, RSS {mem['rss_before_mb']:.1f} -> {mem['rss_after_mb']:.1f} MB "
          f"(the app closes a pooled connection after it has served KOMPETEN_SCHEMAS_PER_CONNECTION=200 schemas)")


if __name__ == "__main__":
    main()

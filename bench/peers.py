"""Kompeten against its peers, side by side: django-tenants (schemas) and django-import-export (the PPPK file).

    pip install -e '.[bench]'
    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres REDIS_URL=redis://127.0.0.1:6379/0 \
        python bench/peers.py [--tenants 100] [--rows 10000] [--keep]

Both sides run in this one process against the same PostgreSQL, each in a database of its own
(kompeten_bench_peers, kompeten_bench_peer), their runs interleaved (A, B, A, B) so that load on the machine
falls on both. The peer (bench/peers/) is a minimal django-tenants project whose tenant app has Kompeten's
tenant tables, generated from Kompeten's SQLAlchemy metadata (bench/peers/generate.py): same tables, columns,
foreign keys, indexes, uniques and CHECKs. Prints, for each measurement, both figures and the ratio; asserts
nothing.

1. create one tenant, p50 of 20: Kompeten `provision()` taking a spare schema (the pool refilled between takes,
   untimed, as the worker does), and also building one (no spare); django-tenants `Client(...).save()`.
2. create N, one after another: Kompeten with no spare pool (every schema built), django-tenants.
3. no-op migrate over all tenants: `kompeten tenants migrate` in process vs `migrate_schemas`.
4. one-column migration (a nullable text column on employees) over all tenants, one at a time on both sides.
5. import of the PPPK file (`--rows`, default 10,000 rows): Kompeten's import (upload, validate, apply, one worker
   in process) vs django-import-export's `import_data` of the same file into the peer's employees table.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import io
import os
import statistics
import sys
import tempfile
import textwrap
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
PEER_DIR = Path(__file__).resolve().parent / "peers"
sys.path.insert(0, str(PEER_DIR))

from bench.common import create_database, drop_database, machine, server_url, with_database  # noqa: E402
from bench.imports import UNITS, write_file  # noqa: E402

K_DB = "kompeten_bench_peers"
P_DB = "kompeten_bench_peer"
PREFIX = "kompeten_bench_peers"
ROWS: list[tuple[str, float, float]] = []


def spec(i: int):
    from app.services.admin.provisioning import TenantSpec

    province, regency = 11 + i // 99, i % 99 + 1
    return TenantSpec.from_mapping({
        "slug": f"peer-{i:03d}", "name": f"Kabupaten Peer {i}", "kind": "kabupaten",
        "region_code": f"{province:02d}.{regency:02d}", "province_code": f"{province:02d}",
        "province_name": f"Provinsi {province}", "agency": "BKPSDM", "partners": []})


def loadavg() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3]) if Path("/proc/loadavg").exists() else "-"


def report(what: str, kompeten: float, peer: float, unit: str = "s") -> None:
    ROWS.append((what, kompeten, peer))
    scale = 1000 if unit == "ms" else 1
    print(f"{what:<44} kompeten {kompeten * scale:9.2f} {unit}   peer {peer * scale:9.2f} {unit}   "
          f"ratio {peer / kompeten:6.1f}x   (load {loadavg()})", flush=True)


@contextlib.contextmanager
def quiet():
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        yield


def setup_peer(url: str):
    os.environ["PEER_DATABASE_URL"] = url
    os.environ["DJANGO_SETTINGS_MODULE"] = "peer_settings"
    import django

    django.setup()
    from django.core.management import call_command

    with quiet():
        call_command("migrate_schemas", shared=True, interactive=False)
    from peer_customers.models import Client, Domain

    if not Client.objects.filter(schema_name="public").exists():
        public = Client(schema_name="public", name="public")
        public.save()
        Domain(domain="localhost", tenant=public, is_primary=True).save()


def peer_create(name: str) -> float:
    from peer_customers.models import Client

    t0 = time.perf_counter()
    with quiet():
        Client(schema_name=name, name=name).save()
    return time.perf_counter() - t0


def peer_migrate() -> float:
    from django.core.management import call_command

    t0 = time.perf_counter()
    with quiet():
        call_command("migrate_schemas", interactive=False)
    return time.perf_counter() - t0


def kompeten_cli(app, args: list[str]) -> float:
    runner = app.test_cli_runner()
    t0 = time.perf_counter()
    with app.app_context():
        result = runner.invoke(args=args)
    seconds = time.perf_counter() - t0
    if result.exit_code != 0:
        raise RuntimeError(result.output)
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tenants", type=int, default=100)
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--one", type=int, default=20, help="how many single creates for the p50")
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()
    server = server_url()
    admin = with_database(server, "postgres")
    for name in (K_DB, P_DB):
        drop_database(admin, name)
        create_database(admin, name)
    print(machine())
    print(f"load average at start: {loadavg()}")
    try:
        with tempfile.TemporaryDirectory() as tmp:
            run(with_database(server, K_DB), with_database(server, P_DB), args, Path(tmp))
    finally:
        if not args.keep:
            from app.extensions import db  # noqa: F401 - engines are disposed with the apps

            for name in (K_DB, P_DB):
                with contextlib.suppress(Exception):
                    drop_database(admin, name)
    print(f"load average at end: {loadavg()}")
    print("\n| what | Kompeten | django-tenants / django-import-export | ratio |\n|---|---:|---:|---:|")
    for what, k, p in ROWS:
        print(f"| {what} | {k:.3f} s | {p:.3f} s | {p / k:.1f}× |")


def run(k_url: str, p_url: str, args, tmp: Path) -> None:
    from app import create_app
    from app.extensions import db
    from app.services.admin import migrations, spares
    from app.services.admin.provisioning import provision

    redis_url = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
    config = {"SQLALCHEMY_DATABASE_URI": k_url.replace("postgresql://", "postgresql+psycopg://", 1),
              "SECRET_KEY": "bench", "REDIS_URL": redis_url, "REDIS_KEY_PREFIX": PREFIX, "LOG_LEVEL": "WARNING",
              "INSTANCE_DIR": str(tmp / "instance"), "SPARE_SCHEMAS": 0}
    app = create_app(config)
    setup_peer(p_url)
    n_one, n = args.one, args.tenants
    with app.app_context():
        migrations.upgrade_platform()

        # 1. create one tenant: A (spare), A' (built), B, interleaved; one warm-up of each first.
        provision(spec(999))
        peer_create("peer_warm")
        taken, built, peer = [], [], []
        for i in range(n_one):
            spares.fill(1)  # the worker's refill after each take: untimed (one, so that A' finds none)
            result = provision(spec(i))
            assert result.spare is not None
            taken.append(result.seconds)
            built.append(provision(spec(n_one + i)).seconds)
            peer.append(peer_create(f"peer_one_{i:03d}"))
        report(f"create one tenant, p50 of {n_one} (spare)", statistics.median(taken), statistics.median(peer), "ms")
        report(f"create one tenant, p50 of {n_one} (built)", statistics.median(built), statistics.median(peer), "ms")
        for spare in spares.list_spares():
            with db.engine.begin() as conn:
                conn.exec_driver_sql(f'DROP SCHEMA "{spare.schema}" CASCADE')

        # 2. create N: chunks of 10 alternating, no spares on Kompeten's side.
        k_total = p_total = 0.0
        base = 2 * n_one
        for start in range(0, n, 10):
            chunk = range(start, min(n, start + 10))
            t0 = time.perf_counter()
            for i in chunk:
                provision(spec(base + i))
            k_total += time.perf_counter() - t0
            for i in chunk:
                p_total += peer_create(f"peer_n_{i:03d}")
        report(f"create {n} tenants, one after another", k_total, p_total)

        # 3. no-op migrate over all of them, A B A B (best of two).
        total = 2 * n_one + n + 1
        k, p = [], []
        for _ in range(2):
            k.append(kompeten_cli(app, ["tenants", "migrate"]))
            p.append(peer_migrate())
        report(f"no-op migrate over {total} tenants", min(k), min(p))

    # 4. one-column migration over all tenants, one at a time on both sides.
    with app.app_context():
        down = migrations.head("tenant")
    extra = tmp / "extra_versions"
    extra.mkdir()
    (extra / "bench_add_column.py").write_text(textwrap.dedent(f'''
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
    upgraded = create_app({**config, "EXTRA_TENANT_VERSION_LOCATIONS": [str(extra)]})
    k_seconds = kompeten_cli(upgraded, ["tenants", "migrate"])
    peer_file = PEER_DIR / "peer_tenant" / "migrations" / "0003_bench_note.py"
    peer_file.write_text(textwrap.dedent('''
        from django.db import migrations, models
        class Migration(migrations.Migration):
            dependencies = [("peer_tenant", "0002_kompeten_ddl")]
            operations = [migrations.AddField("employees", "bench_note", models.TextField(null=True))]
    '''))
    importlib.invalidate_caches()
    try:
        p_seconds = peer_migrate()
    finally:
        peer_file.unlink()
    report(f"one-column migration over {total} tenants", k_seconds, p_seconds)

    # 5. import the PPPK file, A B A B, fresh NIPs each round.
    with upgraded.app_context():
        k, p = [], []
        for rnd in range(2):
            path = tmp / f"pppk-{rnd}.csv"
            write_file(path, args.rows, rnd * args.rows)
            k.append(kompeten_import(path))
            p.append(peer_import(path))
        report(f"import {args.rows:,} PPPK rows", min(k), min(p))
        db.engine.dispose()
    with app.app_context():
        db.engine.dispose()


IMPORT_SLUG = "peer-impor"


def kompeten_import(path: Path) -> float:
    from app.extensions import db
    from app.jobs import QUEUES, SimpleWorker, queue, redis_connection
    from app.models.employees import Opd
    from app.services.admin.provisioning import TenantSpec, provision
    from app.services.imports import runs as service
    from app.services.imports.pipeline import start
    from app.services.text import name_key
    from app.tenancy import tenant_context

    result = provision(TenantSpec.from_mapping({
        "slug": IMPORT_SLUG, "name": "Kabupaten Peer Impor", "kind": "kabupaten", "region_code": "99.61",
        "province_code": "99", "province_name": "Provinsi Peer", "agency": "BKPSDM", "partners": []}))
    if result.created:
        with tenant_context(IMPORT_SLUG):
            db.session.add_all([Opd(name=u, name_key=name_key(u)) for u in UNITS])
            db.session.commit()
    for name in QUEUES:
        queue(name).empty()
    t0 = time.perf_counter()
    with tenant_context(IMPORT_SLUG):
        with path.open("rb") as fh:
            run_row = service.create_run(fh, path.name, created_by="bench")
        db.session.commit()
        start(run_row.id)
        db.session.commit()
        run_id = run_row.id
    SimpleWorker([queue("imports")], connection=redis_connection()).work(burst=True)
    seconds = time.perf_counter() - t0
    with tenant_context(IMPORT_SLUG):
        view = service.run_view(service.get_run(run_id))
    assert view["state"] == "done" and view["rows"]["created"] > 0, view
    for name in QUEUES:
        queue(name).empty()
    return seconds


def peer_import(path: Path) -> float:
    import tablib
    from django_tenants.utils import schema_context
    from peer_customers.models import Client
    from peer_tenant.models import Opds
    from peer_tenant.resources import PppkEmployeeResource

    if not Client.objects.filter(schema_name="peer_impor").exists():
        peer_create("peer_impor")
        with schema_context("peer_impor"):
            Opds.objects.bulk_create([Opds(name=u, name_key=u.upper()) for u in UNITS])
    t0 = time.perf_counter()
    with schema_context("peer_impor"):
        dataset = tablib.Dataset().load(path.read_text(encoding="utf-8"), format="csv", delimiter=";")
        result = PppkEmployeeResource().import_data(dataset, dry_run=False, raise_errors=True)
    seconds = time.perf_counter() - t0
    assert not result.has_errors() and result.totals["new"] > 0, result.totals
    return seconds


if __name__ == "__main__":
    main()

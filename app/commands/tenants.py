import click
import sqlalchemy as sa
from flask import current_app
from flask.cli import with_appcontext

from app.commands.seed_demo import seed_demo
from app.extensions import db
from app.services import manifests, migrations
from app.services.provisioning import ProvisionConflict, SpecError, TenantSpec, provision
from app.tenancy import no_tenant


@click.group("tenants")
def tenants():
    """Regions: list, sync, provision, migrate, restore.

    Each region (tenant) has its own schema."""


tenants.add_command(seed_demo)


@tenants.command("list")
@with_appcontext
def list_tenants():
    """Print the registry."""
    with no_tenant(), db.engine.connect() as conn:
        rows = conn.execute(sa.text(
            "SELECT slug, name, kind, region_code, province_code, status, schema_version, last_migration_error "
            "FROM platform.tenants ORDER BY province_code, slug")).all()
    head = migrations.head("tenant")
    click.echo(f"{'slug':<24} {'name':<28} {'code':<6} {'status':<13} version")
    for r in rows:
        version = "head" if r.schema_version == head else (r.schema_version or "-")
        flag = "  ! last migration failed" if r.last_migration_error else ""
        click.echo(f"{r.slug:<24} {r.name[:28]:<28} {r.region_code:<6} {r.status:<13} {version}{flag}")
    click.echo(f"{len(rows)} region(s)")


@tenants.command("sync")
@click.option("--dir", "directory", default=None, help="Manifest directory (default: tenants/).")
@with_appcontext
def sync(directory):
    """Make the registry match tenants/*.toml.

    Provisions what is missing and updates names; never deletes."""
    directory = directory or current_app.config["TENANTS_DIR"]
    migrations.upgrade_platform()
    try:
        lines = manifests.sync(directory, on_line=lambda line: click.echo(
            f"  {line.slug:<24} {line.action:<12} {line.seconds * 1000:7.0f} ms"))
    except (SpecError, ProvisionConflict) as exc:
        raise click.ClickException(str(exc)) from exc
    counts = {a: sum(1 for line in lines if line.action == a) for a in ("provisioned", "renamed", "unchanged")}
    click.echo(f"{len(lines)} manifest(s): " + ", ".join(f"{v} {k}" for k, v in counts.items()))


@tenants.command("provision")
@click.option("--slug", required=True)
@click.option("--name", required=True)
@click.option("--kind", type=click.Choice(["kota", "kabupaten"]), required=True)
@click.option("--region-code", required=True)
@click.option("--province-code", required=True)
@click.option("--province-name", required=True)
@click.option("--agency", required=True)
@with_appcontext
def provision_one(**fields):
    """Provision one region (idempotent)."""
    try:
        spec = TenantSpec.from_mapping(fields)
        result = provision(spec)
    except (SpecError, ProvisionConflict) as exc:
        raise click.ClickException(str(exc)) from exc
    state = "provisioned" if result.created else "already provisioned"
    click.echo(f"{spec.slug}: {state} in {result.seconds * 1000:.0f} ms (schema {spec.schema})")


@tenants.command("migrate")
@click.option("--jobs", "-j", default=1, show_default=True, help="Tenants migrated in parallel (processes).")
@click.option("--tenant", "slugs", multiple=True, help="Only these slugs (default: all).")
@with_appcontext
def migrate(jobs: int, slugs: tuple[str, ...]):
    """Upgrade tenant schemas to head, in parallel.

    Tenants already at head are skipped without a transaction."""
    behind, total = migrations.tenants_behind(list(slugs) or None)
    head = migrations.head("tenant")
    click.echo(f"{total} region(s), {total - len(behind)} at head ({head}), {len(behind)} to migrate")
    results = migrations.migrate_tenants(behind, jobs=jobs, on_result=lambda r: click.echo(
        f"  {r.slug:<24} {r.status:<9} {r.before or '-'} -> {r.after or '-'} {r.seconds * 1000:7.0f} ms"
        + (f"  {r.error}" if r.error else "")))
    failed = [r for r in results if r.status == "failed"]
    upgraded = sum(1 for r in results if r.status == "upgraded")
    click.echo(f"summary: {upgraded} upgraded, {len(failed)} failed, {total - len(behind)} already at head")
    if failed:
        raise SystemExit(1)

"""The commands that run regions: `kompeten db` (the platform schema), `kompeten tenants` (the registry: list,
sync from tenants/, provision, migrate, restore from an export bundle), `kompeten admin` (vendor tokens for the
admin API; secrets are printed once, stored as digests) and `kompeten worker` (an RQ worker).
"""

import time

import click
import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from flask import current_app
from flask.cli import with_appcontext
from psycopg import sql

from app.authz import ADMIN_SCOPES
from app.extensions import db as database
from app.jobs import QUEUES, redis_connection
from app.problems import Problem
from app.services.accounts.credentials import DEFAULT_TOKEN_DAYS
from app.services.admin import exports, manifests, migrations, spares
from app.services.admin import vendor_tokens as tokens
from app.services.admin.provisioning import ProvisionConflict, SpecError, TenantSpec, provision
from app.tenancy import no_tenant, tenant_context


@click.group("admin")
def admin():
    """Vendor tokens for the admin API (/admin/api/v1)."""


@admin.command("create-token")
@click.option("--user", "username", required=True, help="A platform user with role vendor.")
@click.option("--scope", "scopes", multiple=True, type=click.Choice(ADMIN_SCOPES),
              help="Repeatable; default: all of them.")
@click.option("--expires-in-days", default=DEFAULT_TOKEN_DAYS, show_default=True, type=int)
@click.option("--name", default="admin-api", show_default=True)
@with_appcontext
def create_token(username, scopes, expires_in_days, name):
    """Make a vendor token (its secret is printed once).

    Only its SHA-256 digest is kept."""
    with no_tenant():
        try:
            made = tokens.create(username, list(scopes or ADMIN_SCOPES), expires_in_days, name)
        except tokens.TokenError as exc:
            raise click.ClickException(str(exc)) from exc
        database.session.commit()
    click.echo(f"token {made['id']} for {username}: scopes {' '.join(made['scopes'])}, "
               f"expires {made['expires_at']:%Y-%m-%d}")
    click.echo(made["token"])


@admin.command("revoke-token")
@click.argument("token")
@with_appcontext
def revoke_token(token):
    """Revoke a token by its id or its shown prefix (kpt_xxxxxxxx)."""
    with no_tenant():
        try:
            row = tokens.revoke(token)
        except tokens.TokenError as exc:
            raise click.ClickException(str(exc)) from exc
        database.session.commit()
    click.echo(f"token {row['id']} ({row['prefix']}) of {row['user']} revoked")


@admin.command("tokens")
@click.option("--user", "username", default=None)
@with_appcontext
def list_tokens(username):
    """Vendor tokens (never their secrets)."""
    with no_tenant():
        rows = tokens.list_all(username)
    for r in rows:
        state = "active" if r["active"] else ("revoked" if r["revoked_at"] else "expired")
        click.echo(f"{r['id']:>5} {r['prefix']:<14} {r['user']:<20} {state:<8} {r['expires_at']:%Y-%m-%d} "
                   f"{' '.join(r['scopes'])}")
    click.echo(f"{len(rows)} token(s)")


@click.command("restore")
@click.argument("export_id", type=int)
@click.option("--slug", default=None, help="A new slug (default: the exported region's, if it was deleted).")
@click.option("--region-code", default=None)
@click.option("--name", default=None)
@with_appcontext
def restore(export_id, slug, region_code, name):
    """Create a region from an export bundle.

    Row counts and checksums are verified per table before it goes live."""
    try:
        out = exports.restore(export_id, {"slug": slug, "region_code": region_code, "name": name})
    except Problem as exc:
        raise click.ClickException("; ".join(f"{e['field']}: {e['reason']}" for e in exc.errors or [])
                                   or exc.detail or exc.title) from exc
    rows = sum(t["rows"] for t in out["tables"].values())
    click.echo(f"{out['tenant']['slug']}: restored from export {export_id} ({len(out['tables'])} tables, "
               f"{rows} rows, checksums verified)")


@click.group("db")
def db():
    """Migrations of the shared platform schema.

    Tenant schemas: `kompeten tenants migrate`."""


@db.command("upgrade")
@with_appcontext
def upgrade():
    """Create or upgrade the shared `platform` schema to head."""
    before, after = migrations.upgrade_platform()
    click.echo(f"platform schema: {before or 'empty'} -> {after}" if before != after else f"platform schema at {after}")


@db.command("current")
@with_appcontext
def current():
    """Show the platform version and the tenant head."""
    with no_tenant(), _engine().connect() as conn:
        version = MigrationContext.configure(conn, opts={"version_table_schema": "platform"}).get_current_revision()
    click.echo(f"platform: {version} (head {migrations.head('platform')})")
    click.echo(f"tenant head: {migrations.head('tenant')}")


@db.command("revision")
@click.option("--track", type=click.Choice(migrations.TRACKS), required=True)
@click.option("-m", "--message", required=True)
@click.option("--autogenerate", is_flag=True, help="Compare the models with a scratch schema at head.")
@with_appcontext
def revision(track: str, message: str, autogenerate: bool):
    """Write a new migration for one track."""
    if not autogenerate:
        command.revision(migrations.alembic_config(track), message=message)
        return
    if track == "platform":
        with no_tenant(), _engine().connect() as conn:
            trans = conn.begin()
            try:
                conn.execute(sa.text("CREATE SCHEMA IF NOT EXISTS platform"))
                command.revision(migrations.alembic_config(track, conn), message=message, autogenerate=True)
            finally:
                trans.rollback()
        return
    # Tenant track: build a scratch schema at head inside a transaction that is rolled back.
    scratch = migrations.tenant_info_for_scratch()
    with tenant_context(scratch, allow_status=("active",)), _engine().connect() as conn:
        trans = conn.begin()
        try:
            conn.connection.dbapi_connection.execute(
                sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(scratch.schema)))
            command.upgrade(migrations.alembic_config("tenant", conn), "head")
            diff = compare_metadata(MigrationContext.configure(conn, opts={
                "include_object": migrations.include_tenant_object}), migrations.target_metadata())
            click.echo(f"{len(diff)} change(s) detected")
            command.revision(migrations.alembic_config("tenant", conn), message=message, autogenerate=True)
        finally:
            trans.rollback()


def _engine():
    return database.engine


@click.group("tenants")
def tenants():
    """Regions: list, sync, provision, migrate, restore.

    Each region (tenant) has its own schema."""


tenants.add_command(restore)


@tenants.command("list")
@with_appcontext
def list_tenants():
    """Print the registry."""
    with no_tenant(), database.engine.connect() as conn:
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
    dropped = spares.prune()  # a spare left at the old head would be renamed into a region behind head
    if dropped:
        click.echo(f"spares: {len(dropped)} not at head dropped")
        spares.request_refill()
    if failed:
        raise SystemExit(1)


@tenants.command("spares")
@click.option("--fill", "count", type=int, default=None,
              help="Create spares until this many are at head (default: list them only).")
@with_appcontext
def spares_command(count: int | None):
    """List or refill the spare schemas.

    Provisioning renames a spare at head into the new region's schema (KOMPETEN_SPARE_SCHEMAS, the pool size)."""
    if count is not None:
        start = time.perf_counter()
        created = spares.fill(count)
        click.echo(f"spares: {created} created in {time.perf_counter() - start:.2f} s")
    want = migrations.head("tenant")
    pool = spares.list_spares()
    for spare in pool:
        click.echo(f"  {spare.schema:<24} {spare.version or '-'}{'' if spare.version == want else '  (not at head)'}")
    click.echo(f"{len(pool)} spare(s), {sum(1 for s in pool if s.version == want)} at head ({want}); "
               f"pool size {spares.target()}")


@click.command("worker")
@click.option("--burst", is_flag=True, help="Drain the queues, then exit.")
@click.option("--queue", "queues", multiple=True, type=click.Choice(QUEUES), help="Queues to serve (default: all).")
@with_appcontext
def worker(burst: bool, queues: tuple[str, ...]):
    """Run an RQ worker for the app's queues.

    Jobs run with this app configured."""
    from app.jobs import make_worker
    from app.services.runs import reap_everywhere

    w = make_worker(queues or QUEUES)
    click.echo(f"Worker on {', '.join(q.name for q in w.queues)} ({'burst' if burst else 'until stopped'})")
    try:  # a worker that died took its runs with it: take them over now, not at the next reaper tick
        taken = reap_everywhere()
        if taken:
            click.echo(f"{taken} run(s) of a dead worker taken over")
    except Exception as exc:  # the database or Redis not up yet: the scheduled reaper will do it
        click.echo(f"reaper at start skipped: {exc}", err=True)
    w.work(burst=burst, with_scheduler=True, logging_level=current_app.config["LOG_LEVEL"])


@click.command("scheduler")
@click.option("--list", "list_only", is_flag=True, help="Print the declared schedules and exit.")
@with_appcontext
def scheduler(list_only: bool):
    """Run the scheduler of periodic jobs (one per deployment).

    RQ's cron scheduler for the schedules the areas declare (app/schedules.py). It only enqueues: a worker
    (`kompeten worker`) runs what it enqueues."""
    from rq.cron import CronScheduler

    from app.schedules import register_all, schedules

    declared = schedules()
    for item in declared.values():
        when = item.cron or f"every {item.interval} s"
        click.echo(f"  {item.name:<32} {when:<16} {'per region' if item.per_region else 'platform'}"
                   f"  {item.description}")
    if list_only:
        return
    cron = CronScheduler(connection=redis_connection(), logging_level=current_app.config["LOG_LEVEL"])
    names = register_all(cron)
    click.echo(f"Scheduler with {len(names)} schedule(s) (UTC cron)")
    cron.start()

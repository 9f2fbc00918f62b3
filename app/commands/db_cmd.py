import click
import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from flask.cli import with_appcontext
from psycopg import sql

from app.extensions import db as database
from app.services import migrations
from app.tenancy import no_tenant, tenant_context


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

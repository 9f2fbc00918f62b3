"""Tenant migrations fan out over many regions: each succeeds or fails alone, re-runs retry only the failed."""

from __future__ import annotations

import textwrap

import pytest
import sqlalchemy as sa

from app import create_app
from app.extensions import db
from app.services.admin import migrations
from app.tenancy import no_tenant, tenant_context
from tests.fixtures.app import make_config

N_TENANTS = 30


@pytest.fixture
def extra_revision(tmp_path, app):
    """A one-column tenant migration on top of the real head, in its own version location."""
    versions = tmp_path / "extra_versions"
    versions.mkdir()
    (versions / "test_add_opd_flag.py").write_text(textwrap.dedent(f'''
        from alembic import op
        import sqlalchemy as sa

        revision = "test_add_opd_flag"
        down_revision = {migrations.head("tenant")!r}
        branch_labels = None
        depends_on = None


        def upgrade():
            op.add_column("opds", sa.Column("test_flag", sa.Boolean(), nullable=True))


        def downgrade():
            op.drop_column("opds", "test_flag")
    '''))
    return str(versions)


@pytest.fixture
def upgraded_app(database_url, redis_url, redis_prefix, tmp_path, extra_revision):
    application = create_app(make_config(database_url, redis_url, redis_prefix, tmp_path,
                                         EXTRA_TENANT_VERSION_LOCATIONS=[extra_revision]))
    yield application
    with application.app_context():
        db.engine.dispose()


def _break(tenant) -> None:
    with tenant_context(tenant), db.engine.begin() as conn:
        conn.execute(sa.text("ALTER TABLE opds ADD COLUMN test_flag text"))


def _unbreak(tenant) -> None:
    with tenant_context(tenant), db.engine.begin() as conn:
        conn.execute(sa.text("ALTER TABLE opds DROP COLUMN test_flag"))


def test_thirty_tenants_one_failing_then_a_rerun_touches_only_that_one(app, make_tenant, upgraded_app):
    made = [make_tenant(f"kab-migrasi-{i:02d}") for i in range(N_TENANTS)]
    slugs = [t.slug for t in made]
    broken = made[7]
    _break(broken)

    args = ["tenants", "migrate", "--jobs", "2", *[a for s in slugs for a in ("--tenant", s)]]

    def run_cli():
        with upgraded_app.app_context():  # the CLI uses the current app: make it the upgraded one
            return upgraded_app.test_cli_runner().invoke(args=args)

    first = run_cli()
    assert first.exit_code == 1, first.output
    assert "summary: 29 upgraded, 1 failed, 0 already at head" in first.output
    assert f"{broken.slug:<24} failed" in first.output and "DuplicateColumn" in first.output

    with upgraded_app.app_context(), no_tenant(), db.engine.connect() as conn:
        rows = dict(conn.execute(sa.text("SELECT slug, schema_version FROM platform.tenants WHERE slug = ANY(:s)"),
                                 {"s": slugs}).all())
        error = conn.execute(sa.text("SELECT last_migration_error FROM platform.tenants WHERE slug = :s"),
                             {"s": broken.slug}).scalar()
    assert sum(v == "test_add_opd_flag" for v in rows.values()) == 29
    assert rows[broken.slug] == migrations.head("tenant")  # still at the old head: rolled back alone
    assert "already exists" in error

    _unbreak(broken)
    second = run_cli()
    assert second.exit_code == 0, second.output
    assert "30 region(s), 29 at head (test_add_opd_flag), 1 to migrate" in second.output
    assert "summary: 1 upgraded, 0 failed, 29 already at head" in second.output

    third = run_cli()
    assert "0 to migrate" in third.output and third.exit_code == 0


def test_autogenerate_finds_no_difference_between_models_and_migrations(app, tenants):
    """Provisioning builds tables from the models; the migration chain must build the very same schema."""
    from alembic import command
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext
    from psycopg import sql

    scratch = migrations.tenant_info_for_scratch("chain-check")
    with tenant_context(scratch), db.engine.connect() as conn:
        trans = conn.begin()
        try:
            conn.connection.dbapi_connection.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(scratch.schema)))
            command.upgrade(migrations.alembic_config("tenant", conn), "head")
            ctx = MigrationContext.configure(conn, opts={"include_object": migrations.include_tenant_object,
                                                         "compare_type": True})
            assert compare_metadata(ctx, migrations.target_metadata()) == []
            # ...and the chain makes the audit log append-only, as provisioning does.
            conn.execute(sa.text("INSERT INTO audit_log (action, entity) VALUES ('t', 't')"))
            with pytest.raises(sa.exc.DBAPIError, match="append-only"), conn.begin_nested():
                conn.execute(sa.text("UPDATE audit_log SET action = 'x'"))
        finally:
            trans.rollback()

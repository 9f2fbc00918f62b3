"""Alembic environment for one tenant schema. app.services.migrations binds the tenant (the seam sets
`search_path` for the transaction) and passes the connection in `config.attributes["connection"]`;
names stay unqualified, and the version table is the schema's own `alembic_version`."""

from alembic import context

from app.services.admin.migrations import include_tenant_object, target_metadata

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=target_metadata(),
    include_object=include_tenant_object,
    compare_type=True,
    transaction_per_migration=False,
)
with context.begin_transaction():
    context.run_migrations()

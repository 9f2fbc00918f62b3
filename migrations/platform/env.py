"""Alembic environment for the `platform` schema. Run through app.services.migrations, which passes
the connection in `config.attributes["connection"]`."""

from alembic import context

from app.models import PLATFORM_SCHEMA
from app.services.admin.migrations import include_platform_object, target_metadata

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=target_metadata(),
    version_table_schema=PLATFORM_SCHEMA,
    include_schemas=True,
    include_object=include_platform_object,
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()

"""Tables, one module per area. Tables with schema "platform" are shared; every other table lives in
each tenant's own schema and is reached through the search_path that app.tenancy sets."""

from app import models as tenant  # noqa: F401  (register the tables on the metadata)
from app.extensions import db
from app.models import platform, rollups  # noqa: F401  (register the tables on the metadata)

PLATFORM_SCHEMA = "platform"


def platform_tables():
    return [t for t in db.metadata.sorted_tables if t.schema == PLATFORM_SCHEMA]


def tenant_tables():
    return [t for t in db.metadata.sorted_tables if t.schema is None]

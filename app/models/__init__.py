"""Tables, one module per area. Tables with schema "platform" are shared; every other table lives in
each tenant's own schema and is reached through the search_path that app.tenancy sets."""

import importlib
import pkgutil

from app.extensions import db

for _module in pkgutil.iter_modules(__path__):  # every area's tables on the metadata
    importlib.import_module(f"{__name__}.{_module.name}")

PLATFORM_SCHEMA = "platform"


def platform_tables():
    return [t for t in db.metadata.sorted_tables if t.schema == PLATFORM_SCHEMA]


def tenant_tables():
    return [t for t in db.metadata.sorted_tables if t.schema is None]

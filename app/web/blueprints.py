"""Blueprints: one package each. Tenant routes are declared only through `tenant_api_blueprint`,
so no route can forget its tenant (the URL prefix `/t/<tenant_slug>` is what binds the seam)."""

from __future__ import annotations

import importlib
import pkgutil
from types import ModuleType

from flask_smorest import Blueprint

from app.authz import BLUEPRINT_POLICIES
from app.web.api import TENANT_API_PREFIX
from app.web.inputs import ArgumentsParser


class CheckedBlueprint(Blueprint):
    """An API blueprint whose views receive only arguments that went through app.inputs' checks (integers
    within PostgreSQL's range, no NUL characters): every tenant API blueprint, and the vendors' admin API."""

    ARGUMENTS_PARSER = ArgumentsParser()


def tenant_api_blueprint(name: str, import_name: str, path: str, description: str, *,
                         read: str = "training:read", write: str = "training:write") -> Blueprint:
    """A tenant API blueprint under /t/<tenant_slug>/api/v1/<path>. `read` is the permission its GET routes
    need, `write` the one for other methods (a view may override with app.authz.policy)."""
    BLUEPRINT_POLICIES[name] = (read, write)
    prefix = f"{TENANT_API_PREFIX}/{path.strip('/')}" if path.strip("/") else TENANT_API_PREFIX
    return CheckedBlueprint(name, import_name, url_prefix=prefix, description=description)


def discover() -> list[ModuleType]:
    """Every blueprint package under app/blueprints, in name order. A package exposes `blp` (a tenant
    API blueprint, documented in the OpenAPI spec) and/or `bp` (a plain Flask blueprint)."""
    return [importlib.import_module(f"{__name__}.{info.name}")
            for info in sorted(pkgutil.iter_modules(__path__), key=lambda i: i.name) if info.ispkg]

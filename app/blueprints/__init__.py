"""Blueprints: one package each. Tenant routes are declared only through `tenant_api_blueprint`,
so no route can forget its tenant (the URL prefix `/t/<tenant_slug>` is what binds the seam)."""

from __future__ import annotations

from flask_smorest import Blueprint

from app.api import TENANT_API_PREFIX


def tenant_api_blueprint(name: str, import_name: str, path: str, description: str) -> Blueprint:
    return Blueprint(name, import_name, url_prefix=f"{TENANT_API_PREFIX}/{path.strip('/')}", description=description)

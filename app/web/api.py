"""The REST APIs (flask-smorest), each with its own OpenAPI document: a region's at
/t/<slug>/api/v1/openapi.json, the vendors' admin API at /admin/api/v1/openapi.json, and the platform's (platform
users' logins, province and national rollups) at /api/v1/openapi.json (the same mechanism: one Api each, whose
settings carry the `ADMIN_` / `PLATFORM_` config prefix)."""

from __future__ import annotations

import http

import marshmallow as ma
from flask import Flask
from flask_smorest import Api as _SmorestApi
from flask_smorest.utils import prepare_response

from app.problems import PROBLEM_MIMETYPE, handle_http_exception
from app.tenancy import TENANT_URL_PREFIX

TENANT_API_PREFIX = f"{TENANT_URL_PREFIX}/api/v1"
ADMIN_API_PREFIX = "/admin/api/v1"
PLATFORM_API_PREFIX = "/api/v1"

_SETTINGS = {
    "OPENAPI_URL_PREFIX": TENANT_API_PREFIX,
    "OPENAPI_JSON_PATH": "openapi.json",
    "OPENAPI_REDOC_PATH": "docs",
    # Served by the app itself (app/static/vendor/redoc/README.md): the docs work with no internet.
    "OPENAPI_REDOC_URL": "/static/vendor/redoc/redoc.standalone.js",
}
# The browsable docs pages (one per API); they get their own Content-Security-Policy (app/security.py).
DOCS_ENDPOINTS = frozenset({"api-docs.openapi_redoc", "admin-api-docs.openapi_redoc"})


class ProblemFieldErrorSchema(ma.Schema):
    class Meta:
        unknown = ma.INCLUDE  # documented as open: a reason may carry more (e.g. a code)

    field = ma.fields.String(required=True, metadata={"description": "The input field (dotted for nested ones)"})
    reason = ma.fields.String(required=True)
    location = ma.fields.String(metadata={"description": "json, query, form, files, path, ..."})


class ProblemSchema(ma.Schema):
    """The documented shape of every error (app/problems.py); extension members may follow."""

    class Meta:
        unknown = ma.INCLUDE

    type = ma.fields.String(required=True)
    title = ma.fields.String(required=True)
    status = ma.fields.Integer(required=True)
    detail = ma.fields.String()
    instance = ma.fields.String(allow_none=True)
    request_id = ma.fields.String()
    errors = ma.fields.List(ma.fields.Nested(ProblemFieldErrorSchema))


class Api(_SmorestApi):
    """flask-smorest with RFC 9457 problem responses instead of its own error bodies."""

    ERROR_SCHEMA = ProblemSchema

    def handle_http_exception(self, error):
        return handle_http_exception(error)

    def _register_responses(self):
        """Document error responses as they are sent: `application/problem+json` bodies (flask-smorest would
        say application/json with its own error shape)."""
        for status in http.HTTPStatus:
            response = {"description": status.phrase}
            if not (100 <= status < 200) and status not in (204, 304):
                response["schema"] = self.ERROR_SCHEMA
            prepare_response(response, self.spec, PROBLEM_MIMETYPE)
            self.spec.components.response(status.name, response, lazy=True)
        response = {"description": "Default error response", "schema": self.ERROR_SCHEMA}
        prepare_response(response, self.spec, PROBLEM_MIMETYPE)
        self.spec.components.response("DEFAULT_ERROR", response, lazy=True)


def make_api(app: Flask) -> Api:
    """One Api per app (its spec collects the app's blueprints)."""
    for key, value in _SETTINGS.items():
        app.config.setdefault(key, value)
    return Api(app, spec_kwargs={"info": {"description": (
        "Kompeten tenant API: one region's training records. Every path starts with /t/{tenant_slug}/api/v1; "
        "errors are application/problem+json (RFC 9457).")}})


def make_admin_api(app: Flask) -> Api:
    """The vendors' admin API: its own OpenAPI document (only the blueprints registered on it)."""
    for key, value in {**_SETTINGS, "OPENAPI_URL_PREFIX": ADMIN_API_PREFIX, "API_TITLE": "Kompeten admin",
                       "API_VERSION": app.config["API_VERSION"], "OPENAPI_VERSION": app.config["OPENAPI_VERSION"]
                       }.items():
        app.config.setdefault(f"ADMIN_{key}", value)
    api = Api(app, config_prefix="ADMIN", spec_kwargs={"security": [{"vendorToken": []}], "info": {"description": (
        "Kompeten admin API for vendors: provision, suspend, upgrade, export, archive and delete regions. "
        "Authenticate with `Authorization: Bearer kpt_...` (a token from `kompeten admin create-token`, limited "
        "to scopes tenants:read / tenants:write / tenants:export / tenants:delete). Errors are "
        "application/problem+json (RFC 9457). POSTs accept an `Idempotency-Key` header.")}})
    api.spec.components.security_scheme("vendorToken", {
        "type": "http", "scheme": "bearer", "description": "kpt_… from `kompeten admin create-token` (vendor users)"})
    return api


def make_platform_api(app: Flask) -> Api:
    """The platform's JSON API: platform users' logins and the province and national rollups."""
    for key, value in {**_SETTINGS, "OPENAPI_URL_PREFIX": PLATFORM_API_PREFIX, "API_TITLE": "Kompeten platform",
                       "API_VERSION": app.config["API_VERSION"], "OPENAPI_VERSION": app.config["OPENAPI_VERSION"]
                       }.items():
        app.config.setdefault(f"PLATFORM_{key}", value)
    return Api(app, config_prefix="PLATFORM", spec_kwargs={"info": {"description": (
        "Kompeten platform API for province and national users (aggregates only, never personal data) and vendors: "
        "log in at /api/v1/auth/login (cookie + CSRF token), then read the rollups of a province "
        "(/p/{province_code}/api/v1/rollups) or of the nation (/national/api/v1/rollups). Errors are "
        "application/problem+json (RFC 9457).")}})

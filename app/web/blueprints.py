"""The ways to declare a blueprint. Tenant routes are declared only through `tenant_api_blueprint` and
`page_blueprint`, so no route can forget its tenant (the URL prefix `/t/<tenant_slug>` is what binds the seam)."""

from __future__ import annotations

import flask
from flask_smorest import Blueprint

from app.authz import BLUEPRINT_POLICIES
from app.tenancy import TENANT_URL_PREFIX
from app.web.api import ADMIN_API_PREFIX, TENANT_API_PREFIX
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


def platform_api_blueprint(name: str, import_name: str, description: str, *, url_prefix: str | None = None,
                           read: str = "platform:self", write: str = "platform:self") -> Blueprint:
    """A platform API blueprint (no tenant in its URLs), documented in /api/v1/openapi.json."""
    BLUEPRINT_POLICIES[name] = (read, write)
    return CheckedBlueprint(name, import_name, url_prefix=url_prefix, description=description)


def page_blueprint(name: str, import_name: str, path: str = "", *, tenant: bool = True,
                   cache_control: str = "no-store") -> flask.Blueprint:
    """A blueprint of HTML pages: under /t/<tenant_slug>/<path> (or /<path> for platform pages), answering a
    service's Problem with an HTML error page, and never cached (pages carry personal data and CSRF tokens)."""
    from app.web.pages import html_problems, no_store

    base = TENANT_URL_PREFIX if tenant else ""
    prefix = f"{base}/{path.strip('/')}" if path.strip("/") else (base or None)
    bp = flask.Blueprint(name, import_name, url_prefix=prefix)
    html_problems(bp)
    no_store(bp, cache_control)
    return bp


def admin_api_blueprint(name: str, import_name: str, path: str, description: str, *,
                        read: str = "tenants:read", write: str = "tenants:write") -> Blueprint:
    """A blueprint of the vendors' admin API under /admin/api/v1/<path> (documented in its own OpenAPI document).

    Its views start with no open transaction (they bind regions one after another; the only one open is the
    caller look-up's, read-only), answer with `Cache-Control: private, no-store`, and every call lands in the
    platform audit log (refused ones too): method, path, status. What a call changed is recorded besides, with
    before/after, by the service in the same transaction as the change."""
    from app.extensions import db
    from app.services.audit import log as audit

    BLUEPRINT_POLICIES[name] = (read, write)
    prefix = f"{ADMIN_API_PREFIX}/{path.strip('/')}" if path.strip("/") else ADMIN_API_PREFIX
    blp = CheckedBlueprint(name, import_name, url_prefix=prefix, description=description)

    @blp.before_request
    def _end_lookup_transaction():
        db.session.rollback()

    @blp.after_request
    def _no_store_and_audit(resp):
        resp.headers.setdefault("Cache-Control", "private, no-store")
        audit.record("admin.call", "admin_api", None,
                     after={"method": flask.request.method, "path": flask.request.full_path.rstrip("?"),
                            "status": resp.status_code},
                     platform=True, separately=True)
        return resp

    return blp

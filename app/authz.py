"""Authorisation: what the caller may do. Default deny: every tenant route must have a policy.

A policy is a permission name. Tenant API blueprints declare theirs once (`tenant_api_blueprint(read=...,
write=...)`: GET/HEAD use `read`, other methods `write`); a view may override with `@policy(...)`. The role
→ permission table below is the whole model; OPD-scoped operators are further limited by `opd_scope()`,
which services apply to employee and enrolment queries.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask, request
from flask_login import current_user

from app.auth import Principal
from app.problems import problem_response
from app.tenancy import URL_SLUG_ARG, current_tenant

PUBLIC = "public"
# What a vendor token may be limited to (`kompeten admin create-token --scope ...`); each admin API route needs one.
ADMIN_SCOPES = ("tenants:read", "tenants:write", "tenants:export", "tenants:delete")
ROLE_PERMISSIONS: dict[str, frozenset[str]] = {
    "admin": frozenset({"training:read", "training:write", "org:manage", "users:manage", "audit:read", "self"}),
    "operator": frozenset({"training:read", "training:write", "self"}),
    "viewer": frozenset({"training:read", "self"}),
    "employee": frozenset({"self"}),
}
PLATFORM_PERMISSIONS: dict[str, frozenset[str]] = {
    "vendor": frozenset({"platform:admin", "platform:self", *ADMIN_SCOPES}),
    "province": frozenset({"rollups:province", "platform:self"}),
    "national": frozenset({"rollups:province", "rollups:national", "platform:self"}),
}
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

# Blueprint name -> (read permission, write permission); filled by app.blueprints.tenant_api_blueprint.
BLUEPRINT_POLICIES: dict[str, tuple[str, str]] = {}
# Endpoints outside any policy-declaring blueprint that are public (docs of the API itself).
PUBLIC_ENDPOINTS = frozenset({f"{api}api-docs.{doc}" for api in ("", "admin-", "platform-")
                              for doc in ("openapi_json", "openapi_redoc")} | {"static"})


def policy(permission: str) -> Callable:
    """Declare the permission a view needs (overrides its blueprint's read/write default)."""

    def decorate(view: Callable) -> Callable:
        view.kompeten_policy = permission  # type: ignore[attr-defined]
        return view

    return decorate


def required_permission(endpoint: str, method: str, view: Callable | None) -> str | None:
    """The permission an endpoint needs for a method, or None when nothing declares one (→ refused)."""
    declared = getattr(view, "kompeten_policy", None)
    if declared:
        return declared
    if endpoint in PUBLIC_ENDPOINTS:
        return PUBLIC
    blueprint = endpoint.rpartition(".")[0]
    if blueprint in BLUEPRINT_POLICIES:
        read, write = BLUEPRINT_POLICIES[blueprint]
        return read if method in SAFE_METHODS else write
    return None


def permissions_of(principal: Principal) -> frozenset[str]:
    table = ROLE_PERMISSIONS if principal.kind == "tenant" else PLATFORM_PERMISSIONS
    allowed = table.get(principal.role, frozenset())
    scopes = getattr(principal, "scopes", None)
    if scopes is not None:  # a scoped platform token: only the admin scopes it names (never more than the role)
        allowed = frozenset(p for p in allowed if p not in ADMIN_SCOPES or p in scopes)
    return allowed


def opd_scope() -> frozenset[int] | None:
    """The OPDs the caller is limited to, or None for all. Services filter employees and enrolments by it."""
    principal = current_user
    if principal and getattr(principal, "is_authenticated", False):
        return principal.opd_ids
    return None


def _is_tenant_route() -> bool:
    return request.url_rule is not None and f"<{URL_SLUG_ARG}>" in request.url_rule.rule


def _unauthenticated():
    return problem_response(401, "Unauthorized", "Silakan masuk (login) terlebih dahulu.", type_="unauthenticated",
                            headers={"WWW-Authenticate": 'Bearer realm="kompeten"'})


def check_request():
    """before_request: refuse what the caller may not do, before the view runs."""
    if request.endpoint is None:
        return None  # 404/405: nothing to protect
    view = request.url_rule and _view(request.endpoint)
    needed = required_permission(request.endpoint, request.method, view)
    if needed == PUBLIC:
        return None
    if needed is None:
        if _is_tenant_route():
            return problem_response(403, "Forbidden", "Rute ini belum memiliki aturan akses.", type_="no-policy")
        return None  # non-tenant routes without a policy (health) are public; platform blueprints declare theirs
    principal = current_user
    if not principal or not principal.is_authenticated:
        return _unauthenticated()
    if _is_tenant_route() and (principal.kind != "tenant" or principal.tenant_id != current_tenant().id):
        return _unauthenticated()  # platform users never reach a tenant's data, nor another tenant's users
    if needed not in permissions_of(principal):
        return problem_response(403, "Forbidden", "Peran Anda tidak mengizinkan tindakan ini.", type_="forbidden",
                                required=needed, role=principal.role)
    return None


def _view(endpoint: str):
    from flask import current_app

    return current_app.view_functions.get(endpoint)


def install(app: Flask) -> None:
    app.before_request(check_request)

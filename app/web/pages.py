"""What every page view shares: access (an anonymous visitor is sent to the login form, not a JSON 401; a
missing permission is a 403 page), the HTML error page for a service's Problem, query strings parsed with the
API's schemas, and rendering with the role's write flag.

Pages are declared PUBLIC to app.authz and enforce their permission here, with the same table
(app.authz.permissions_of); the permission is kept on the view as `kompeten_page_permission`."""

from __future__ import annotations

import functools
from collections.abc import Callable
from urllib.parse import urlsplit

from flask import Blueprint, redirect, render_template, request, url_for
from flask_login import current_user

from app.authz import PUBLIC, permissions_of, policy
from app.extensions import db
from app.problems import Problem
from app.web.forms import FORM_LEVEL, form_errors, load_form


def page(permission: str, *, kind: str = "tenant", login_endpoint: str = "pages.login_form") -> Callable:
    """A page for logged-in principals of `kind` holding `permission`."""

    def decorate(view: Callable) -> Callable:
        @functools.wraps(view)
        def wrapper(*args, **kwargs):
            principal = current_user
            if not principal or not principal.is_authenticated or principal.kind != kind:
                here = request.full_path if request.query_string else request.path
                return redirect(url_for(login_endpoint, next=here))
            if permission not in permissions_of(principal):
                return problem_page(Problem.forbidden("Peran Anda tidak mengizinkan membuka halaman ini."))
            return view(*args, **kwargs)

        wrapper.kompeten_page_permission = permission  # type: ignore[attr-defined]
        return policy(PUBLIC)(wrapper)

    return decorate


def platform_page(permission: str) -> Callable:
    """A page for logged-in platform users (vendor, province, national) holding `permission`."""
    return page(permission, kind="platform", login_endpoint="platform_auth.login_form")


def safe_next(target: str | None, *, prefix: str, default: str, forbidden_prefix: str | None = None) -> str:
    """`target` when it is a local path under `prefix`, else `default`: never an absolute or protocol-relative
    URL (open redirect), never a path that climbs out with `..`."""
    if not target or not isinstance(target, str) or len(target) > 2000:
        return default
    if any(c in target for c in "\\\r\n\t\x00") or target.startswith("//"):
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not parts.path.startswith(prefix) or ".." in parts.path.split("/"):
        return default
    if forbidden_prefix and parts.path.startswith(forbidden_prefix):
        return default
    return target


MAX_USERNAME = 64
MAX_PASSWORD = 256


def submit_login(login: Callable, form_page: Callable, problem_page: Callable, *, missing: str):
    """The login form's POST, for a region's staff and platform users alike: None once logged in, else the
    page to answer with (the same message for an unknown user and a wrong password)."""
    from app.services.accounts.login import BAD_LOGIN

    username = request.form.get("username", "").strip()
    password = request.form.get("password", "")
    if not username or not password:
        return form_page(missing, 422, username[:MAX_USERNAME])
    if len(username) > MAX_USERNAME or len(password) > MAX_PASSWORD:
        return form_page(BAD_LOGIN, 401)
    try:
        login(username, password)
    except Problem as exc:
        if exc.status == 401:
            return form_page(exc.detail, 401, username)
        return problem_page(exc)
    return None


_TITLES = {403: "Akses ditolak", 404: "Tidak ditemukan", 409: "Tidak dapat diproses", 422: "Isian tidak valid",
           429: "Terlalu banyak percobaan"}


def problem_page(exc: Problem, *, back: str | None = None, title: str | None = None):
    """The error page for a Problem (same status, Indonesian title); the failed unit of work is rolled back."""
    db.session.rollback()
    return render_template("error.html", status=exc.status, title=title or _TITLES.get(exc.status, "Tidak dapat "
                                                                                                    "diproses"),
                           message=exc.detail or exc.title, back=back), exc.status, exc.headers or {}


def html_problems(bp: Blueprint) -> None:
    """A page blueprint answers a service's Problem with an HTML page."""
    bp.register_error_handler(Problem, problem_page)


def no_store(bp: Blueprint, value: str = "no-store") -> None:
    """Pages (and personal figures) carry personal data and CSRF tokens: never cached."""

    @bp.after_request
    def _no_store(resp):
        resp.headers.setdefault("Cache-Control", value)
        return resp


def load_query(schema) -> tuple[dict, dict]:
    """Filters from the query string through an API schema: (values, errors). On invalid input the values are
    the schema's defaults and the errors are shown next to the filter fields."""
    try:
        return load_form(schema, request.args), {}
    except Problem as exc:
        return schema.load({}), form_errors(exc)


def can_write() -> bool:
    """The page shows forms and edit buttons only to a role that may write (a viewer sees none)."""
    return "training:write" in permissions_of(current_user)


def render(template: str, status: int = 200, **context):
    return render_template(template, can_write=can_write(), **context), status


def render_problem(template: str, exc: Problem, *, fields: tuple[str, ...] | None = None, **context):
    """The form again, with the problem's errors next to its fields; the failed unit of work is rolled back.
    With `fields` (the inputs the page shows), errors about anything else are shown above the form."""
    db.session.rollback()
    errors = form_errors(exc)
    if fields is not None:
        for name in [n for n in errors if n not in fields and n != FORM_LEVEL]:
            errors.setdefault(FORM_LEVEL, []).extend(errors.pop(name))
    return render(template, exc.status if exc.status >= 400 else 422, errors=errors, **context)

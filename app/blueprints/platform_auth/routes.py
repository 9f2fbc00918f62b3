"""Logging in for platform users (vendor, province, national): an HTML form at /login and a JSON API under
/api/v1/auth. Their sessions are not tenant sessions: app.auth never honours them under /t/<slug>/."""

from __future__ import annotations

import marshmallow as ma
from flask import flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user

from app.api import ADMIN_API_PREFIX
from app.authz import PUBLIC, policy
from app.blueprints.auth.schemas import LoginSchema
from app.blueprints.pages.access import page, safe_next, submit_login
from app.blueprints.pages.views import no_store
from app.blueprints.platform_auth import bp
from app.problems import Problem, field_errors
from app.services import auth as auth_service
from app.web import commit

no_store(bp)

PROVINCE_NAMES = {"35": "Jawa Timur", "15": "Jambi", "36": "Banten"}


def _user_view(principal) -> dict:
    return {"user_id": principal.user_id, "username": principal.username, "role": principal.role,
            "province_code": principal.province_code}


def _next_or_home(target: str | None) -> str:
    return safe_next(target, prefix="/", default="/", forbidden_prefix="/t/")


def _login_page(error: str | None = None, status: int = 200, username: str = "", headers: dict | None = None):
    return render_template("auth/login.html", error=error, username=username, next=request.values.get("next", ""),
                           action=url_for("platform_auth.login"), heading="Masuk ke platform",
                           place="Platform Kompeten (vendor, provinsi, nasional)",
                           login_hint="Nama pengguna"), status, headers or {}


def _problem_page(exc):
    headers = exc.headers if exc.status == 429 else {}
    return render_template("error.html", status=exc.status, title="Tidak dapat masuk", message=exc.detail,
                           back=url_for("platform_auth.login_form")), exc.status, headers


@bp.get("/login")
@policy(PUBLIC)
def login_form():
    if current_user.is_authenticated and current_user.kind == "platform":
        return redirect(_next_or_home(request.args.get("next")))
    return _login_page()


@bp.post("/login")
@policy(PUBLIC)
def login():
    refused = submit_login(auth_service.login_platform_user, _login_page, _problem_page,
                           missing="Isi nama pengguna dan kata sandi.")
    if refused is not None:
        return refused
    commit(None)
    return redirect(_next_or_home(request.form.get("next") or request.args.get("next")))


@bp.post("/logout")
@page("platform:self", kind="platform", login_endpoint="platform_auth.login_form")
def logout():
    auth_service.logout()
    commit(None)
    flash("Anda telah keluar.")
    return redirect(url_for("platform_auth.login_form"))


@bp.get("/")
@page("platform:self", kind="platform", login_endpoint="platform_auth.login_form")
def home():
    province = current_user.province_code
    return render_template("platform/home.html", user=current_user, province=province, place="Platform Kompeten",
                           province_name=PROVINCE_NAMES.get(province or ""),
                           admin_docs=url_for("admin-api-docs.openapi_redoc"), admin_api=ADMIN_API_PREFIX)


# --- JSON, for API clients ------------------------------------------------------------------------------


@bp.post("/api/v1/auth/login")
@policy(PUBLIC)
def api_login():
    """{username, password} → {user, csrf_token}; sets the platform session cookie."""
    body = request.get_json(silent=True)  # only application/json: a cross-site text/plain form cannot log in
    if not isinstance(body, dict):
        raise Problem(422, "Unprocessable Entity", "Kirim JSON {username, password}.",
                      errors=[{"field": "body", "reason": "Badan permintaan harus objek JSON."}])
    try:
        data = LoginSchema().load(body)
    except ma.ValidationError as exc:
        errors = field_errors(exc.messages)
        raise Problem(422, "Unprocessable Entity", "; ".join(f"{e['field']}: {e['reason']}" for e in errors),
                      errors=errors) from exc
    result = auth_service.login_platform_user(data["username"], data["password"])
    commit(None)
    return jsonify({"user": _user_view(result.principal), "csrf_token": result.csrf_token})


@bp.post("/api/v1/auth/logout")
@policy("platform:self")
def api_logout():
    auth_service.logout()
    commit(None)
    return "", 204


@bp.get("/api/v1/auth/whoami")
@policy("platform:self")
def api_whoami():
    return jsonify(_user_view(current_user))

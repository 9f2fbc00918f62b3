"""Logging in for platform users (vendor, province, national): the HTML form at /login (the JSON API is
accounts.api.platform_auth_api). Their sessions are not tenant sessions: app.auth never honours them under
/t/<slug>/."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user

from app.authz import PUBLIC, policy
from app.services.accounts import login as auth_service
from app.web.blueprints import page_blueprint
from app.web.pages import platform_page, problem_page, safe_next, submit_login
from app.web.responses import commit

bp = page_blueprint("platform_auth", __name__, tenant=False)

def _next_or_home(target: str | None) -> str:
    return safe_next(target, prefix="/", default="/", forbidden_prefix="/t/")


def _login_page(error: str | None = None, status: int = 200, username: str = "", headers: dict | None = None):
    return render_template("accounts/login.html", error=error, username=username, next=request.values.get("next", ""),
                           action=url_for("platform_auth.login"), heading="Masuk ke platform",
                           place="Platform Kompeten (vendor, provinsi, nasional)",
                           login_hint="Nama pengguna"), status, headers or {}


def _problem_page(exc):
    return problem_page(exc, back=url_for("platform_auth.login_form"))


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
@platform_page("platform:self")
def logout():
    auth_service.logout()
    commit(None)
    flash("Anda telah keluar.")
    return redirect(url_for("platform_auth.login_form"))

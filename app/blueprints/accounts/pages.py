"""A region's login pages (Bahasa Indonesia): log in, log out, set a password from a one-time link."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user

from app.authz import PUBLIC, policy
from app.domain.passwords import PasswordRejected
from app.problems import Problem
from app.services.accounts import login as auth_service
from app.tenancy import current_tenant
from app.web.blueprints import page_blueprint
from app.web.pages import page, problem_page, safe_next, submit_login
from app.web.responses import commit

bp = page_blueprint("pages", __name__)


def _home_path() -> str:
    return f"/t/{current_tenant().slug}/"


def _next_or_home(target: str | None) -> str:
    home = _home_path()
    return safe_next(target, prefix=home, default=home)


def _login_page(error: str | None = None, status: int = 200, username: str = "", headers: dict | None = None):
    return render_template("accounts/login.html", error=error, username=username,
                           next=request.values.get("next", ""), action=url_for("pages.login"),
                           heading="Masuk", place=current_tenant().name,
                           login_hint="Nama pengguna atau NIP"), status, headers or {}


def _problem_page(exc: Problem):
    return problem_page(exc, back=url_for("pages.login_form"))


@bp.get("/login")
@policy(PUBLIC)
def login_form():
    if current_user.is_authenticated and current_user.kind == "tenant":
        return redirect(_next_or_home(request.args.get("next")))
    return _login_page()


@bp.post("/login")
@policy(PUBLIC)
def login():
    refused = submit_login(auth_service.login_tenant_user, _login_page, _problem_page,
                           missing="Isi nama pengguna (atau NIP) dan kata sandi.")
    if refused is not None:
        return refused
    commit(None)
    return redirect(_next_or_home(request.form.get("next") or request.args.get("next")))


@bp.post("/logout")
@page("self")
def logout():
    auth_service.logout()
    commit(None)
    flash("Anda telah keluar.")
    return redirect(url_for("pages.login_form"))


def _set_password_page(token: str, error: str | None = None, status: int = 200):
    return render_template("accounts/set_password.html", error=error, place=current_tenant().name,
                           action=url_for("pages.set_password", token=token)), status


@bp.get("/set-password/<token>")
@policy(PUBLIC)
def set_password_form(token: str):
    return _set_password_page(token)


@bp.post("/set-password/<token>")
@policy(PUBLIC)
def set_password(token: str):
    from app.services.users.manage import set_password_with_token

    password = request.form.get("password", "")
    if password != request.form.get("password_again", ""):
        return _set_password_page(token, "Kedua kata sandi tidak sama.", 422)
    try:
        set_password_with_token(token, password)
    except PasswordRejected as exc:
        return _set_password_page(token, exc.message, 422)
    except Problem as exc:
        reasons = "; ".join(e.get("reason", "") for e in exc.errors or [] if e.get("reason"))
        return _set_password_page(token, reasons or exc.detail or exc.title, exc.status)
    commit(None)
    flash("Kata sandi tersimpan. Silakan masuk.")
    return redirect(url_for("pages.login_form"))

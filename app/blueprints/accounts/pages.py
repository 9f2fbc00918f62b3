"""The login pages (Bahasa Indonesia): a region's (/t/<slug>/login, logout, set a password from a one-time link)
and the platform's for vendor, province and national users (/login, logout). Platform sessions are not tenant
sessions: app.auth never honours them under /t/<slug>/. The JSON logins are in accounts.api."""

from __future__ import annotations

from collections.abc import Callable

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user

from app.authz import PUBLIC, policy
from app.domain.passwords import PasswordRejected
from app.problems import Problem
from app.services.accounts import login as auth_service
from app.tenancy import current_tenant
from app.web.blueprints import page_blueprint
from app.web.pages import page, platform_page, problem_page, safe_next, submit_login
from app.web.responses import commit

bp = page_blueprint("pages", __name__)
platform_bp = page_blueprint("platform_auth", __name__, tenant=False)


def login_routes(blueprint: Blueprint, *, kind: str, login: Callable, heading: str, place: Callable[[], str],
                 hint: str, missing: str, next_or_home: Callable[[str | None], str], logout_page: Callable) -> None:
    """GET/POST /login and POST /logout on `blueprint`, for the principals of `kind` that `login` logs in."""
    name = blueprint.name

    def login_page(error: str | None = None, status: int = 200, username: str = "", headers: dict | None = None):
        return render_template("accounts/login.html", error=error, username=username,
                               next=request.values.get("next", ""), action=url_for(f"{name}.login"),
                               heading=heading, place=place(), login_hint=hint), status, headers or {}

    def refused_page(exc: Problem):
        return problem_page(exc, back=url_for(f"{name}.login_form"))

    @blueprint.get("/login", endpoint="login_form")
    @policy(PUBLIC)
    def login_form():
        if current_user.is_authenticated and current_user.kind == kind:
            return redirect(next_or_home(request.args.get("next")))
        return login_page()

    @blueprint.post("/login", endpoint="login")
    @policy(PUBLIC)
    def submit():
        refused = submit_login(login, login_page, refused_page, missing=missing)
        if refused is not None:
            return refused
        commit(None)
        return redirect(next_or_home(request.form.get("next") or request.args.get("next")))

    @blueprint.post("/logout", endpoint="logout")
    @logout_page
    def logout():
        auth_service.logout()
        commit(None)
        flash("Anda telah keluar.")
        return redirect(url_for(f"{name}.login_form"))


def _region_home(target: str | None) -> str:
    home = f"/t/{current_tenant().slug}/"
    return safe_next(target, prefix=home, default=home)


login_routes(bp, kind="tenant", login=auth_service.login_tenant_user, heading="Masuk",
             place=lambda: current_tenant().name, hint="Nama pengguna atau NIP",
             missing="Isi nama pengguna (atau NIP) dan kata sandi.", next_or_home=_region_home,
             logout_page=page("self"))
login_routes(platform_bp, kind="platform", login=auth_service.login_platform_user, heading="Masuk ke platform",
             place=lambda: "Platform Kompeten (vendor, provinsi, nasional)", hint="Nama pengguna",
             missing="Isi nama pengguna dan kata sandi.",
             next_or_home=lambda target: safe_next(target, prefix="/", default="/", forbidden_prefix="/t/"),
             logout_page=platform_page("platform:self"))


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

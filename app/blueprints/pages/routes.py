"""A region's pages (Bahasa Indonesia): login, logout, set a password from a one-time link, and the dashboard."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user

from app.authz import PUBLIC, permissions_of, policy
from app.blueprints.pages import bp
from app.blueprints.pages.access import page, safe_next, submit_login
from app.blueprints.pages.views import no_store, opening_year, year_choices
from app.domain.passwords import PasswordRejected
from app.extensions import db
from app.forms import form_errors, load_form
from app.models.org import Opd
from app.problems import Problem
from app.services import auth as auth_service
from app.services import dashboard, enrolments, reports
from app.services import employees as employee_service
from app.services import jp as jp_service
from app.services.audit import WIB
from app.tenancy import current_tenant
from app.web import commit

no_store(bp)


def _home_path() -> str:
    return f"/t/{current_tenant().slug}/"


def _next_or_home(target: str | None) -> str:
    home = _home_path()
    return safe_next(target, prefix=home, default=home)


def _login_page(error: str | None = None, status: int = 200, username: str = "", headers: dict | None = None):
    return render_template("auth/login.html", error=error, username=username,
                           next=request.values.get("next", ""), action=url_for("pages.login"),
                           heading="Masuk", place=current_tenant().name,
                           login_hint="Nama pengguna atau NIP"), status, headers or {}


def _problem_page(exc: Problem):
    headers = exc.headers if exc.status == 429 else {}
    title = "Terlalu banyak percobaan" if exc.status == 429 else "Tidak dapat diproses"
    return render_template("error.html", status=exc.status, title=title, message=exc.detail or exc.title,
                           back=url_for("pages.login_form")), exc.status, headers


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
    return render_template("auth/set_password.html", error=error, place=current_tenant().name,
                           action=url_for("pages.set_password", token=token)), status


@bp.get("/set-password/<token>")
@policy(PUBLIC)
def set_password_form(token: str):
    return _set_password_page(token)


@bp.post("/set-password/<token>")
@policy(PUBLIC)
def set_password(token: str):
    from app.services.users import set_password_with_token  # written alongside this page (user admin)

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


@bp.get("/")
@page("self")
def home():
    """The dashboard: staff see the region's (or their OPDs') figures for a year (the latest with JP unless
    ?year= names one); an employee sees their own."""
    principal = current_user
    today = datetime.now(WIB).date()
    if principal.role == "employee":
        return _own_dashboard(principal, today)
    scope = []
    if principal.opd_ids:
        scope = db.session.execute(sa.select(Opd.name).where(Opd.id.in_(principal.opd_ids))
                                   .order_by(Opd.name)).scalars().all()
    year, errors = _dashboard_year()
    return render_template("home.html", user=principal, place=current_tenant().name, scope=scope,
                           summary=dashboard.staff_summary(today, year), years=[(y, y) for y in year_choices(year)],
                           this_year=today.year, errors=errors,
                           can_write="training:write" in permissions_of(principal),
                           docs=url_for("api-docs.openapi_redoc"))


def _dashboard_year() -> tuple[int, dict]:
    """?year= (checked as the reports check it), else the latest year with JP: (year, errors of the picker)."""
    from app.blueprints.reports.schemas import YearArgsSchema

    if request.args.get("year"):
        try:
            return load_form(YearArgsSchema(), {"year": request.args["year"]})["year"], {}
        except Problem as exc:
            return opening_year(reports.latest_jp_year), form_errors(exc)
    return opening_year(reports.latest_jp_year), {}


def _own_dashboard(principal, today):
    try:
        emp, opd_name = employee_service.linked_employee(principal.nip)
    except Problem as exc:
        return render_template("home_self.html", user=principal, place=current_tenant().name, person=None,
                               message=exc.detail)
    return render_template("home_self.html", user=principal, place=current_tenant().name,
                           person={"nip": emp.nip, "name": emp.name, "opd_name": opd_name},
                           jp=jp_service.jp_of(emp, today.year), trainings=enrolments.trainings_of(emp.id)[:5])

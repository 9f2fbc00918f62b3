"""The dashboards (Bahasa Indonesia): a region's home page (staff see the region's or their OPDs' figures, an employee
their own), and the platform's home page for vendor, province and national users."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from flask import render_template, request, url_for
from flask_login import current_user

from app.authz import permissions_of
from app.domain.dates import WIB
from app.extensions import db
from app.models.employees import Opd
from app.problems import Problem
from app.services.cohorts import enrolments
from app.services.employees import ledger as jp_service
from app.services.employees import records as employee_service
from app.services.home import dashboard
from app.services.reports import compliance
from app.tenancy import current_tenant
from app.web.api import ADMIN_API_PREFIX
from app.web.blueprints import page_blueprint
from app.web.filters import opening_year, year_choices
from app.web.forms import form_errors, load_form
from app.web.pages import page, platform_page

bp = page_blueprint("home", __name__)
platform_bp = page_blueprint("platform_home", __name__, tenant=False)

PROVINCE_NAMES = {"35": "Jawa Timur", "15": "Jambi", "36": "Banten"}


@bp.get("/")
@page("self")
def index():
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
    return render_template("home/staff.html", user=principal, place=current_tenant().name, scope=scope,
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
            return opening_year(compliance.latest_jp_year), form_errors(exc)
    return opening_year(compliance.latest_jp_year), {}


def _own_dashboard(principal, today):
    try:
        emp, opd_name = employee_service.linked_employee(principal.nip)
    except Problem as exc:
        return render_template("home/self.html", user=principal, place=current_tenant().name, person=None,
                               message=exc.detail)
    return render_template("home/self.html", user=principal, place=current_tenant().name,
                           person={"nip": emp.nip, "name": emp.name, "opd_name": opd_name},
                           jp=jp_service.jp_of(emp, today.year), trainings=enrolments.trainings_of(emp.id)[:5])


@platform_bp.get("/")
@platform_page("platform:self")
def platform_index():
    province = current_user.province_code
    return render_template("home/platform.html", user=current_user, province=province, place="Platform Kompeten",
                           province_name=PROVINCE_NAMES.get(province or ""),
                           admin_docs=url_for("admin-api-docs.openapi_redoc"), admin_api=ADMIN_API_PREFIX)

"""IP ASN pages: the region's competency report for a year (figures, per OPD, distribution as SVG bars, the people
one item away), the weights (admins edit a year's row), and one's own items (/saya/ipasn)."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user

from app.blueprints.ipasn.schemas import IpasnReportArgsSchema, IpasnWeightSchema
from app.models.employees import JABATAN_KINDS
from app.problems import Problem
from app.services.employees import records
from app.services.employees.opds import list_opds
from app.services.ipasn import report, settings
from app.services.ipasn.items import ITEM_LABELS
from app.services.reports.compliance import latest_jp_year
from app.services.scope import opd_in_scope
from app.web.blueprints import page_blueprint
from app.web.filters import opening_year, year_choices
from app.web.forms import form_errors, load_form
from app.web.pages import page, permissions_of
from app.web.responses import commit

bp = page_blueprint("ipasn_pages", __name__, "ipasn")
me_bp = page_blueprint("ipasn_me_pages", __name__, "saya/ipasn")
PEOPLE_SHOWN = 20
CHART_WIDTH, BAR_HEIGHT = 560, 18


def _distribution_chart(distribution: list[dict]) -> dict:
    top = max((d["people"] for d in distribution), default=0) or 1
    rows = [{"y": i * (BAR_HEIGHT + 4), "score": d["score"], "people": d["people"],
             "w": round((CHART_WIDTH - 160) * d["people"] / top, 1)} for i, d in enumerate(distribution)]
    return {"width": CHART_WIDTH, "height": max(len(rows), 1) * (BAR_HEIGHT + 4), "bar": BAR_HEIGHT, "rows": rows}


@bp.get("")
@page("training:read")
def report_page():
    query = dict(request.args)
    if not query.get("year"):
        query["year"] = str(opening_year(latest_jp_year))
    errors: dict = {}
    try:
        args = load_form(IpasnReportArgsSchema(), query)
    except Problem as exc:
        errors = form_errors(exc)
        args = IpasnReportArgsSchema().load({"year": opening_year(latest_jp_year)})
    year, opd_id = args["year"], args["opd_id"]
    data = report.region_report(year, opd_id=opd_id)
    one_away = report.people(year, opd_id=opd_id, one_away=True, limit=PEOPLE_SHOWN)
    opds = [(o.id, o.name) for o in list_opds(limit=200, offset=0).items if opd_in_scope(o.id)]
    extra = {"opd_id": opd_id} if opd_id else {}
    downloads = {f"{part}_{fmt}": url_for("ipasn.region_report", year=year, format=fmt, part=part, **extra)
                 for part in ("opds", "people") for fmt in ("xlsx", "csv")}
    downloads.update({f"one_away_{fmt}": url_for("ipasn.region_report", year=year, format=fmt, part="people",
                                                 one_away="true", **extra) for fmt in ("xlsx", "csv")})
    return render_template("ipasn/report.html", report=data, one_away=one_away, year=year, opd_id=opd_id,
                           years=[(y, y) for y in year_choices(year)], opds=opds, errors=errors,
                           chart=_distribution_chart(data["distribution"]), downloads=downloads,
                           weights=settings.weights_for(year), items=ITEM_LABELS)


def _can_manage() -> bool:
    return "org:manage" in permissions_of(current_user)


@bp.get("/bobot")
@page("training:read")
def weights_page():
    year = request.args.get("year", type=int) or opening_year(latest_jp_year)
    return render_template("ipasn/weights.html", year=year, weights=settings.weights_for(year),
                           rows=settings.list_weights(), exemptions=settings.list_exemptions(),
                           post_kinds=JABATAN_KINDS, errors={}, form={}, can_manage=_can_manage())


@bp.post("/bobot")
@page("org:manage")
def set_weights():
    form = request.form
    try:
        year = int(form.get("year", ""))
    except ValueError:
        year = 0
    post_kind = form.get("post_kind", "")
    try:
        data = load_form(IpasnWeightSchema(), {k: form.get(k) for k in ("leadership", "functional", "technical",
                                                                   "seminar", "source") if form.get(k)})
        row = settings.set_weights(year, post_kind, **data)
    except Problem as exc:
        if exc.status not in (409, 422):
            raise
        shown = year if 2000 <= year <= 2100 else opening_year(latest_jp_year)
        return render_template("ipasn/weights.html", year=shown, weights=settings.weights_for(shown),
                               rows=settings.list_weights(), exemptions=settings.list_exemptions(),
                               post_kinds=JABATAN_KINDS, errors=form_errors(exc), form=form,
                               can_manage=True), exc.status
    commit(row)
    flash(f"Bobot {post_kind} mulai {year} disimpan (jumlah {row['total']}).")
    return redirect(url_for("ipasn_pages.weights_page", year=year), code=303)


@me_bp.get("")
@page("self")
def my_items():
    emp, opd_name = records.linked_employee(current_user.nip)
    year = request.args.get("year", type=int) or opening_year(lambda up_to: up_to)
    if not 2000 <= year <= 2100:
        raise Problem.invalid("Tahun tidak valid.", field="year", reason="harus antara 2000 dan 2100")
    person = report.person_items(emp, year, scoped=False)
    return render_template("ipasn/me.html", person=person, year=year, years=[(y, y) for y in year_choices(year)],
                           items=ITEM_LABELS, name=emp.name)

"""The reports page: 20 JP compliance per OPD for a year (table, server-rendered SVG bars, overall figures),
the people furthest below 20 JP, and the training recap; downloads go to the report API's CSV/XLSX."""

from __future__ import annotations

from flask import render_template, request, url_for

from app.problems import Problem
from app.services.employees.opds import list_opds
from app.services.reports import compliance as service
from app.services.scope import opd_in_scope
from app.web.blueprints import page_blueprint
from app.web.filters import opening_year, year_choices
from app.web.forms import form_errors, load_form
from app.web.pages import page

bp = page_blueprint("report_pages", __name__, "laporan")

CHART_WIDTH = 640
LABEL_WIDTH = 250
BAR_HEIGHT = 20
PEOPLE_SHOWN = 20


def _chart(groups) -> dict:
    """Horizontal bars: each OPD's share of active ASN meeting 20 JP (0-100 %), highest first."""
    scale = CHART_WIDTH - LABEL_WIDTH - 60
    ranked = sorted(groups, key=lambda g: (-(g.share_pct or 0.0), g.opd_name or ""))
    rows = [{"y": i * (BAR_HEIGHT + 6), "name": g.opd_name or "(tanpa OPD)", "value": float(g.share_pct or 0),
             "w": round(scale * (g.share_pct or 0) / 100, 1), "label": f"{g.compliant}/{g.active_employees}"}
            for i, g in enumerate(ranked)]
    return {"width": CHART_WIDTH, "height": max(len(rows), 1) * (BAR_HEIGHT + 6), "label": LABEL_WIDTH,
            "bar": BAR_HEIGHT, "rows": rows, "scale": scale}


def _downloads(year: int, opd_id: int | None) -> dict:
    """Links to the report API (same session): the per-OPD summary, the people list and the recap."""
    extra = {"opd_id": opd_id} if opd_id else {}
    out = {}
    for fmt in ("xlsx", "csv"):
        out[f"opds_{fmt}"] = url_for("reports.jp_compliance", year=year, format=fmt, part="opds", **extra)
        out[f"people_{fmt}"] = url_for("reports.jp_compliance", year=year, format=fmt, **extra)
        out[f"below_{fmt}"] = url_for("reports.jp_compliance", year=year, format=fmt, below_only="true", **extra)
        out[f"recap_{fmt}"] = url_for("reports.training_recap", year=year, format=fmt)
    return out


@bp.get("")
@page("training:read")
def compliance():
    from app.blueprints.reports.schemas import ComplianceArgsSchema

    query = dict(request.args)
    if not query.get("year"):
        query["year"] = str(opening_year(service.latest_jp_year))
    errors: dict = {}
    try:
        args = load_form(ComplianceArgsSchema(), query)
    except Problem as exc:
        errors = form_errors(exc)
        args = ComplianceArgsSchema().load({"year": opening_year(service.latest_jp_year)})
    year, opd_id = args["year"], args["opd_id"]
    report = service.jp_compliance(year, opd_id=opd_id, below_only=True, limit=PEOPLE_SHOWN)
    recap = service.training_recap(year)
    opds = [(o.id, o.name) for o in list_opds(limit=200, offset=0).items if opd_in_scope(o.id)]
    return render_template("reports/compliance.html", report=report, recap=recap, year=year, opd_id=opd_id,
                           years=[(y, y) for y in year_choices(year)], opds=opds, chart=_chart(report.opds),
                           errors=errors, downloads=_downloads(year, opd_id), filters=query)

"""GET /p/<province_code>/ and GET /national/: the rollup of a year, with a year selector, a table, charts and
links to the CSV/XLSX downloads."""
# Rollup pages for province and national users (Bahasa Indonesia): tenants side by side, totals, and charts
# drawn as inline SVG on the server (the CSP allows no script or external style).

from __future__ import annotations

from flask import render_template, request, url_for
from flask_login import current_user

from app.services.rollups import read
from app.web.blueprints import page_blueprint
from app.web.filters import opening_year, year_choices
from app.web.pages import platform_page

bp = page_blueprint("rollups_pages", __name__, tenant=False, cache_control="private, no-store")

CHART_WIDTH = 640
BAR_HEIGHT = 22
LABEL_WIDTH = 190


def _year(latest_with_data) -> int:
    """?year=, else the latest year with data in scope (the same rule as a region's pages)."""
    raw = request.args.get("year")
    return read.parse_year(raw) if raw else opening_year(latest_with_data)


def _trend_chart(trend: list[dict]) -> dict:
    """Vertical bars: people trained per year."""
    height, top, bottom = 180, 20, 30
    n = max(len(trend), 1)
    step = (CHART_WIDTH - 20) / n
    peak = max((t["people_trained"] for t in trend), default=0) or 1
    bars = []
    for i, t in enumerate(trend):
        h = (height - top - bottom) * t["people_trained"] / peak
        bars.append({"x": round(10 + i * step + step * 0.15, 1), "w": round(step * 0.7, 1),
                     "y": round(height - bottom - h, 1), "h": round(h, 1), "cx": round(10 + i * step + step / 2, 1),
                     "year": t["year"], "value": t["people_trained"], "share": t["share_meeting_20jp"]})
    return {"width": CHART_WIDTH, "height": height, "base": height - bottom, "bars": bars}


def _ranked_chart(tenants: list[dict]) -> dict:
    """Horizontal bars: tenants ranked by the share of ASN meeting 20 JP (0-100 %)."""
    scale = CHART_WIDTH - LABEL_WIDTH - 60
    ranked = sorted((t for t in tenants if t["figures"]["share_meeting_20jp"] is not None),
                    key=lambda t: (-t["figures"]["share_meeting_20jp"], t["name"]))
    rows = [{"y": i * (BAR_HEIGHT + 6), "name": t["name"], "value": t["figures"]["share_meeting_20jp"],
             "w": round(scale * t["figures"]["share_meeting_20jp"] / 100, 1), "stale": t["stale"]}
            for i, t in enumerate(ranked)]
    return {"width": CHART_WIDTH, "height": max(len(rows), 1) * (BAR_HEIGHT + 6), "label": LABEL_WIDTH,
            "bar": BAR_HEIGHT, "rows": rows}


def _target_chart(tenants: list[dict]) -> dict:
    """Pairs of horizontal bars: the tenant's target of people and the people trained."""
    scale = CHART_WIDTH - LABEL_WIDTH - 70
    with_target = [t for t in tenants if t["figures"]["target_people"] is not None]
    peak = max((max(t["figures"]["target_people"], t["figures"]["people_trained"]) for t in with_target),
               default=0) or 1
    half = BAR_HEIGHT // 2
    rows = [{"y": i * (BAR_HEIGHT + 12), "name": t["name"], "target": t["figures"]["target_people"],
             "achieved": t["figures"]["people_trained"], "pct": t["figures"]["achieved_vs_target"],
             "tw": round(scale * t["figures"]["target_people"] / peak, 1),
             "aw": round(scale * t["figures"]["people_trained"] / peak, 1)}
            for i, t in enumerate(with_target)]
    return {"width": CHART_WIDTH, "height": max(len(rows), 1) * (BAR_HEIGHT + 12), "label": LABEL_WIDTH,
            "half": half, "rows": rows}


def _render(rollup: dict, *, heading: str, json_url: str):
    return render_template(
        "rollups/rollup.html", rollup=rollup, heading=heading, years=year_choices(rollup["year"]),
        csv_url=f"{json_url}?year={rollup['year']}&format=csv",
        xlsx_url=f"{json_url}?year={rollup['year']}&format=xlsx",
        trend=_trend_chart(rollup["trend"]), ranked=_ranked_chart(rollup["tenants"]),
        targets=_target_chart(rollup["tenants"]), place="Platform Kompeten", user=current_user)


@bp.get("/p/<province_code>/")
@platform_page("rollups:province")
def province_page(province_code: str):
    read.check_province(current_user, province_code)
    year = _year(lambda up_to: read.latest_year(province_code, up_to))
    rollup = read.province_rollup(current_user, province_code, year)
    name = rollup["province_name"] or province_code
    return _render(rollup, heading=f"Rekap Provinsi {name}",
                   json_url=url_for("rollups_api.province_rollup", province_code=province_code))


@bp.get("/p/<province_code>/wilayah/<slug>/")
@platform_page("rollups:province")
def region_page(province_code: str, slug: str):
    """A region's year by OPD kind and jabatan kind (aggregates only, small cells suppressed)."""
    year = read.parse_year(request.args.get("year"))
    breakdown = read.region_breakdown(current_user, province_code, slug, year)
    return render_template("rollups/region.html", b=breakdown, years=year_choices(year),
                           back=url_for("rollups_pages.province_page", province_code=province_code, year=year),
                           place="Platform Kompeten", user=current_user)


@bp.get("/national/")
@platform_page("rollups:national")
def national_page():
    year = _year(lambda up_to: read.latest_year(None, up_to))
    return _render(read.national_rollup(year), heading="Rekap Nasional",
                   json_url=url_for("rollups_api.national_rollup"))

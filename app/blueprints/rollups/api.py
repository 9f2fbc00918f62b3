"""Rollups as JSON (and CSV/XLSX) for platform users: a province's regions, or the nation's, and a region's
drill-down. Platform routes, not tenant routes: they read only the platform tables (app.services.rollups.read).
The JSON answers are sent as cached (per scope and year, until the next refresh)."""

from __future__ import annotations

from flask import Response
from flask_login import current_user

from app.authz import policy
from app.blueprints.rollups.schemas import BreakdownSchema, RollupArgsSchema, RollupSchema, YearArgsSchema
from app.services.rollups import read
from app.web.blueprints import platform_api_blueprint
from app.web.pages import no_store
from app.web.responses import downloadable, send_table

blp = platform_api_blueprint("rollups_api", __name__, "Province and national rollups (aggregates only).")
no_store(blp, "private, no-store")


def _answer(body: bytes, fmt: str, name_parts: list):
    if fmt == "json":
        return Response(body, mimetype="application/json")
    rollup = read.decode(body)
    return send_table(fmt, read.TABLE_COLUMNS, read.table_rows(rollup), name_parts=name_parts,
                      title=f"Rekap {rollup['year']}")


@blp.get("/p/<province_code>/api/v1/rollups")
@policy("rollups:province")
@blp.arguments(RollupArgsSchema, location="query")
@blp.response(200, RollupSchema)
@downloadable(blp)
def province_rollup(args, province_code: str):
    """A province's regions side by side (every visible region, zeros where nothing happened), their total and
    the trend over contiguous years (province users of that province, national)."""
    year = read.parse_year(args.get("year"))
    body = read.province_rollup_json(current_user, province_code, year)
    return _answer(body, args["format"], ["rekap", "provinsi", province_code, year])


@blp.get("/p/<province_code>/api/v1/rollups/regions/<slug>")
@policy("rollups:province")
@blp.arguments(YearArgsSchema, location="query")
@blp.response(200, BreakdownSchema)
def region_breakdown(args, province_code: str, slug: str):
    """One region's year by OPD kind and by jabatan kind: counts only, cells of fewer than 5 people suppressed."""
    year = read.parse_year(args.get("year"))
    return read.region_breakdown(current_user, province_code, slug, year)


@blp.get("/national/api/v1/rollups")
@policy("rollups:national")
@blp.arguments(RollupArgsSchema, location="query")
@blp.response(200, RollupSchema)
@downloadable(blp)
def national_rollup(args):
    """Every region, each province's total, the national total and the trend (national users)."""
    year = read.parse_year(args.get("year"))
    return _answer(read.national_rollup_json(year), args["format"], ["rekap", "nasional", year])

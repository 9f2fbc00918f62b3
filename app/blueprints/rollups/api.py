"""Rollups as JSON (and CSV/XLSX) for platform users: a province's regions, or the nation's. Platform routes, not
tenant routes: they read only the platform summary table (app.services.rollups.read)."""

from __future__ import annotations

import json
from datetime import datetime

from flask import Response
from flask_login import current_user

from app.authz import policy
from app.blueprints.rollups.schemas import RollupArgsSchema, RollupSchema
from app.services.rollups import read
from app.web.blueprints import platform_api_blueprint
from app.web.pages import no_store
from app.web.responses import downloadable, send_table

blp = platform_api_blueprint("rollups_api", __name__, "Province and national rollups (aggregates only).")
no_store(blp, "private, no-store")


def _iso(value):
    """json.dumps calls this only for what it cannot write itself: datetimes, as ISO 8601."""
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def _answer(rollup: dict, fmt: str, name_parts: list):
    if fmt == "json":
        return Response(json.dumps(rollup, default=_iso, ensure_ascii=False), mimetype="application/json")
    return send_table(fmt, read.TABLE_COLUMNS, read.table_rows(rollup), name_parts=name_parts,
                      title=f"Rekap {rollup['year']}")


@blp.get("/p/<province_code>/api/v1/rollups")
@policy("rollups:province")
@blp.arguments(RollupArgsSchema, location="query")
@blp.response(200, RollupSchema)
@downloadable(blp)
def province_rollup(args, province_code: str):
    """A province's regions side by side, their total and the trend (province users of that province, national)."""
    year = read.parse_year(args.get("year"))
    rollup = read.province_rollup(current_user, province_code, year)
    return _answer(rollup, args["format"], ["rekap", "provinsi", province_code, year])


@blp.get("/national/api/v1/rollups")
@policy("rollups:national")
@blp.arguments(RollupArgsSchema, location="query")
@blp.response(200, RollupSchema)
@downloadable(blp)
def national_rollup(args):
    """Every region, each province's total, the national total and the trend (national users)."""
    year = read.parse_year(args.get("year"))
    return _answer(read.national_rollup(year), args["format"], ["rekap", "nasional", year])

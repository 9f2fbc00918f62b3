"""GET /p/<province_code>/api/v1/rollups and GET /national/api/v1/rollups (?year=, ?format=csv|xlsx)."""

from __future__ import annotations

import json
from datetime import datetime

from flask import Response, request
from flask_login import current_user

from app.authz import policy
from app.blueprints.pages.views import no_store
from app.blueprints.rollups_api import bp
from app.inputs import check_query
from app.problems import Problem
from app.services.rollups import read
from app.web import send_table

no_store(bp, "private, no-store")
FORMATS = ("csv", "xlsx")
QUERY = ("year", "format")


def _iso(value):
    """json.dumps calls this only for what it cannot write itself: datetimes, as ISO 8601."""
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def _answer(rollup: dict, name_parts: list):
    fmt = request.args.get("format")
    if fmt in (None, "", "json"):
        return Response(json.dumps(rollup, default=_iso, ensure_ascii=False), mimetype="application/json")
    if fmt not in FORMATS:
        raise Problem(422, "Unprocessable Content", "Format harus csv atau xlsx.",
                      errors=[{"field": "format", "reason": "invalid"}])
    return send_table(fmt, read.TABLE_COLUMNS, read.table_rows(rollup), name_parts=name_parts,
                      title=f"Rekap {rollup['year']}")


@bp.get("/p/<province_code>/api/v1/rollups")
@policy("rollups:province")
def province_rollup(province_code: str):
    check_query(request.args, QUERY)
    year = read.parse_year(request.args.get("year"))
    rollup = read.province_rollup(current_user, province_code, year)
    return _answer(rollup, ["rekap", "provinsi", province_code, year])


@bp.get("/national/api/v1/rollups")
@policy("rollups:national")
def national_rollup():
    check_query(request.args, QUERY)
    year = read.parse_year(request.args.get("year"))
    return _answer(read.national_rollup(year), ["rekap", "nasional", year])

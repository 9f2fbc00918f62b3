"""Small helpers every page blueprint shares: a Problem raised by a service becomes an HTML error page (not
problem+json), query strings are parsed with the API's schemas, lists get a pager, years and times are in WIB."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from urllib.parse import urlencode

from flask import Blueprint, render_template, request

from app.forms import form_errors, load_form
from app.problems import Problem
from app.services.audit import WIB
from app.tenancy import current_tenant_or_none

PAGE_SIZE = 25
# An enrolment's status as every page shows it (the API keeps the codes).
ENROLMENT_STATUS_LABELS = {"registered": "Terdaftar", "attending": "Mengikuti", "passed": "Lulus",
                           "failed": "Tidak lulus", "withdrawn": "Mengundurkan diri"}
ROLE_LABELS = {"admin": "Admin", "operator": "Operator", "viewer": "Peninjau (hanya baca)", "employee": "Pegawai"}
IMPORT_STATE_LABELS = {"queued": "Menunggu antrean", "validating": "Memeriksa baris", "importing": "Menulis data",
                       "done": "Selesai", "failed": "Gagal", "cancelled": "Dibatalkan"}
JP_SOURCE_LABELS = {"cohort": "Angkatan", "elearning": "E-learning", "other": "Lainnya"}
_TITLES = {403: "Akses ditolak", 404: "Tidak ditemukan", 409: "Tidak dapat diproses", 422: "Isian tidak valid"}


def problem_page(exc: Problem):
    """The error page for a Problem (same status, Indonesian title); the failed unit of work is rolled back."""
    from app.extensions import db

    db.session.rollback()
    title = _TITLES.get(exc.status, "Tidak dapat diproses")
    return render_template("error.html", status=exc.status, title=title,
                           message=exc.detail or exc.title), exc.status, exc.headers or {}


def html_problems(bp: Blueprint) -> None:
    """A page blueprint answers a service's Problem with an HTML page."""
    bp.register_error_handler(Problem, problem_page)


def no_store(bp: Blueprint, value: str = "no-store") -> None:
    """Pages (and personal figures) carry personal data and CSRF tokens: never cached."""

    @bp.after_request
    def _no_store(resp):
        resp.headers.setdefault("Cache-Control", value)
        return resp


def load_query(schema) -> tuple[dict, dict]:
    """Filters from the query string through an API schema: (values, errors). On invalid input the values are
    the schema's defaults and the errors are shown next to the filter fields."""
    try:
        return load_form(schema, request.args), {}
    except Problem as exc:
        return schema.load({}), form_errors(exc)


def this_year() -> int:
    return datetime.now(WIB).year


FIRST_YEAR = 2017  # the year pickers reach back to the oldest records the regions brought (Kab. Tuban's 2017)


def opening_year(latest_with_data: Callable[[int], int | None]) -> int:
    """The year a page opens on when its address names none: the latest year, up to this one, in which JP was
    earned (`latest_with_data(this_year)`), so the first screen shows figures, not zeros; this year when none."""
    now = this_year()
    return latest_with_data(now) or now


def year_choices(selected: int) -> list[int]:
    """The years of a year picker, newest first: from this year (or the selected one) back to FIRST_YEAR."""
    return list(range(max(this_year(), selected), min(FIRST_YEAR, selected) - 1, -1))


def offset_arg(args) -> int:
    """`?offset=` of a list page: a whole number from 0, anything else is the first page."""
    value = args.get("offset", "0")
    return int(value) if isinstance(value, str) and value.isdigit() and len(value) <= 8 else 0


def pager(total: int, limit: int, offset: int, endpoint_args: dict | None = None) -> dict | None:
    """Previous/next links that keep the current filters; None when the page answers a form (POST)."""
    if request.method != "GET":
        return None
    args = {k: v for k, v in (endpoint_args if endpoint_args is not None else request.args).items()
            if k != "offset" and v not in (None, "")}

    def link(new_offset: int) -> str:
        return f"{request.path}?{urlencode({**args, 'offset': new_offset})}"

    return {"total": total, "first": offset + 1 if total else 0, "last": min(offset + limit, total),
            "prev": link(max(offset - limit, 0)) if offset > 0 else None,
            "next": link(offset + limit) if offset + limit < total else None}


def register(app) -> None:
    app.context_processor(lambda: {"place": _place()})
    app.jinja_env.globals["ENROLMENT_STATUS_LABELS"] = ENROLMENT_STATUS_LABELS
    app.jinja_env.globals["ROLE_LABELS"] = ROLE_LABELS
    app.jinja_env.globals["IMPORT_STATE_LABELS"] = IMPORT_STATE_LABELS
    app.jinja_env.globals["JP_SOURCE_LABELS"] = JP_SOURCE_LABELS
    # The one set of filters for every page a person reads, the province and national ones included.
    app.jinja_env.filters["wib"] = wib
    app.jinja_env.filters["tanggal"] = tanggal
    app.jinja_env.filters["angka"] = angka
    app.jinja_env.filters["persen"] = persen


def _place() -> str | None:
    """The region's name in the header of every page of a region (a view may pass its own `place`)."""
    tenant = current_tenant_or_none()
    return tenant.name if tenant else None


def wib(value) -> str:
    """A timestamp in Western Indonesia Time: 09-03-2024 14:05 WIB (a naive one is taken as UTC)."""
    if not value:
        return "–"
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(WIB).strftime("%d-%m-%Y %H:%M") + " WIB"


def tanggal(value) -> str:
    """A date: 09-03-2024."""
    return value.strftime("%d-%m-%Y") if value else "–"


def angka(value) -> str:
    """1.234 (Indonesian thousands separator); a share or average (float) with a decimal comma and one digit
    (27,3); a Decimal (a score, JP) with the digits it has (75,29; 812,5; 812.00 as 812)."""
    if value is None:
        return "–"
    if isinstance(value, Decimal):
        if value == value.to_integral_value():
            value = int(value)
        else:
            return _indonesian(f"{value.normalize():,f}")
    if isinstance(value, float):
        return _indonesian(f"{value:,.1f}")
    return f"{value:,}".replace(",", ".")


def _indonesian(formatted: str) -> str:
    """1,234.5 → 1.234,5"""
    return formatted.replace(",", "x").replace(".", ",").replace("x", ".")


def persen(value) -> str:
    """A share in per cent: 32,5%."""
    return "–" if value is None else f"{angka(float(value))}%"

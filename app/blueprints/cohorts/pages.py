"""Cohort pages (/angkatan): the list with filters, a new cohort with its phases, a cohort's page with the phase
timeline, and editing a cohort and its phases. Same services and schemas as the API (app.services.cohorts.schedule)."""

from __future__ import annotations

from datetime import date

from flask import redirect, request, url_for

from app.authz import opd_scope
from app.blueprints.cohorts import timeline
from app.blueprints.cohorts.schemas import CohortCreateSchema, CohortPhasesSchema, CohortUpdateSchema
from app.problems import Problem
from app.services.catalogue import programs as catalogue
from app.services.cohorts import schedule as cohorts
from app.services.reconciliation import runs as reconciliation
from app.web.blueprints import page_blueprint
from app.web.forms import ints, load_form
from app.web.pages import page, render, render_problem
from app.web.paging import page_args, pager
from app.web.responses import commit

bp = page_blueprint("cohort_pages", __name__)
PAGE_SIZE = 50
TIMINGS = ("upcoming", "running", "finished")


COHORT_INTS = ("program_id", "year", "partner_id", "quota")
PHASE_FIELDS = ("id", "name", "start_date", "end_date", "graded")
EMPTY_ROWS = 3  # blank phase rows a form offers (no script needed); "add rows" adds as many again
MAX_ROWS = 50


def _choices(*, active_only: bool = False) -> dict:
    """Programs and partners for selects; a new cohort is offered active programs only."""
    programs = catalogue.list_programs(active=True if active_only else None, limit=500, offset=0, sort="code").items
    partners = catalogue.list_partners(limit=500, offset=0, sort="code").items
    return {"programs": programs, "partners": partners,
            "program_options": [(p["id"], f"{p['code']} — {p['name']} ({p['jp']} JP)") for p in programs],
            "partner_options": [(m.id, f"{m.name} ({m.code})") for m in partners]}


def _digits(name: str) -> int | None:
    value = (request.args.get(name) or "").strip()
    return int(value) if value.isdigit() and len(value) < 10 else None


@bp.get("/angkatan")
@page("training:read")
def list_cohorts():
    timing = request.args.get("status") if request.args.get("status") in TIMINGS else None
    filters = {"year": _digits("tahun"), "program_id": _digits("program"), "timing": timing}
    if filters["year"] is not None and not 1990 <= filters["year"] <= 2100:
        filters["year"] = None
    result = cohorts.list_cohorts(**filters, limit=PAGE_SIZE, **page_args(request.args), sort="-year")
    return render("cohorts/list.html", cohorts=result, filters=filters,
                  pager=pager(result), **_choices())


# --- the phase rows of a form -------------------------------------------------------------------------------


def _phase_rows(form) -> list[dict]:
    """The phase rows a form sent (`phases.<i>.<field>`), blank rows dropped, in their order."""
    try:
        count = min(int(form.get("phase_rows", "0")), MAX_ROWS * 2)
    except ValueError:
        count = 0
    rows = []
    for i in range(count):
        row = {f: (form.get(f"phases.{i}.{f}") or "").strip() for f in PHASE_FIELDS}
        if row["name"] or row["start_date"] or row["end_date"]:
            rows.append(row)
    return rows


def _for_schema(rows: list[dict], *, with_id: bool) -> list[dict]:
    out = []
    for row in rows:
        item = {k: v for k, v in row.items() if v != "" and k != "id"}
        if with_id and row.get("id", "").isdigit():
            item["id"] = int(row["id"])
        out.append(item)
    return out


def _padded(rows: list[dict], extra: int = EMPTY_ROWS) -> list[dict]:
    blank = dict.fromkeys(PHASE_FIELDS, "")
    return rows + [dict(blank) for _ in range(max(0, min(extra, MAX_ROWS - len(rows))))]


# --- a new cohort -------------------------------------------------------------------------------------------


def _cohort_form(cohort: dict | None, form, rows: list[dict], errors=None, status: int = 200):
    return render("cohorts/form.html", status, cohort=cohort, form=form, phase_rows=rows, errors=errors or {},
                  **_choices(active_only=cohort is None))


@bp.get("/angkatan/baru")
@page("training:write")
def new_cohort():
    form = {"year": str(date.today().year), "mode": "klasikal", "program_id": request.args.get("program", "")}
    return _cohort_form(None, form, _padded([]))


@bp.post("/angkatan/baru")
@page("training:write")
def create_cohort():
    rows = _phase_rows(request.form)
    if request.form.get("add_rows"):
        return _cohort_form(None, request.form, _padded(rows, EMPTY_ROWS + 3 if not rows else EMPTY_ROWS))
    data = ints(request.form, *COHORT_INTS)
    data.pop("phase_rows", None)
    for key in [k for k in data if k.startswith("phases.")]:
        del data[key]
    data["phases"] = _for_schema(rows, with_id=False)
    try:
        cohort = cohorts.create_cohort(**load_form(CohortCreateSchema(), data))
    except Problem as exc:
        return render_problem("cohorts/form.html", exc, cohort=None, form=request.form, phase_rows=_padded(rows, 1),
                              **_choices(active_only=True))
    commit(cohort)
    return redirect(url_for("cohort_pages.show_cohort", cohort_id=cohort["id"]), code=303)


# --- a cohort's page ----------------------------------------------------------------------------------------


@bp.get("/angkatan/<int:cohort_id>")
@page("training:read")
def show_cohort(cohort_id: int):
    cohort = cohorts.cohort_detail(cohort_id)
    picture = timeline.build(cohort["phases"], cohort["start_date"], cohort["end_date"], date.today())
    # A partner's report spans every OPD: operators limited to some OPDs see no reconciliation (as in its API).
    unscoped = opd_scope() is None
    return render("cohorts/show.html", cohort=cohort, timeline=picture, tab="ringkasan", cohort_id=cohort_id,
                  show_reconciliation=unscoped,
                  recon=reconciliation.cohort_reconciliation_state(cohort_id) if unscoped else None)


# --- editing a cohort and its phases ------------------------------------------------------------------------


def _existing_rows(cohort: dict) -> list[dict]:
    return [{"id": str(p.id), "name": p.name, "start_date": p.start_date.isoformat(),
             "end_date": p.end_date.isoformat(), "graded": "1" if p.graded else ""} for p in cohort["phases"]]


@bp.get("/angkatan/<int:cohort_id>/ubah")
@page("training:write")
def edit_cohort(cohort_id: int):
    cohort = cohorts.cohort_detail(cohort_id)
    form = {key: cohort[key] for key in ("mode", "quota", "partner_id", "start_date", "end_date")}
    return _cohort_form(cohort, form, _padded(_existing_rows(cohort), 2))


@bp.post("/angkatan/<int:cohort_id>/ubah")
@page("training:write")
def update_cohort(cohort_id: int):
    """The cohort's own fields (PATCH), then its phase list (PUT phases), in one unit of work."""
    cohort = cohorts.cohort_detail(cohort_id)
    rows = _phase_rows(request.form)
    if request.form.get("add_rows"):
        return _cohort_form(cohort, request.form, _padded(rows))
    data = {k: v for k, v in ints(request.form, *COHORT_INTS).items() if k in CohortUpdateSchema().fields}
    try:
        if "phase_rows" not in request.form:  # not this page's form: never read as "remove every phase"
            raise Problem.invalid("Formulir tidak lengkap; muat ulang halaman.")
        changes = load_form(CohortUpdateSchema(), data)
        for blank_means_none in ("quota", "partner_id"):  # emptied on purpose: no quota, the region itself
            if blank_means_none in request.form and not request.form[blank_means_none].strip():
                changes[blank_means_none] = None
        cohorts.update_cohort(cohort_id, **changes)
        phases = load_form(CohortPhasesSchema(), {"phases": _for_schema(rows, with_id=True)})["phases"]
        updated = cohorts.replace_phases(cohort_id, phases)
    except Problem as exc:
        return render_problem("cohorts/form.html", exc, cohort=cohort, form=request.form,
                              phase_rows=_padded(rows, 1), **_choices())
    commit(updated)
    return redirect(url_for("cohort_pages.show_cohort", cohort_id=cohort_id), code=303)

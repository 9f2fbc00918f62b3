"""Planning pages under /perencanaan: the needs rounds, a round's needs (form, XLSX template and upload, BKPSDM's
decisions, closing), and the year's plan (figures per program and OPD, building from needs, pagu and planned
cohorts, a cohort from a line, cohort costs, the XLSX). Thin: the API's schemas and the same services."""

from __future__ import annotations

import re

import marshmallow as ma
import sqlalchemy as sa
from flask import redirect, request, url_for

from app.blueprints.planning.schemas import (
    BudgetSchema,
    DecisionSchema,
    LineCohortCreateSchema,
    NeedCreateSchema,
    NeedListArgsSchema,
    PlanLineUpdateSchema,
    RoundCreateSchema,
)
from app.extensions import db
from app.models.catalogue import Program
from app.problems import Problem
from app.services.employees import opds as opd_service
from app.services.planning import needs, needs_sheet, plan
from app.services.scope import current_scope, opd_in_scope
from app.web.blueprints import page_blueprint
from app.web.forms import form_errors, load_form
from app.web.pages import load_query, page, render
from app.web.paging import PAGE_SIZE, page_args, pager
from app.web.responses import commit, send_table

bp = page_blueprint("planning_pages", __name__, "perencanaan")


_WHOLE = re.compile(r"-?\d{1,15}")


def _load(schema) -> dict:
    """A form through the API's schema: whole-number inputs become integers first (the API's integers are
    strict), so a 422 names the field exactly as the API's does."""
    form = {}
    for key in request.form:
        value = request.form.get(key, "").strip()
        field = schema.fields.get(key)
        if isinstance(field, ma.fields.Integer) and _WHOLE.fullmatch(value):
            value = int(value)
        form[key] = value
    return load_form(schema, form)


def _programs() -> list[tuple[int, str]]:
    return [(p.id, f"{p.code} · {p.name}") for p in db.session.execute(
        sa.select(Program).where(Program.active).order_by(Program.code)).scalars()]


def _opds() -> list[tuple[int, str]]:
    return [(o.id, o.name) for o in opd_service.list_opds(limit=500, offset=0, active=True).items
            if opd_in_scope(o.id)]


@bp.get("")
@page("training:read")
def index(errors=None, form=None, status=200):
    return render("planning/index.html", status, rounds=needs.list_rounds(), bkpsdm=current_scope() is None,
                  errors=errors or {}, form=form or {})


@bp.post("/putaran")
@page("training:write")
def open_round():
    try:
        data = _load(RoundCreateSchema())
        out = commit(needs.open_round(**data))
    except Problem as exc:
        db.session.rollback()
        return index(errors=form_errors(exc), form=request.form, status=exc.status)
    return redirect(url_for("planning_pages.needs_page", year=out["year"]), code=303)


def _needs_page(year: int, *, errors=None, form=None, status=200, upload_rows=None, upload_errors=None):
    r = needs.get_round(year)
    args, filter_errors = load_query(NeedListArgsSchema())
    args.update(limit=PAGE_SIZE * 4, **page_args(request.args))
    listing = needs.list_needs(year, **args)
    return render("planning/needs.html", status, round=needs.round_out(r), needs=listing, filters=request.args,
                  pager=pager(listing),
                  programs=_programs(), opds=_opds(), bkpsdm=current_scope() is None, errors=errors or {},
                  form=form or {}, upload_rows=upload_rows, upload_errors=upload_errors or {},
                  filter_errors=filter_errors, created=request.args.get("dibuat"))


@bp.get("/<int:year>/kebutuhan")
@page("training:read")
def needs_page(year: int):
    return _needs_page(year)


@bp.post("/<int:year>/kebutuhan")
@page("training:write")
def submit_need(year: int):
    try:
        data = _load(NeedCreateSchema())
        commit(needs.submit_need(year, **data))
    except Problem as exc:
        db.session.rollback()
        return _needs_page(year, errors=form_errors(exc), form=request.form, status=exc.status)
    return redirect(url_for("planning_pages.needs_page", year=year, dibuat=1), code=303)


@bp.get("/<int:year>/kebutuhan/templat.xlsx")
@page("training:read")
def needs_template(year: int):
    needs.get_round(year)
    return send_table("xlsx", needs_sheet.COLUMNS, needs_sheet.template_rows(),
                      name_parts=["templat-kebutuhan", year], title="Kebutuhan")


@bp.post("/<int:year>/kebutuhan/unggah")
@page("training:write")
def upload_needs(year: int):
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        return _needs_page(year, upload_errors={"file": ["pilih file templat yang sudah diisi"]}, status=422)
    try:
        out = commit(needs_sheet.upload(year, upload.stream, upload.filename))
    except Problem as exc:
        db.session.rollback()
        rows = exc.extra.get("rows")
        return _needs_page(year, upload_rows=rows, upload_errors={} if rows else form_errors(exc), status=exc.status)
    finally:
        upload.close()
    return redirect(url_for("planning_pages.needs_page", year=year, dibuat=out["created"]), code=303)


@bp.post("/kebutuhan/<int:need_id>/keputusan")
@page("training:write")
def decide(need_id: int):
    detail = needs.need_detail(need_id)
    try:
        data = _load(DecisionSchema())
        commit(needs.decide(need_id, **data))
    except Problem as exc:
        db.session.rollback()
        errors = {f"{need_id}.{k}": v for k, v in form_errors(exc).items()}
        return _needs_page(detail["year"], errors=errors, status=exc.status)
    return redirect(url_for("planning_pages.needs_page", year=detail["year"]) + f"#kebutuhan-{need_id}", code=303)


@bp.post("/<int:year>/tutup")
@page("training:write")
def close_round(year: int):
    try:
        commit(needs.update_round(year, close=True))
    except Problem as exc:
        db.session.rollback()
        return _needs_page(year, errors={"close": form_errors(exc).popitem()[1]}, status=exc.status)
    return redirect(url_for("planning_pages.needs_page", year=year), code=303)


# --- the plan --------------------------------------------------------------------------------------------------


def _plan_page(year: int, *, errors=None, status=200):
    return render("planning/plan.html", status, year=year, figures=plan.figures(year), programs=_programs(),
                  bkpsdm=current_scope() is None, errors=errors or {})


@bp.get("/<int:year>/rencana")
@page("training:read")
def plan_page(year: int):
    return _plan_page(year)


@bp.get("/<int:year>/rencana.xlsx")
@page("training:read")
def plan_sheet(year: int):
    return send_table("xlsx", plan.SHEET_COLUMNS, plan.sheet_rows(year), name_parts=["rencana-pengembangan", year],
                      title=f"Rencana {year}")


def _plan_write(year: int, key: str, action):
    try:
        commit(action())
    except Problem as exc:
        db.session.rollback()
        return _plan_page(year, errors={f"{key}.{k}": v for k, v in form_errors(exc).items()}, status=exc.status)
    return redirect(url_for("planning_pages.plan_page", year=year) + f"#{key}", code=303)


@bp.post("/<int:year>/rencana/susun")
@page("training:write")
def build(year: int):
    return _plan_write(year, "susun", lambda: plan.build_plan(year))


@bp.post("/baris/<int:line_id>")
@page("training:write")
def update_line(line_id: int):
    line = plan.get_line(line_id)
    return _plan_write(line.year, f"baris-{line_id}",
                       lambda: plan.update_line(line_id, **_load(PlanLineUpdateSchema())))


@bp.post("/baris/<int:line_id>/angkatan")
@page("training:write")
def create_cohort(line_id: int):
    line = plan.get_line(line_id)
    return _plan_write(line.year, f"baris-{line_id}",
                       lambda: plan.create_cohort(line_id, **_load(LineCohortCreateSchema())))


@bp.post("/angkatan/<int:cohort_id>/biaya")
@page("training:write")
def set_budget(cohort_id: int):
    year = plan.schedule.get_cohort(cohort_id).year
    return _plan_write(year, f"angkatan-{cohort_id}",
                       lambda: plan.set_budget(cohort_id, **_load(BudgetSchema())))

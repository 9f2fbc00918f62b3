"""The catalogue pages (/katalog): programs and partners; create or edit a program, add a partner.

Same services and schemas as the API (app.services.catalogue.programs, the catalogue API's schemas).
"""

from __future__ import annotations

from flask import redirect, request, url_for

from app.blueprints.catalogue.schemas import PartnerSchema, ProgramSchema, ProgramUpdateSchema
from app.domain.golongan import PNS_GOLONGAN
from app.problems import Problem
from app.services.catalogue import programs as service
from app.web.blueprints import page_blueprint
from app.web.forms import ints, load_form
from app.web.pages import page, render, render_problem
from app.web.paging import page_args, pager
from app.web.responses import commit

bp = page_blueprint("catalogue_pages", __name__)
PROGRAM_INTS = ("jp", "provider_partner_id")


def _partners() -> list:
    return service.list_partners(limit=500, offset=0, sort="code").items


def _catalogue(status: int = 200, **context):
    q = (request.args.get("q") or "").strip()[:200] or None
    programs = service.list_programs(q=q, limit=100, **page_args(request.args), sort="code")
    return render("catalogue/list.html", status, programs=programs, partners=_partners(), q=q or "",
                  pager=pager(programs), **context)


@bp.get("/katalog")
@page("training:read")
def list_programs():
    return _catalogue(form={}, errors={})


@bp.post("/katalog/mitra")
@page("training:write")
def create_partner():
    try:
        partner = service.create_partner(**load_form(PartnerSchema(), request.form))
    except Problem as exc:
        return render_problem("catalogue/list.html", exc, **_catalogue_context(), form=request.form)
    commit(partner)
    return redirect(url_for("catalogue_pages.list_programs") + "#mitra", code=303)


def _catalogue_context() -> dict:
    return {"programs": service.list_programs(limit=100, offset=0, sort="code"), "partners": _partners(), "q": "",
            "pager": None}


def _program_form(program: dict | None, form, errors=None, status: int = 200):
    return render("catalogue/program_form.html", status, program=program, form=form, errors=errors or {},
                  partners=_partners(), golongan_options=PNS_GOLONGAN)


@bp.get("/katalog/program/baru")
@page("training:write")
def new_program():
    return _program_form(None, {"active": "1"})


@bp.post("/katalog/program/baru")
@page("training:write")
def create_program():
    try:
        program = service.create_program(**load_form(ProgramSchema(), _program_data()))
    except Problem as exc:
        return render_problem("catalogue/program_form.html", exc, program=None, form=request.form, partners=_partners(),
                              golongan_options=PNS_GOLONGAN)
    commit(program)
    return redirect(url_for("catalogue_pages.list_programs"), code=303)


@bp.get("/katalog/program/<int:program_id>/ubah")
@page("training:write")
def edit_program(program_id: int):
    program = service.program_detail(program_id)
    form = {key: program[key] for key in ("code", "name", "program_type", "competency_type", "jp",
                                          "provider_partner_id")}
    form["active"] = "1" if program["active"] else ""
    form.update(eligible_jabatan_kinds=program["eligible_jabatan_kinds"] or [],
                eligible_employee_types=program["eligible_employee_types"] or [],
                min_golongan=program["min_golongan"] or "", not_if_passed="1" if program["not_if_passed"] else "")
    return _program_form(program, form)


@bp.post("/katalog/program/<int:program_id>/ubah")
@page("training:write")
def update_program(program_id: int):
    program = service.program_detail(program_id)
    data = _program_data()
    try:
        changes = load_form(ProgramUpdateSchema(), data)
        if not str(request.form.get("provider_partner_id", "")).strip():
            changes["provider_partner_id"] = None  # blank: the region runs it itself
        updated = service.update_program(program_id, **changes)
    except Problem as exc:
        return render_problem("catalogue/program_form.html", exc, program=program, form=request.form,
                              partners=_partners(), golongan_options=PNS_GOLONGAN)
    commit(updated)
    return redirect(url_for("catalogue_pages.list_programs"), code=303)


def _program_data() -> dict:
    """The form, typed: an unticked `active` box is an explicit "no" (a browser sends nothing for it), when the
    form showed the box (`active_shown`)."""
    data = ints(request.form, *PROGRAM_INTS)
    if data.pop("active_shown", None):
        data["active"] = "1" if request.form.get("active") else "0"
    if data.pop("eligibility_shown", None):  # the eligibility rules: none ticked = no rule
        for key in ("eligible_jabatan_kinds", "eligible_employee_types"):
            data[key] = request.form.getlist(key) or None
        data["min_golongan"] = (request.form.get("min_golongan") or "").strip() or None
        data["not_if_passed"] = "1" if request.form.get("not_if_passed") else "0"
    return data

"""Employee pages: search and filter, a person's page (trainings, JP per year, certificates), add and edit.

The same services and schemas as /api/v1/employees; an OPD-scoped operator gets the same 404 for people of
other OPDs. An employee's own record (/saya) is read through their account's NIP, never from the URL.
"""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user

from app.authz import permissions_of
from app.blueprints.employees.schemas import (
    EmployeeListArgsSchema,
    EmployeeSchema,
    EmployeeUpdateSchema,
    JpEntryCreateSchema,
)
from app.models.employees import EMPLOYEE_TYPES, JABATAN_KINDS
from app.problems import Problem
from app.services.cohorts import enrolments as enrolment_service
from app.services.employees import ledger as jp_service
from app.services.employees import opds as opd_service
from app.services.employees import records as service
from app.services.scope import opd_in_scope
from app.web.blueprints import page_blueprint
from app.web.forms import form_errors, load_form
from app.web.pages import load_query, page
from app.web.paging import PAGE_SIZE, pager
from app.web.responses import commit

bp = page_blueprint("employee_pages", __name__)

GENDER_OPTIONS = [("L", "Laki-laki"), ("P", "Perempuan")]
TYPE_OPTIONS = [(t, t) for t in EMPLOYEE_TYPES]
JABATAN_OPTIONS = [(k, k.capitalize()) for k in JABATAN_KINDS]
ACTIVE_OPTIONS = [("true", "Aktif"), ("false", "Tidak aktif")]
SOURCE_OPTIONS = [("elearning", "E-learning / MOOC"), ("other", "Lainnya (bersertifikat)")]


def _opd_options() -> list[tuple[int, str]]:
    """Active OPDs the caller may assign or filter on (an OPD-scoped operator: only theirs)."""
    opds = opd_service.list_opds(limit=200, offset=0, active=True).items
    return [(o.id, o.name) for o in opds if opd_in_scope(o.id)]


def _can_write() -> bool:
    return "training:write" in permissions_of(current_user)


@bp.get("/pegawai")
@page("training:read")
def list_employees():
    args, errors = load_query(EmployeeListArgsSchema())
    args["limit"] = min(args.get("limit") or PAGE_SIZE, PAGE_SIZE)
    result = service.list_employees(**args)
    return render_template("employees/list.html", page=result, errors=errors, filters=request.args,
                           opds=_opd_options(), types=TYPE_OPTIONS, actives=ACTIVE_OPTIONS,
                           pager=pager(result), can_write=_can_write())


def _person_page(template: str, detail: dict, emp, **extra):
    extra.setdefault("jp_form", {})
    extra.setdefault("jp_errors", {})
    trainings = enrolment_service.trainings_of(emp.id)
    cohort_of = {t["enrolment_id"]: t["cohort_label"] for t in trainings}
    corrections = [{**c, "cohort_label": cohort_of.get(c["enrolment_id"], "")}
                   for c in enrolment_service.corrections_of(employee_id=emp.id)]
    return render_template(template, person=detail, trainings=trainings, corrections=corrections,
                           ledger=jp_service.ledger_by_year(emp), sources=SOURCE_OPTIONS, **extra)


@bp.get("/pegawai/<nip>")
@page("training:read")
def show_employee(nip: str):
    detail = service.employee_detail(nip)
    return _person_page("employees/show.html", detail, service.get_employee(nip), can_write=_can_write())


@bp.post("/pegawai/<nip>/jp")
@page("training:write")
def add_jp_entry(nip: str):
    """Training outside a cohort, entered with its certificate (the same service as POST .../jp-entries)."""
    detail = service.employee_detail(nip)
    try:
        line = jp_service.add_external_entry(nip, **load_form(JpEntryCreateSchema(), request.form))
    except Problem as exc:
        if exc.status not in (409, 422):
            raise
        page_html = _person_page("employees/show.html", detail, service.get_employee(nip), can_write=True,
                                 jp_form=request.form, jp_errors=form_errors(exc))
        return page_html, exc.status
    commit(line)
    flash(f"{line['jp']} JP dari \u201c{line['title']}\u201d tercatat untuk tahun {line['completed_on'].year}.")
    return redirect(url_for("employee_pages.show_employee", nip=nip), code=303)


@bp.get("/saya")
@page("self")
def my_record():
    emp, _opd_name = service.linked_employee(current_user.nip)
    return _person_page("employees/show.html", service.own_profile(current_user.nip), emp, can_write=False,
                        own=True)


def _form_page(template: str, status: int = 200, **context):
    return render_template(template, opds=_opd_options(), genders=GENDER_OPTIONS, types=TYPE_OPTIONS,
                           jabatan_kinds=JABATAN_OPTIONS, actives=ACTIVE_OPTIONS, **context), status


@bp.get("/pegawai/baru")
@page("training:write")
def new_employee():
    return _form_page("employees/form.html", form={}, errors={}, person=None)


@bp.post("/pegawai/baru")
@page("training:write")
def create_employee():
    try:
        created = service.create_employee(**load_form(EmployeeSchema(), request.form))
    except Problem as exc:
        if exc.status not in (409, 422):
            raise
        return _form_page("employees/form.html", exc.status, form=request.form, errors=form_errors(exc), person=None)
    commit(created)
    return redirect(url_for("employee_pages.show_employee", nip=created["nip"]), code=303)


@bp.get("/pegawai/<nip>/ubah")
@page("training:write")
def edit_employee(nip: str):
    detail = service.employee_detail(nip)
    current = {k: v for k, v in detail.items() if k in EmployeeUpdateSchema().fields and v is not None}
    current["active"] = "true" if detail["active"] else "false"
    return _form_page("employees/form.html", form=current, errors={}, person=detail)


@bp.post("/pegawai/<nip>/ubah")
@page("training:write")
def update_employee(nip: str):
    detail = service.employee_detail(nip)  # 404 first: outside the scope is not found, whatever the form says
    try:
        updated = service.update_employee(nip, **load_form(EmployeeUpdateSchema(), request.form))
    except Problem as exc:
        if exc.status not in (409, 422):
            raise
        return _form_page("employees/form.html", exc.status, form=request.form, errors=form_errors(exc),
                          person=detail)
    commit(updated)
    return redirect(url_for("employee_pages.show_employee", nip=nip), code=303)

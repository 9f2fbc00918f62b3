"""The SIASN pages (/siasn): overview (mapping, export), settings with "check connection" (admins), a cohort's
push status with "send to SIASN", and compare pages (per person, per cohort) with "send ours" / "take theirs".

Same services and schemas as the API (app.services.siasn, app.blueprints.siasn.schemas)."""

from __future__ import annotations

import sqlalchemy as sa
from flask import redirect, request, url_for
from flask_login import current_user

from app.blueprints.siasn.schemas import SendOursSchema, SettingsInSchema, TakeTheirsSchema
from app.extensions import db
from app.models.catalogue import Program
from app.models.cohorts import Cohort
from app.problems import Problem
from app.services.siasn import compare, connection, mapping, push
from app.web.blueprints import page_blueprint
from app.web.forms import ints, load_form
from app.web.pages import page, render, render_problem
from app.web.responses import commit

bp = page_blueprint("siasn_pages", __name__, "siasn")


def _cohorts() -> list:
    return db.session.execute(
        sa.select(Cohort.id, Cohort.number, Cohort.year, Program.code, Program.name)
        .join(Program, Program.id == Cohort.program_id).order_by(Cohort.year.desc(), Program.code, Cohort.number)
        .limit(200)).all()


@bp.get("")
@page("training:read")
def overview():
    return render("siasn/overview.html", settings=connection.view(), mappings=mapping.list_mappings(),
                  cohorts=_cohorts())


@bp.get("/pengaturan")
@page("org:manage")
def settings_form():
    view = connection.view()
    return render("siasn/settings.html", settings=view, form={k: view.get(k) or "" for k in
                                                              ("base_url", "sso_url", "client_id", "instansi_id")},
                  errors={})


@bp.post("/pengaturan")
@page("org:manage")
def save_settings():
    try:
        connection.save(**load_form(SettingsInSchema(), request.form), updated_by=current_user.username)
    except Problem as exc:
        return render_problem("siasn/settings.html", exc, settings=connection.view(),
                              form={k: v for k, v in request.form.items() if k in connection.PLAIN_FIELDS})
    commit(None)
    return redirect(url_for("siasn_pages.settings_form"), code=303)


@bp.post("/pengaturan/periksa")
@page("org:manage")
def check_settings():
    commit(connection.check())
    return redirect(url_for("siasn_pages.settings_form") + "#periksa", code=303)


@bp.get("/angkatan/<int:cohort_id>")
@page("training:read")
def cohort(cohort_id: int):
    row = next((c for c in _cohorts() if c.id == cohort_id), None)
    if row is None:
        raise Problem.not_found(f"Angkatan {cohort_id} tidak ditemukan.")
    return render("siasn/cohort.html", cohort=row, rows=push.cohort_status(cohort_id), settings=connection.view())


@bp.post("/angkatan/<int:cohort_id>/kirim")
@page("training:write")
def push_cohort(cohort_id: int):
    queued = commit(push.queue_results(cohort_id=cohort_id))
    push.start(queued["push_ids"])
    return redirect(url_for("siasn_pages.cohort", cohort_id=cohort_id), code=303)


@bp.post("/peserta/<int:enrolment_id>/kirim")
@page("training:write")
def push_enrolment(enrolment_id: int):
    queued = commit(push.queue_results(enrolment_ids=[enrolment_id]))
    push.start(queued["push_ids"])
    return redirect(_local(request.form.get("next"), url_for("siasn_pages.overview")), code=303)


@bp.get("/angkatan/<int:cohort_id>/banding")
@page("training:read")
def compare_cohort(cohort_id: int):
    return render("siasn/compare.html", result=compare.compare_cohort(cohort_id), person=None, cohort_id=cohort_id)


@bp.get("/pegawai/<int:employee_id>")
@page("training:read")
def compare_person(employee_id: int):
    result = compare.compare_person(employee_id)
    return render("siasn/compare.html", result=result, person=result["employee"], cohort_id=None)


def _local(target: str | None, default: str) -> str:
    """Only a path of this site (not `//host/...`): no open redirect through `next`."""
    return target if target and target.startswith("/") and not target.startswith(("//", "/\\")) else default


def _back(employee_id: int):
    return redirect(_local(request.form.get("next"), url_for("siasn_pages.compare_person", employee_id=employee_id)),
                    code=303)


@bp.post("/pegawai/<int:employee_id>/kirim")
@page("training:write")
def send_ours(employee_id: int):
    data = load_form(SendOursSchema(), ints(request.form, "jp_entry_id"))
    queued = commit(compare.send_ours(employee_id, data["jp_entry_id"]))
    push.start(queued["push_ids"])
    return _back(employee_id)


@bp.post("/pegawai/<int:employee_id>/ambil")
@page("training:write")
def take_theirs(employee_id: int):
    data = load_form(TakeTheirsSchema(), request.form)
    commit(compare.take_theirs(employee_id, data["kind"], data["siasn_id"]))
    return _back(employee_id)

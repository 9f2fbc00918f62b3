"""Reconciliation pages (Bahasa Indonesia): the reports, uploading one, its classes, and deciding per class or
per row. The same services as the API (app.services.reconciliation.runs); applying runs as a worker job."""

from __future__ import annotations

import sqlalchemy as sa
from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user

from app.blueprints.reconciliation.schemas import ReconciliationFormSchema
from app.extensions import db
from app.models.catalogue import Partner, Program
from app.models.cohorts import Cohort
from app.models.reconciliation import RECON_CLASSES
from app.problems import Problem
from app.services.cohorts.schedule import cohort_label
from app.services.reconciliation import runs as service
from app.services.reconciliation.pipeline import start_apply, start_classify
from app.web.blueprints import page_blueprint
from app.web.forms import form_errors, load_form
from app.web.pages import page
from app.web.paging import page_args, pager
from app.web.responses import commit

bp = page_blueprint("reconciliation_pages", __name__, "rekonsiliasi")

ROWS_PER_PAGE = 100
RUNS_PER_PAGE = 50
DECIDABLE = tuple(service.ALLOWED_DECISIONS)


def _choices() -> dict:
    partners = db.session.execute(sa.select(Partner.code, Partner.name).where(Partner.active)
                                  .order_by(Partner.name)).all()
    cohorts = db.session.execute(
        sa.select(Cohort.id, Program.code, Cohort.number, Cohort.year).join(Program, Program.id == Cohort.program_id)
        .order_by(Cohort.year.desc(), Program.code, Cohort.number.desc()).limit(500)).all()
    programs = db.session.execute(sa.select(Program.code, Program.name).where(Program.active)
                                  .order_by(Program.code)).all()
    return {"partners": [(code, f"{name} ({code})") for code, name in partners],
            "cohorts": [(cid, cohort_label(code, number, year)) for cid, code, number, year in cohorts],
            "programs": [(code, f"{code} — {name}") for code, name in programs]}


@bp.get("")
@page("training:read")
def list_runs():
    runs = service.list_runs(limit=RUNS_PER_PAGE, **page_args(request.args))
    return render_template("reconciliation/list.html", runs=service.run_views(runs.items),
                           pager=pager(runs),
                           open_total=service.open_differences_count())


def _new_form(form=None, errors=None, status: int = 200):
    return render_template("reconciliation/new.html", form=form or {}, errors=errors or {}, **_choices()), status


@bp.get("/baru")
@page("training:write")
def new_run():
    service.ensure_unscoped()
    return _new_form(form={"cohort_id": request.args.get("cohort_id", "")})


@bp.post("/baru")
@page("training:write")
def upload():
    upload = request.files.get("file")
    try:
        data = load_form(ReconciliationFormSchema(), request.form)
        if upload is None or not upload.filename:
            raise Problem.invalid("Pilih file laporan.",
                                  errors=[{"field": "file", "reason": "Pilih file CSV atau XLSX."}])
        run = service.create_run(upload.stream, upload.filename, partner=data["partner"], cohort_id=data["cohort_id"],
                                 program=data["program"], year=data["year"], created_by=current_user.username)
    except Problem as exc:
        return _new_form(request.form, form_errors(exc), exc.status)
    finally:
        if upload is not None:
            upload.close()
    commit(run)
    start_classify(run.id)
    commit(None)
    return redirect(url_for("reconciliation_pages.show_run", run_id=run.id), code=303)


@bp.get("/<int:run_id>")
@page("training:read")
def show_run(run_id: int):
    run = service.run_view(service.get_run(run_id, reap=True))
    changes = service.changes(run_id) if run["supersedes_run_id"] and run["state"] != "queued" else None
    return render_template("reconciliation/show.html", run=run, classes=RECON_CLASSES, changes=changes,
                           decidable=DECIDABLE)


@bp.get("/<int:run_id>/kelas/<klass>")
@page("training:read")
def show_class(run_id: int, klass: str, errors=None, status: int = 200):
    if klass not in RECON_CLASSES:
        raise Problem.not_found(f"Kelas '{klass}' tidak dikenal.")
    run = service.run_view(service.get_run(run_id))
    rows = service.list_rows(run_id, klass=klass, limit=ROWS_PER_PAGE, **page_args(request.args))
    return render_template("reconciliation/class.html", run=run, klass=klass, label=service.CLASS_LABELS[klass],
                           rows=rows.items, total=rows.total, pager=pager(rows),
                           allowed=service.ALLOWED_DECISIONS.get(klass, ()), errors=errors or {}), status


@bp.post("/<int:run_id>/kelas/<klass>")
@page("training:write")
def decide(run_id: int, klass: str):
    whole = request.form.get("class_decision") or None
    rows = {}
    for key, value in request.form.items():
        if key.startswith("row-") and value in ("partner", "local"):
            try:
                rows[int(key[4:])] = value
            except ValueError:
                continue
    try:
        service.request_apply(run_id, classes={klass: whole} if whole else {}, rows=rows,
                              actor=(current_user.user_id, current_user.username))
    except Problem as exc:
        db.session.rollback()
        return show_class(run_id, klass, errors=form_errors(exc), status=exc.status)
    commit(None)
    start_apply(run_id)
    commit(None)
    flash("Keputusan disimpan; koreksi sedang diterapkan oleh pekerja latar.")
    return redirect(url_for("reconciliation_pages.show_run", run_id=run_id), code=303)

"""Results for a whole cohort on its roster page: the results sheet (download, upload with the STTPP options →
preview with the row report → confirm) and the bulk status change ("tandai hadir", "tandai lulus" with STTPP
numbers from a pattern), preview → confirm. The same services as the API (results_sheet.run / bulk_status,
bulk_runs for a large confirmation, which a worker writes while the progress page polls)."""

from __future__ import annotations

import json

from flask import flash, redirect, request, url_for

from app.blueprints.cohorts.pages import bp
from app.blueprints.cohorts.pages_roster import _roster_context
from app.blueprints.cohorts.schemas import BulkStatusSchema, ResultsOptionsSchema, ResultsSheetArgsSchema
from app.problems import Problem
from app.services.cohorts import bulk_runs, results_sheet
from app.services.cohorts import schedule as cohorts
from app.web.forms import load_form
from app.web.pages import page, render, render_problem
from app.web.responses import commit, send_table

OPTION_FIELDS = ("sttpp_pattern", "sttpp_start", "certificate_date")
ACTION_WORDS = {"passed": "Lulus", "failed": "Tidak lulus", "withdrawn": "Mengundurkan diri",
                "phase_results": "Hasil tahap dicatat", "unchanged": "Tidak berubah", "attending": "Mengikuti"}
TARGET_WORDS = {"attending": "Tandai hadir (Mengikuti)", "passed": "Tandai lulus"}


def _options(form) -> dict:
    """The STTPP options of the form, loaded with the API's schema (422 naming the field)."""
    data = load_form(ResultsOptionsSchema(), {k: form.get(k, "") for k in OPTION_FIELDS})
    return {k: data[k] for k in OPTION_FIELDS if data.get(k) is not None}


def _preview(cohort_id: int, result: dict, *, what: str, form: dict, hidden: dict):
    return render("cohorts/bulk_preview.html", cohort=cohorts.cohort_detail(cohort_id), result=result, what=what,
                  form=form, hidden=hidden, actions=ACTION_WORDS, tab="peserta",
                  as_job=what == "lembar" and bulk_runs.runs_as_job(result["rows"]))


def _roster_problem(cohort_id: int, exc: Problem, panel: str, form):
    return render_problem("cohorts/roster.html", exc, fields=(), form={}, panel=panel, panel_form=form,
                          **_roster_context(cohort_id))


def _queued(run):
    commit(None)
    return redirect(url_for("cohort_pages.bulk_run", cohort_id=run.cohort_id, run_id=run.id), code=303)


@bp.get("/angkatan/<int:cohort_id>/peserta/lembar-hasil")
@page("training:read")
def results_sheet_download(cohort_id: int):
    args = load_form(ResultsSheetArgsSchema(), request.args)
    columns, rows, label = results_sheet.sheet(cohort_id)
    return send_table(args["format"], columns, rows, name_parts=["hasil", label], title="Hasil")


@bp.post("/angkatan/<int:cohort_id>/peserta/lembar-hasil")
@page("training:write")
def results_sheet_upload(cohort_id: int):
    """The filled sheet with the STTPP options → the row report; confirming carries the sheet's rows (read once)
    and the preview's token."""
    confirm_it = request.form.get("confirm") == "1"
    try:
        options = _options(request.form)
        if confirm_it:
            rows = results_sheet.rows_from_json(json.loads(request.form.get("rows") or "[]"))
        else:
            upload = request.files.get("file")
            if upload is None or not upload.filename:
                raise Problem.invalid("Pilih file lembar hasil (XLSX atau CSV).", field="file", reason="wajib diisi")
            try:
                rows = results_sheet.rows_from_upload(cohort_id, upload.stream, upload.filename)
            finally:
                upload.close()
        token = request.form.get("token")
        if confirm_it and bulk_runs.runs_as_job(len(rows)):
            return _queued(bulk_runs.start_results(cohort_id, rows, token=token, source="page", options=options))
        result = results_sheet.run(cohort_id, rows, confirm_it=confirm_it, token=token, source="page", **options)
    except (Problem, json.JSONDecodeError) as exc:
        if isinstance(exc, json.JSONDecodeError):
            exc = Problem.invalid("Data lembar hasil rusak; unggah lagi lembarnya.", field="rows", reason="rusak")
        return _roster_problem(cohort_id, exc, "lembar", request.form)
    if not confirm_it:
        hidden = {"rows": json.dumps(results_sheet.rows_to_json(rows), separators=(",", ":")),
                  **{k: request.form.get(k, "") for k in OPTION_FIELDS}}
        return _preview(cohort_id, result, what="lembar", form=request.form, hidden=hidden)
    commit(None)
    flash(_done_message(result))
    return redirect(url_for("cohort_pages.roster", cohort_id=cohort_id), code=303)


@bp.post("/angkatan/<int:cohort_id>/peserta/status-massal")
@page("training:write")
def bulk_status_page(cohort_id: int):
    """Everyone open at once: `to` attending ("tandai hadir") or passed with STTPP numbers from the pattern."""
    confirm_it = request.form.get("confirm") == "1"
    try:
        data = load_form(BulkStatusSchema(), {k: request.form.get(k, "") for k in ("to", *OPTION_FIELDS)})
        options = {k: data[k] for k in OPTION_FIELDS if data.get(k) is not None}
        result = results_sheet.bulk_status(cohort_id, data["to"], None, confirm_it=confirm_it,
                                           token=request.form.get("token"), **options)
    except Problem as exc:
        return _roster_problem(cohort_id, exc, "massal", request.form)
    if not confirm_it:
        hidden = {"to": data["to"], **{k: request.form.get(k, "") for k in OPTION_FIELDS}}
        return _preview(cohort_id, result, what="massal", form=request.form, hidden=hidden)
    commit(None)
    flash(_done_message(result))
    return redirect(url_for("cohort_pages.roster", cohort_id=cohort_id), code=303)


def _done_message(result: dict) -> str:
    counts = ", ".join(f"{word.lower()} {result['actions'][k]}" for k, word in ACTION_WORDS.items()
                       if result["actions"].get(k))
    text = f"{result['written']} peserta diperbarui" + (f" ({counts})" if counts else "")
    return text + (f"; {result['invalid']} baris dilewati karena salah." if result["invalid"] else ".")


@bp.get("/angkatan/<int:cohort_id>/proses/<int:run_id>")
@page("training:read")
def bulk_run(cohort_id: int, run_id: int):
    """A large confirmation written by a worker: its state (the page reloads itself while it runs), then its
    report or the reason it failed."""
    run = bulk_runs.get_run(cohort_id, run_id, reap=True)
    return render("cohorts/bulk_run.html", cohort=cohorts.cohort_detail(cohort_id), run=run,
                  states=bulk_runs.STATE_LABELS, kinds=bulk_runs.KIND_LABELS, actions=ACTION_WORDS,
                  active=run.state in bulk_runs.ACTIVE, tab="peserta")

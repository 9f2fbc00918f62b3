"""Learning submission pages: one's own (/saya/pengajuan: the form, the list, each decision, the file) and the
staff's queue (/pengajuan: filter by status and OPD, open the file, verify with the JP granted, reject with a
reason, correct a verified one). The same services and schemas as the API."""

from __future__ import annotations

from flask import flash, redirect, request, url_for
from flask_login import current_user

from app.blueprints.submissions.api import MAX_REQUEST_BYTES, limit_request_size, read_upload, send_stored
from app.blueprints.submissions.schemas import (
    CorrectSchema,
    RejectSchema,
    SubmissionCreateSchema,
    SubmissionQueueArgsSchema,
    VerifySchema,
)
from app.domain.dates import today_wib
from app.extensions import db
from app.models.submissions import SUBMISSION_STATUSES
from app.problems import Problem
from app.services.employees import records as employees
from app.services.submissions import records as service
from app.services.submissions.kinds import LABELS
from app.web.blueprints import page_blueprint
from app.web.forms import form_errors, ints, load_form
from app.web.pages import page, render, render_problem
from app.web.paging import PAGE_SIZE, pager
from app.web.responses import commit

bp = page_blueprint("submission_pages", __name__)

KIND_OPTIONS = list(LABELS.items())
STATUS_OPTIONS = [("semua", "Semua status"), ("pending", "Menunggu verifikasi"), ("verified", "Diverifikasi"),
                  ("rejected", "Ditolak")]
FORM_FIELDS = ("title", "organiser", "kind", "start_date", "end_date", "jp_claimed", "certificate_number", "file")


# --- one's own --------------------------------------------------------------------------------------------------


def _mine(emp, **context):
    context.setdefault("form", {})
    context.setdefault("errors", {})
    return render("submissions/mine.html", 200, items=service.own_submissions(emp.id),
                  kinds=KIND_OPTIONS, today=today_wib(), **context)


@bp.get("/saya/pengajuan")
@page("self")
def mine():
    emp, _opd = employees.linked_employee(current_user.nip)
    return _mine(emp)


@bp.post("/saya/pengajuan")
@page("self")
def submit():
    emp, _opd = employees.linked_employee(current_user.nip)
    if (request.content_length or 0) > MAX_REQUEST_BYTES:  # refused before the body is read
        return render("submissions/mine.html", 413, form={}, errors={"file": ["Berkas lebih dari 5 MB."]},
                      items=service.own_submissions(emp.id), kinds=KIND_OPTIONS, today=today_wib())
    limit_request_size()
    upload = request.files.get("file")
    try:
        data = load_form(SubmissionCreateSchema(), ints(request.form, "jp_claimed"))
        if upload is None or not upload.filename:
            raise Problem.invalid(field="file", reason="pilih berkas sertifikat (PDF, JPG atau PNG)")
        sub = service.submit(emp, content=read_upload(upload), file_name=upload.filename, **data)
    except Problem as exc:
        if exc.status not in (409, 422):
            raise
        return render_problem("submissions/mine.html", exc, fields=FORM_FIELDS, form=request.form,
                              items=service.own_submissions(emp.id), kinds=KIND_OPTIONS, today=today_wib())
    commit(sub)
    flash(f"Pengajuan \u201c{sub.title}\u201d ({sub.jp_claimed} JP) terkirim dan menunggu verifikasi.")
    return redirect(url_for("submission_pages.mine") + f"#pengajuan-{sub.id}", code=303)


@bp.get("/saya/pengajuan/<int:submission_id>/berkas")
@page("self")
def my_file(submission_id: int):
    emp, _opd = employees.linked_employee(current_user.nip)
    return send_stored(service.own_submission(submission_id, emp.id))


# --- the staff's queue ------------------------------------------------------------------------------------------


@bp.get("/pengajuan")
@page("training:read")
def queue():
    """Waiting submissions by default; `?status=semua` for all (so that the pager's links keep the choice)."""
    schema = SubmissionQueueArgsSchema()
    wanted = request.args.get("status") or "pending"
    try:
        args, errors = load_form(schema, {k: v for k, v in request.args.items() if k != "status"}), {}
    except Problem as exc:
        args, errors = schema.load({}), form_errors(exc)
    if wanted not in (*SUBMISSION_STATUSES, "semua"):
        errors["status"], wanted = ["Status tidak dikenal."], "pending"
    limit = min(args.get("limit") or PAGE_SIZE, PAGE_SIZE)
    result = service.list_submissions(status=None if wanted == "semua" else wanted, opd_id=args["opd_id"],
                                      limit=limit, offset=args["offset"], cursor=args.get("cursor"))
    return render("submissions/queue.html", page=result, errors=errors, filters=request.args,
                  current_status=wanted, statuses=STATUS_OPTIONS, opds=service.opd_choices(),
                  pager=pager(result, {**request.args, "status": wanted}))


def _detail(submission_id: int, status: int = 200, **context):
    context.setdefault("errors", {})
    context.setdefault("form", {})
    return render("submissions/show.html", status, sub=service.staff_view(submission_id),
                  own=_is_own(submission_id), **context)


def _is_own(submission_id: int) -> bool:
    _sub, emp, _opd = service.staff_submission(submission_id)
    return bool(current_user.nip) and current_user.nip == emp.nip


@bp.get("/pengajuan/<int:submission_id>")
@page("training:read")
def show(submission_id: int):
    return _detail(submission_id)


@bp.get("/pengajuan/<int:submission_id>/berkas")
@page("training:read")
def file(submission_id: int):
    sub, _emp, _opd = service.staff_submission(submission_id)
    return send_stored(sub)


def _decide(submission_id: int, schema, action, form_name: str, message):
    try:
        data = load_form(schema, ints(request.form, "jp_granted"))
        sub = action(submission_id, data)
    except Problem as exc:
        if exc.status not in (409, 422):
            raise
        db.session.rollback()
        return _detail(submission_id, exc.status, errors={form_name: form_errors(exc)}, form=request.form)
    commit(sub)
    flash(message(sub))
    return redirect(url_for("submission_pages.show", submission_id=submission_id), code=303)


@bp.post("/pengajuan/<int:submission_id>/verifikasi")
@page("training:write")
def verify(submission_id: int):
    return _decide(submission_id, VerifySchema(), lambda i, d: service.verify(i, d["jp_granted"], d["note"]),
                   "verify", lambda s: f"Diverifikasi: {s.jp_granted} JP masuk catatan JP tahun {s.end_date.year}.")


@bp.post("/pengajuan/<int:submission_id>/tolak")
@page("training:write")
def reject(submission_id: int):
    return _decide(submission_id, RejectSchema(), lambda i, d: service.reject(i, d["reason"]), "reject",
                   lambda s: "Pengajuan ditolak; pegawai melihat alasannya.")


@bp.post("/pengajuan/<int:submission_id>/koreksi")
@page("training:write")
def correct(submission_id: int):
    return _decide(submission_id, CorrectSchema(), lambda i, d: service.correct(i, d["jp_granted"], d["reason"]),
                   "correct", lambda s: f"Dikoreksi: kini {s.jp_granted} JP diakui.")


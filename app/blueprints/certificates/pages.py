"""STTPP pages: a cohort's certificates (issue all, PDFs, ZIP with a progress bar), the region's template
(signatory, wording, logo, preview, who issues per program), one's own certificates under /saya, and the public
verification page the QR code points to (no login)."""

from __future__ import annotations

import io

from flask import redirect, render_template, request, send_file, url_for
from flask_login import current_user

from app.authz import PUBLIC, permissions_of, policy
from app.jobs import enqueue
from app.problems import Problem
from app.services.certificates import bundles, documents, issuing, templates
from app.services.cohorts import schedule as cohorts
from app.services.employees import records as employees
from app.web.blueprints import page_blueprint
from app.web.forms import form_errors
from app.web.pages import page
from app.web.responses import commit

bp = page_blueprint("certificate_pages", __name__)
public = page_blueprint("certificate_public", __name__, cache_control="no-store")


def _pdf(body: bytes, name: str):
    resp = send_file(io.BytesIO(body), mimetype="application/pdf", as_attachment=False, download_name=name)
    resp.headers["Cache-Control"] = "no-store"
    return resp


# --- a cohort's certificates ------------------------------------------------------------------------------------


def _cohort_page(cohort_id: int, status: int = 200, **extra):
    cohort = cohorts.cohort_detail(cohort_id)
    certs = documents.cohort_certificates(cohort_id)
    can_write = "training:write" in permissions_of(current_user)
    return render_template("certificates/cohort.html", cohort=cohort, certs=certs, tab="sertifikat",
                           can_write=can_write, counts=extra.pop("counts", None),
                           regional=sum(1 for c in certs if c["has_pdf"]), **extra), status


@bp.get("/angkatan/<int:cohort_id>/sertifikat")
@page("training:read")
def cohort(cohort_id: int):
    counts = {k: int(v) for k, v in request.args.items() if k in ("issued", "replaced", "revoked", "unchanged",
                                                                   "partner") and v.isdigit()}
    return _cohort_page(cohort_id, counts=counts or None)


@bp.post("/angkatan/<int:cohort_id>/sertifikat")
@page("training:write")
def issue(cohort_id: int):
    counts = commit(issuing.issue_cohort(cohort_id))
    return redirect(url_for("certificate_pages.cohort", cohort_id=cohort_id, **counts), code=303)


@bp.post("/angkatan/<int:cohort_id>/sertifikat/zip")
@page("training:read")
def cohort_zip(cohort_id: int):
    cohort = cohorts.cohort_detail(cohort_id)
    certs = [c for c in documents.cohort_certificates(cohort_id) if c["has_pdf"]]
    if not certs:
        raise Problem.conflict("Belum ada STTPP terbitan daerah di angkatan ini.")
    if len(certs) <= bundles.INLINE_MAX and request.form.get("background") != "1":
        body = documents.cohort_zip_bytes(cohort_id)
        resp = send_file(io.BytesIO(body), mimetype="application/zip", as_attachment=True,
                         download_name=f"STTPP-{cohort['label'].replace(' ', '-')}.zip")
        resp.headers["Cache-Control"] = "no-store"
        return resp
    token = bundles.new_token()
    job = enqueue(bundles.build_cohort_zip, cohort_id, token)
    return redirect(url_for("certificate_pages.zip_progress", cohort_id=cohort_id, job_id=job.id, token=token),
                    code=303)


@bp.get("/angkatan/<int:cohort_id>/sertifikat/zip/<job_id>/<token>")
@page("training:read")
def zip_progress(cohort_id: int, job_id: str, token: str):
    cohort = cohorts.cohort_detail(cohort_id)
    state = bundles.job_state(job_id)
    ready = state["status"] == "finished" and bundles.zip_path(cohort_id, token).exists()
    return render_template("certificates/zip.html", cohort=cohort, state=state, ready=ready, job_id=job_id,
                           token=token, tab="sertifikat")


@bp.get("/angkatan/<int:cohort_id>/sertifikat/zip/<token>.zip")
@page("training:read")
def zip_download(cohort_id: int, token: str):
    cohort = cohorts.cohort_detail(cohort_id)
    path = bundles.zip_path(cohort_id, token)
    if not path.exists():
        raise Problem.not_found("Berkas ZIP tidak ditemukan.")
    resp = send_file(path, mimetype="application/zip", as_attachment=True,
                     download_name=f"STTPP-{cohort['label'].replace(' ', '-')}.zip")
    resp.headers["Cache-Control"] = "no-store"
    return resp


@bp.get("/sertifikat/<int:certificate_id>.pdf")
@page("training:read")
def certificate_pdf(certificate_id: int):
    cert = documents.staff_certificate(certificate_id)
    return _pdf(documents.pdf_of(cert), documents.filename(cert))


# --- the template -----------------------------------------------------------------------------------------------


def _template_page(status: int = 200, form=None, errors=None):
    template = templates.get_template()
    commit(None)  # the template row made on first use
    return render_template("certificates/template.html", template=template, form=form or {}, errors=errors or {},
                           issuers=issuing.issuer_settings()), status


@bp.get("/sertifikat/templat")
@page("org:manage")
def template_form():
    return _template_page()


@bp.post("/sertifikat/templat")
@page("org:manage")
def update_template():
    try:
        templates.update_template(**{k: request.form.get(k, "") for k in templates.EDITABLE})
    except Problem as exc:
        if exc.status != 422:
            raise
        from app.extensions import db

        db.session.rollback()
        return _template_page(422, form=request.form, errors=form_errors(exc))
    commit(None)
    return redirect(url_for("certificate_pages.template_form"), code=303)


@bp.post("/sertifikat/templat/logo")
@page("org:manage")
def upload_logo():
    upload = request.files.get("logo")
    content = upload.read(templates.MAX_LOGO_BYTES + 1) if upload else b""
    try:
        templates.set_logo(content)
    except Problem as exc:
        if exc.status != 422:
            raise
        from app.extensions import db

        db.session.rollback()
        return _template_page(422, errors=form_errors(exc))
    commit(None)
    return redirect(url_for("certificate_pages.template_form"), code=303)


@bp.get("/sertifikat/templat/contoh.pdf")
@page("org:manage")
def preview():
    body = documents.preview_pdf()
    commit(None)
    return _pdf(body, "STTPP-contoh.pdf")


@bp.post("/sertifikat/penerbit")
@page("org:manage")
def set_issuer():
    program_id = request.form.get("program_id", "")
    if not program_id.isdigit() or len(program_id) > 9:
        raise Problem.invalid("Program tidak valid.", field="program_id", reason="harus angka")
    issuing.set_issuer(int(program_id), request.form.get("issuer", ""))
    commit(None)
    return redirect(url_for("certificate_pages.template_form") + "#penerbit", code=303)


# --- one's own --------------------------------------------------------------------------------------------------


@bp.get("/saya/sertifikat")
@page("self")
def mine():
    emp, _opd = employees.linked_employee(current_user.nip)
    return render_template("certificates/mine.html", certs=documents.own_certificates(emp.id))


@bp.get("/saya/sertifikat/<int:certificate_id>.pdf")
@page("self")
def my_pdf(certificate_id: int):
    emp, _opd = employees.linked_employee(current_user.nip)
    cert = documents.own_certificate(certificate_id, emp.id)
    return _pdf(documents.pdf_of(cert), documents.filename(cert))


# --- public verification ----------------------------------------------------------------------------------------


@public.get("/verifikasi/<code>")
@policy(PUBLIC)
def verify(code: str):
    return render_template("certificates/verify.html", **documents.verify(code))

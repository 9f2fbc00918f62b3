"""Bulk imports: upload a PPPK enrolment file (a worker validates and applies it), follow its run, read its
row-by-row report (JSON pages or the whole CSV/XLSX)."""


from flask import url_for
from flask_login import current_user

from app.blueprints.imports.schemas import (
    ImportErrorArgsSchema,
    ImportErrorPageSchema,
    ImportPageSchema,
    ImportRunSchema,
    ImportUploadFileSchema,
    ImportUploadFormSchema,
)
from app.services.imports import runs as service
from app.services.imports.pipeline import start
from app.services.pagination import ListArgsSchema
from app.web.blueprints import tenant_api_blueprint
from app.web.responses import commit, downloadable, send_table

blp = tenant_api_blueprint("imports", __name__, "imports",
                           "Bulk imports (PPPK enrolments from LAN or a provincial LMS), run by workers.")


@blp.post("/pppk-enrolments")
@blp.arguments(ImportUploadFileSchema, location="files")
@blp.arguments(ImportUploadFormSchema, location="form")
@blp.response(202, ImportRunSchema)
def upload_pppk_enrolments(files, form):
    """Upload a PPPK enrolment file; a worker validates and imports it. Poll the run's URL for progress."""
    upload = files["file"]
    try:
        run = service.create_run(upload.stream, upload.filename or "upload", mode=form["mode"],
                                 dry_run=form["dry_run"], created_by=current_user.username)
    finally:
        upload.close()  # large uploads are spooled to a temporary file by werkzeug
    commit(run)
    start(run.id)
    run = commit(service.get_run(run.id))
    return service.run_view(run), 202, {"Location": url_for("imports.get_import", run_id=run.id)}


@blp.get("")
@blp.arguments(ListArgsSchema, location="query")
@blp.response(200, ImportPageSchema)
def list_imports(args):
    page = service.list_runs(limit=args["limit"], offset=args["offset"], cursor=args["cursor"])
    page.items = [service.run_view(r) for r in page.items]
    return page


@blp.get("/<int:run_id>")
@blp.response(200, ImportRunSchema)
def get_import(run_id):
    return service.run_view(service.get_run(run_id, reap=True))


@blp.post("/<int:run_id>/cancel")
@blp.response(200, ImportRunSchema)
def cancel_import(run_id):
    return service.run_view(commit(service.cancel_run(run_id)))


@blp.get("/<int:run_id>/errors")
@blp.arguments(ImportErrorArgsSchema, location="query")
@blp.response(200, ImportErrorPageSchema)
@downloadable(blp)
def import_errors(args, run_id):
    """The row-by-row error report: JSON (paged) or the whole report as CSV/XLSX."""
    if args["format"] != "json":
        return send_table(args["format"], service.ERROR_COLUMNS, service.iter_errors(run_id),
                          name_parts=["laporan-impor", run_id], title="Laporan impor", delimiter=args["delimiter"])
    return service.errors_page(run_id, limit=args["limit"], offset=args["offset"], cursor=args["cursor"])

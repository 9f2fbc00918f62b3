"""Reconciliation of a partner's completion report: upload (a worker classifies every row), read the classes and
rows, download both sides, apply decisions (a worker applies them), and the changes against a superseded report."""

from flask import url_for
from flask_login import current_user

from app.blueprints.reconciliation.schemas import (
    ApplySchema,
    ChangesSchema,
    DownloadArgsSchema,
    ListRunsArgsSchema,
    ReconciliationFileSchema,
    ReconciliationFormSchema,
    ReconciliationPageSchema,
    ReconciliationRunSchema,
    RowArgsSchema,
    RowPageSchema,
)
from app.services.reconciliation import runs as service
from app.services.reconciliation.pipeline import start_apply, start_classify
from app.web.blueprints import tenant_api_blueprint
from app.web.responses import commit, send_table

blp = tenant_api_blueprint("reconciliations", __name__, "reconciliations",
                           "Reconciliation of partner completion reports (BPSDM, Badiklat, LAN) with the enrolments.")


@blp.post("")
@blp.arguments(ReconciliationFileSchema, location="files")
@blp.arguments(ReconciliationFormSchema, location="form")
@blp.response(202, ReconciliationRunSchema)
def upload_report(files, form):
    """Upload a partner's completion report for a cohort (cohort_id) or a program + year; a worker classifies it.
    Poll the run's URL for its state."""
    upload = files["file"]
    try:
        run = service.create_run(upload.stream, upload.filename or "laporan", partner=form["partner"],
                                 cohort_id=form["cohort_id"], program=form["program"], year=form["year"],
                                 created_by=current_user.username)
    finally:
        upload.close()
    commit(run)
    start_classify(run.id)
    run = commit(service.get_run(run.id))
    return service.run_view(run), 202, {"Location": url_for("reconciliations.get_reconciliation", run_id=run.id)}


@blp.get("")
@blp.arguments(ListRunsArgsSchema, location="query")
@blp.response(200, ReconciliationPageSchema)
def list_reconciliations(args):
    page = service.list_runs(limit=args["limit"], offset=args["offset"], cursor=args["cursor"],
                             cohort_id=args["cohort_id"])
    page.items = service.run_views(page.items)
    return page


@blp.get("/<int:run_id>")
@blp.response(200, ReconciliationRunSchema)
def get_reconciliation(run_id):
    """State, progress and the counts per class."""
    return service.run_view(service.get_run(run_id, reap=True))


@blp.get("/<int:run_id>/rows")
@blp.arguments(RowArgsSchema, location="query")
@blp.response(200, RowPageSchema)
def reconciliation_rows(args, run_id):
    """The rows of one class (or all), with both sides' values, in file order."""
    per_page = args["per_page"]
    page = service.list_rows(run_id, klass=args["klass"], limit=per_page, offset=(args["page"] - 1) * per_page,
                             cursor=args["cursor"])
    return {"items": page.items, "total": page.total, "total_estimated": page.total_estimated,
            "page": args["page"], "per_page": per_page, "next_cursor": page.next_cursor,
            "prev_cursor": page.prev_cursor}


@blp.get("/<int:run_id>/download")
@blp.arguments(DownloadArgsSchema, location="query")
@blp.response(200)
def download_reconciliation(args, run_id):
    """Every row (or one class's) with both sides, as XLSX or CSV."""
    rows = service.iter_rows(run_id, args["klass"])
    return send_table(args["format"], service.ROW_COLUMNS, rows, name_parts=["rekonsiliasi", run_id, args["klass"]],
                      title="Rekonsiliasi", delimiter=args["delimiter"])


@blp.post("/<int:run_id>/apply")
@blp.arguments(ApplySchema)
@blp.response(202, ReconciliationRunSchema)
def apply_reconciliation(data, run_id):
    """Decide per class and/or per row (partner = take the partner's status, JP and certificate; local = keep
    ours; partner-only rows taken from the partner become enrolments). A worker applies it; applying twice
    changes nothing."""
    run = service.request_apply(run_id, classes=data["classes"],
                                rows={r["id"]: r["decision"] for r in data["rows"]},
                                actor=(current_user.user_id, current_user.username))
    commit(run)
    start_apply(run_id)
    return service.run_view(commit(service.get_run(run_id))), 202


@blp.get("/<int:run_id>/changes")
@blp.response(200, ChangesSchema)
def reconciliation_changes(run_id):
    """What changed since the report this one supersedes."""
    return service.changes(run_id)

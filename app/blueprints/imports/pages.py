"""Import pages (Bahasa Indonesia): the list of runs, upload a PPPK enrolment file, then watch its run with a
progress bar.

The same services as the API (app.services.imports.runs); the progress bar polls the run's JSON in the API.
"""

from __future__ import annotations

from flask import redirect, render_template, request, url_for
from flask_login import current_user

from app.authz import permissions_of
from app.models.imports import IMPORT_MODES
from app.problems import Problem
from app.services.imports import runs as service
from app.services.imports.pipeline import start
from app.web.blueprints import page_blueprint
from app.web.filters import label_set
from app.web.pages import page
from app.web.paging import PAGE_SIZE, page_args, pager
from app.web.responses import commit

bp = page_blueprint("import_pages", __name__, "impor")


def _form(error: str | None = None, status: int = 200):
    return render_template("imports/new.html", modes=label_set("import_modes"), error=error), status


@bp.get("/baru")
@page("training:write")
def new_import():
    service.ensure_unscoped()
    return _form()


@bp.post("/baru")
@page("training:write")
def upload():
    upload = request.files.get("file")
    mode = request.form.get("mode", "valid-only")
    if upload is None or not upload.filename:
        return _form("Pilih file CSV atau XLSX terlebih dahulu.", 422)
    if mode not in IMPORT_MODES:
        return _form("Mode impor tidak dikenal.", 422)
    try:
        run = service.create_run(upload.stream, upload.filename, mode=mode, dry_run=bool(request.form.get("dry_run")),
                                 created_by=current_user.username)
    except Problem as exc:
        return _form(exc.detail or exc.title, exc.status)
    finally:
        upload.close()
    commit(run)
    start(run.id)
    commit(None)
    return redirect(url_for("import_pages.show_import", run_id=run.id), code=303)


@bp.get("/<int:run_id>")
@page("training:read")
def show_import(run_id: int):
    run = service.run_view(service.get_run(run_id, reap=True))
    return render_template("imports/show.html", run=run,
                           api_url=url_for("imports.get_import", run_id=run_id),
                           report_csv=url_for("imports.import_errors", run_id=run_id, format="csv"),
                           report_xlsx=url_for("imports.import_errors", run_id=run_id, format="xlsx"))


@bp.get("")
@page("training:read")
def list_imports():
    """Every import run of the region, newest first (only for staff not limited to OPDs, as the API)."""
    result = service.list_runs(limit=PAGE_SIZE, **page_args(request.args))
    return render_template("imports/list.html", runs=[service.run_view(r) for r in result.items],
                           pager=pager(result),
                           can_write="training:write" in permissions_of(current_user))

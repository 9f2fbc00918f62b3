"""`kompeten import pppk-enrolments`: queue an import and, with --wait, follow it to the end."""

from pathlib import Path

import click
from flask.cli import with_appcontext

from app.commands import follow_run
from app.extensions import db
from app.models.imports import IMPORT_MODES
from app.services.imports import runs as service
from app.services.imports.pipeline import start
from app.tenancy import tenant_context


@click.group("import")
def import_group():
    """Bulk imports into a region (run by the workers)."""


@import_group.command("pppk-enrolments")
@click.argument("slug")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--mode", type=click.Choice(IMPORT_MODES), default="valid-only", show_default=True)
@click.option("--dry-run", is_flag=True, help="Validate and report without writing.")
@click.option("--wait/--no-wait", default=True, show_default=True, help="Follow the run until it ends.")
@with_appcontext
def pppk_enrolments(slug: str, path: Path, mode: str, dry_run: bool, wait: bool):
    """Import a PPPK enrolment file (CSV or XLSX).

    The file's rows go into region SLUG, through the workers."""
    with tenant_context(slug):
        with path.open("rb") as fh:
            run = service.create_run(fh, path.name, mode=mode, dry_run=dry_run, created_by="cli")
        db.session.commit()
        start(run.id)
        db.session.commit()
        run_id = run.id
    click.echo(f"{slug}: import {run_id} queued ({path.name}, {mode}{', dry run' if dry_run else ''})")
    if not wait:
        return
    view = follow_run(slug, lambda: service.run_view(service.get_run(run_id, reap=True)),
                      lambda v: f"  {v['state']:<10} {v['progress'] * 100:5.1f}%  rows read {v['rows']['read']}",
                      ("done", "failed", "cancelled"))
    rows = view["rows"]
    click.echo(f"summary: {rows['read']} read, {rows['valid']} valid, {rows['invalid']} invalid, "
               f"{rows['duplicate']} duplicate, {rows['created']} created, {rows['updated']} updated, "
               f"{rows['unchanged']} unchanged" + (f"; {view['error']}" if view["error"] else ""))
    if view["state"] != "done":
        raise SystemExit(1)

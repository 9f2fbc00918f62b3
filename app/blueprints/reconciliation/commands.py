"""`kompeten reconcile`: queue a partner's completion report for reconciliation and, with --wait, follow it."""

from pathlib import Path

import click
from flask.cli import with_appcontext

from app.commands import follow_run
from app.extensions import db
from app.services.reconciliation import runs as service
from app.services.reconciliation.pipeline import start_classify
from app.tenancy import tenant_context


@click.command("reconcile")
@click.argument("slug")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--partner", required=True, help="Partner code, e.g. BPSDM-JATIM.")
@click.option("--cohort", "cohort_id", type=int, help="The cohort (id) the report is for.")
@click.option("--program", help="Program code, with --year, when the report spans angkatan.")
@click.option("--year", type=int)
@click.option("--wait/--no-wait", default=False, show_default=True, help="Follow the run until it is classified.")
@with_appcontext
def reconcile(slug: str, path: Path, partner: str, cohort_id: int | None, program: str | None, year: int | None,
              wait: bool):
    """Reconcile a partner's completion report.

    The report (CSV or XLSX) is compared with region SLUG's enrolments by the workers. Nothing changes until
    corrections are applied (API or pages)."""
    if (cohort_id is None) == (program is None and year is None):
        raise click.UsageError("give --cohort, or --program with --year")
    with tenant_context(slug):
        with path.open("rb") as fh:
            run = service.create_run(fh, path.name, partner=partner, cohort_id=cohort_id, program=program, year=year,
                                     created_by="cli")
        db.session.commit()
        start_classify(run.id)
        db.session.commit()
        run_id = run.id
    click.echo(f"{slug}: reconciliation {run_id} queued ({path.name}, partner {partner})")
    if not wait:
        return
    view = follow_run(slug, lambda: service.run_view(service.get_run(run_id, reap=True)),
                      lambda v: f"  {v['state_label']}", ("classified", "failed", "superseded"))
    if view["state"] == "failed":
        click.echo(f"failed: {view['error']}")
        raise SystemExit(1)
    counts = ", ".join(f"{service.CLASS_LABELS[k].lower()} {v}" for k, v in view["counts"].items() if v)
    click.echo(f"summary: {counts}; open differences {view['open_differences']}")

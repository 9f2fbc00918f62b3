"""`kompeten tenants seed-demo`: load the demo data of the four first regions (idempotent)."""

import time

import click
from flask.cli import with_appcontext
from sqlalchemy.exc import SQLAlchemyError

from app.extensions import db
from app.services import demo
from app.signals import tenant_data_changed
from app.tenancy import TenantNotFound, TenantUnavailable, tenant_context


@click.command("seed-demo")
@click.argument("slugs", nargs=-1)
@click.option("--all", "all_", is_flag=True, help="Every region that has demo data.")
@with_appcontext
def seed_demo(slugs, all_):
    """Load the demo data into regions.

    Regions with demo data: kota-malang, kab-tuban, kota-jambi, kab-serang; seeded regions are skipped."""
    if not slugs and not all_:
        raise click.UsageError("give one or more region slugs, or --all")
    targets = sorted(demo.REGIONS) if all_ else list(dict.fromkeys(slugs))
    started = time.perf_counter()
    totals = {"seeded": 0, "skipped": 0, "failed": 0}
    for slug in targets:
        line, outcome = seed_one(slug)
        totals[outcome] += 1
        click.echo(f"  {slug:<16} {line}", err=outcome == "failed")
    click.echo(f"summary: {totals['seeded']} seeded, {totals['skipped']} skipped, {totals['failed']} failed "
               f"in {time.perf_counter() - started:.1f} s")
    if totals["failed"]:
        raise SystemExit(1)


def seed_one(slug: str) -> tuple[str, str]:
    """Seed one region in its own transaction; returns (the progress line, seeded | skipped | failed)."""
    if slug not in demo.REGIONS:
        return f"failed   no demo data for this region (known: {', '.join(sorted(demo.REGIONS))})", "failed"
    try:
        with tenant_context(slug):
            try:
                result = demo.seed_current_tenant()
                db.session.commit()
            except Exception:
                db.session.rollback()
                raise
            if result.status == "seeded":
                tenant_data_changed.send(None, reason="demo-seed")
    except TenantNotFound:
        return "failed   region not provisioned (run `kompeten tenants sync` first)", "failed"
    except TenantUnavailable as exc:
        return f"failed   {exc}", "failed"
    except SQLAlchemyError as exc:  # rolled back above; report it and go on with the next region
        return f"failed   {str(exc).splitlines()[0]}", "failed"
    if result.status == "skipped":
        return f"skipped  {result.reason}", "skipped"
    counts = result.counts
    return (f"seeded   {counts['employees']:>5} employees, {counts['cohorts']:>3} cohorts, "
            f"{counts['enrolments']:>5} enrolments, {counts['jp_entries']:>5} JP lines "
            f"in {result.seconds:.2f} s"), "seeded"

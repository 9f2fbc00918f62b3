"""`kompeten rollups refresh`: recompute regions' rollup summaries (the periodic full sweep)."""

import time

import click
import sqlalchemy as sa
from flask.cli import with_appcontext

from app.extensions import db
from app.jobs import enqueue
from app.services.rollups.refresh import refresh_rollups, refresh_tenant_summaries
from app.tenancy import TenantInfo, TenantNotFound, TenantUnavailable, no_tenant, resolve, tenant_context


@click.group("rollups")
def rollups():
    """Provincial and national rollups.

    Each region's yearly figures, in platform.tenant_summaries."""


def _active_tenants() -> list[TenantInfo]:
    with no_tenant(), db.engine.connect() as conn:
        rows = conn.execute(sa.text(
            "SELECT id, slug, name, schema_name, status, province_code FROM platform.tenants "
            "WHERE status = 'active' ORDER BY province_code, slug")).all()
    return [TenantInfo(id=r.id, slug=r.slug, name=r.name, schema=r.schema_name, status=r.status,
                       province_code=r.province_code) for r in rows]


@rollups.command("refresh")
@click.argument("slugs", nargs=-1)
@click.option("--all", "all_", is_flag=True, help="Every active region (one registry query).")
@click.option("--inline", is_flag=True, help="Refresh here and now instead of enqueuing jobs for the workers.")
@click.option("--year", "years", multiple=True, type=int, help="Only these years (default: every year with data).")
@with_appcontext
def refresh(slugs, all_, inline, years):
    """Refresh regions' rollup figures.

    Refreshes the rollup summaries of SLUG ... (or --all) by enqueuing a job per region on the `rollups` queue
    (run `kompeten worker`), or --inline.

    \b
    The nightly full sweep is the schedule rollups.refresh_all (01:00 WIB), run by `kompeten scheduler`; this
    command is for a sweep by hand. Every write that moves a figure also schedules a debounced refresh of its
    region, and vendors can ask for one: POST /admin/api/v1/tenants/<slug>/rollups/refresh.
    """
    if all_ == bool(slugs):
        raise click.UsageError("name region slugs, or --all (not both)")
    try:
        targets = _active_tenants() if all_ else [resolve(slug) for slug in slugs]
    except (TenantNotFound, TenantUnavailable) as exc:
        raise click.ClickException(f"unknown or unavailable region: {exc}") from exc
    years_arg = sorted(set(years)) or None
    started, failed, total_rows = time.monotonic(), 0, 0
    for info in targets:
        if not inline:
            job = enqueue(refresh_rollups, years_arg, tenant=info)
            click.echo(f"  {info.slug:<24} enqueued {job.id}")
            continue
        t0 = time.monotonic()
        try:
            with tenant_context(info):
                result = refresh_tenant_summaries(years_arg)
                db.session.commit()
        except Exception as exc:  # noqa: BLE001 - one region's failure must not stop the sweep
            failed += 1
            click.echo(f"  {info.slug:<24} FAILED: {exc}", err=True)
            continue
        total_rows += result["rows"]
        years_text = f"{result['years'][0]}-{result['years'][-1]}" if result["years"] else "-"
        click.echo(f"  {info.slug:<24} {result['rows']:5d} rows  years {years_text}  "
                   f"{(time.monotonic() - t0) * 1000:7.0f} ms")
    if inline:
        click.echo(f"{len(targets) - failed} region(s) refreshed, {failed} failed, {total_rows} rows, "
                   f"{time.monotonic() - started:.1f} s")
        if failed:
            raise click.exceptions.Exit(1)
    else:
        click.echo(f"{len(targets)} refresh job(s) enqueued on the rollups queue")

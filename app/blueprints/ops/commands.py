"""`kompeten ops`: running the platform (the metrics scrape token; backups by hand)."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from app.auth import new_secret
from app.services.ops import metrics

METRICS_TOKEN_PREFIX = "kpm_"  # noqa: S105 - a prefix, not a secret; never kpt_: it is not a login token and must not be looked up as one


@click.group("ops")
def ops():
    """Operations: metrics token, backups."""


@ops.command("metrics-token")
def metrics_token():
    """Make a token for Prometheus to scrape /metrics with.

    The token is printed once; configure only its digest (KOMPETEN_METRICS_TOKEN_SHA256)."""
    token = METRICS_TOKEN_PREFIX + new_secret()
    click.echo(f"token (give it to Prometheus as its bearer token; shown once): {token}")
    click.echo(f"KOMPETEN_METRICS_TOKEN_SHA256={metrics.token_digest(token)}")


@ops.command("scrape")
@with_appcontext
def scrape():
    """Print what /metrics would answer.

    From this host, no token needed."""
    click.echo(metrics.scrape().decode())


@ops.command("backup")
@click.option("--tenant", "slugs", multiple=True, help="Only these regions (default: every active one).")
@with_appcontext
def backup(slugs):
    """Run tonight's backup now, in this process.

    Same as the admin.backup schedule: one bundle per region and day, then the retention rule."""
    from app.extensions import db
    from app.schedules import active_region_ids
    from app.services.admin import backups
    from app.tenancy import registry, tenant_context

    targets = list(slugs) or active_region_ids()
    failed = 0
    for target in targets:
        info = registry.get(target) if isinstance(target, str) else registry.get_by_id(target)
        if info is None:
            raise click.ClickException(f"no region {target}")
        try:
            with tenant_context(info):
                out = backups.run_backup(backups.clock())
                db.session.commit()
        except Exception as exc:  # noqa: BLE001 - one region's failure is reported, the others still run
            failed += 1
            db.session.remove()
            with tenant_context(info):
                backups.mark_failed(exc)
                db.session.commit()
            click.echo(f"  {info.slug:<24} FAILED {type(exc).__name__}: {exc}")
            continue
        state = "written" if out["written"] else "already done"
        click.echo(f"  {info.slug:<24} {out['day']} export {out['export_id']} {state}, "
                   f"{len(out['pruned'])} pruned, {out['partial_files_removed']} partial file(s) removed")
    click.echo(f"{len(targets)} region(s), {failed} failed")
    if failed:
        raise SystemExit(1)

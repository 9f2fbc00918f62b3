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
    """Print what /metrics would answer (from this host, no token needed)."""
    click.echo(metrics.scrape().decode())

"""`kompeten admin create-token | revoke-token | tokens` (vendor tokens for the admin API) and
`kompeten tenants restore` (a region from an export bundle). Secrets are printed once, stored as digests."""

import click
from flask.cli import with_appcontext

from app.authz import ADMIN_SCOPES
from app.extensions import db
from app.problems import Problem
from app.services.admin import exports, tokens
from app.services.tokens import DEFAULT_TOKEN_DAYS
from app.tenancy import no_tenant


@click.group("admin")
def admin():
    """Vendor tokens for the admin API (/admin/api/v1)."""


@admin.command("create-token")
@click.option("--user", "username", required=True, help="A platform user with role vendor.")
@click.option("--scope", "scopes", multiple=True, type=click.Choice(ADMIN_SCOPES),
              help="Repeatable; default: all of them.")
@click.option("--expires-in-days", default=DEFAULT_TOKEN_DAYS, show_default=True, type=int)
@click.option("--name", default="admin-api", show_default=True)
@with_appcontext
def create_token(username, scopes, expires_in_days, name):
    """Make a vendor token (its secret is printed once).

    Only its SHA-256 digest is kept."""
    with no_tenant():
        try:
            made = tokens.create(username, list(scopes or ADMIN_SCOPES), expires_in_days, name)
        except tokens.TokenError as exc:
            raise click.ClickException(str(exc)) from exc
        db.session.commit()
    click.echo(f"token {made['id']} for {username}: scopes {' '.join(made['scopes'])}, "
               f"expires {made['expires_at']:%Y-%m-%d}")
    click.echo(made["token"])


@admin.command("revoke-token")
@click.argument("token")
@with_appcontext
def revoke_token(token):
    """Revoke a token by its id or its shown prefix (kpt_xxxxxxxx)."""
    with no_tenant():
        try:
            row = tokens.revoke(token)
        except tokens.TokenError as exc:
            raise click.ClickException(str(exc)) from exc
        db.session.commit()
    click.echo(f"token {row['id']} ({row['prefix']}) of {row['user']} revoked")


@admin.command("tokens")
@click.option("--user", "username", default=None)
@with_appcontext
def list_tokens(username):
    """Vendor tokens (never their secrets)."""
    with no_tenant():
        rows = tokens.list_all(username)
    for r in rows:
        state = "active" if r["active"] else ("revoked" if r["revoked_at"] else "expired")
        click.echo(f"{r['id']:>5} {r['prefix']:<14} {r['user']:<20} {state:<8} {r['expires_at']:%Y-%m-%d} "
                   f"{' '.join(r['scopes'])}")
    click.echo(f"{len(rows)} token(s)")


@click.command("restore")
@click.argument("export_id", type=int)
@click.option("--slug", default=None, help="A new slug (default: the exported region's, if it was deleted).")
@click.option("--region-code", default=None)
@click.option("--name", default=None)
@with_appcontext
def restore(export_id, slug, region_code, name):
    """Create a region from an export bundle.

    Row counts and checksums are verified per table before it goes live."""
    try:
        out = exports.restore(export_id, {"slug": slug, "region_code": region_code, "name": name})
    except Problem as exc:
        raise click.ClickException("; ".join(f"{e['field']}: {e['reason']}" for e in exc.errors or [])
                                   or exc.detail or exc.title) from exc
    rows = sum(t["rows"] for t in out["tables"].values())
    click.echo(f"{out['tenant']['slug']}: restored from export {export_id} ({len(out['tables'])} tables, "
               f"{rows} rows, checksums verified)")

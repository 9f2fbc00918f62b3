"""`kompeten users create` (a region's staff, with a one-time set-password link) and
`kompeten platform-users create` (vendor, province and national users, with a generated password).
Secrets are printed once and stored only as hashes."""

import os

import click
from flask.cli import with_appcontext

from app.extensions import db
from app.models.accounts import PLATFORM_ROLES, TENANT_ROLES
from app.problems import Problem
from app.services.demo.users import INVITE_DAYS, create_platform_user, create_tenant_user
from app.tenancy import TenantNotFound, TenantUnavailable, no_tenant, tenant_context

DEFAULT_BASE_URL = "http://127.0.0.1:5000"


def _explain(exc: Problem) -> str:
    reasons = "; ".join(f"{e['field']}: {e['reason']}" for e in exc.errors or [])
    return reasons or exc.detail or exc.title


@click.group("users")
def users():
    """Users of one region (admin, operator, viewer, employee)."""


@users.command("create")
@click.argument("slug")
@click.argument("username")
@click.option("--role", type=click.Choice(TENANT_ROLES), required=True)
@click.option("--opd-id", "opd_ids", type=int, multiple=True, help="Limit an operator to this OPD (repeatable).")
@click.option("--nip", default=None, help="Link to an employee of the region (required for role employee).")
@click.option("--full-name", default=None, help="Display name (default: the username).")
@click.option("--base-url", default=lambda: os.environ.get("KOMPETEN_BASE_URL", DEFAULT_BASE_URL),
              show_default=f"$KOMPETEN_BASE_URL or {DEFAULT_BASE_URL}", help="Where users reach Kompeten.")
@with_appcontext
def create_user(slug, username, role, opd_ids, nip, full_name, base_url):
    """Create a user of region SLUG (prints a set-password link).

    The one-time link is shown once."""
    try:
        with tenant_context(slug):
            try:
                user_id, link = create_tenant_user(username, role, full_name=full_name or username, opd_ids=opd_ids,
                                                   nip=nip)
                db.session.commit()
            except Problem as exc:
                db.session.rollback()
                raise click.ClickException(_explain(exc)) from exc
    except (TenantNotFound, TenantUnavailable) as exc:
        raise click.ClickException(f"region {slug}: not found or not active ({exc})") from exc
    scope = f", OPD {', '.join(map(str, sorted(set(opd_ids))))}" if opd_ids else ""
    click.echo(f"created {username} ({role}{scope}) in {slug}, id {user_id}")
    click.echo(f"one-time set-password link, valid {INVITE_DAYS} days (shown once; send it to the user):")
    click.echo(f"  {base_url.rstrip('/')}{link}")


@click.group("platform-users")
def platform_users():
    """Platform users: vendor, province, national.

    A province user is bound to one province code."""


@platform_users.command("create")
@click.argument("username")
@click.option("--role", type=click.Choice(PLATFORM_ROLES), required=True)
@click.option("--province", "province_code", default=None, help="Province code (two digits, e.g. 35) for role "
                                                                 "province.")
@click.option("--full-name", default=None, help="Display name (default: the username).")
@with_appcontext
def create_platform(username, role, province_code, full_name):
    """Create a platform user (prints a generated password once)."""
    with no_tenant():
        try:
            user_id, password = create_platform_user(username, role, full_name=full_name or username,
                                                     province_code=province_code)
            db.session.commit()
        except Problem as exc:
            db.session.rollback()
            raise click.ClickException(_explain(exc)) from exc
    where = f", province {province_code}" if province_code else ""
    click.echo(f"created platform user {username} ({role}{where}), id {user_id}")
    click.echo(f"password (shown once, stored only as a hash): {password}")

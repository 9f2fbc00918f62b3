"""The `kompeten` command: the app's Flask CLI group (`flask --app app ...` works too).

With no DATABASE_URL / REDIS_URL, `kompeten` starts the embedded PostgreSQL and Redis under the instance
directory first (and generates a SECRET_KEY there), so a newcomer needs no installed servers.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click
from flask.cli import FlaskGroup

_embedded = None


def _prepare_environment(instance_dir: str | None = None) -> None:
    """Fill DATABASE_URL / REDIS_URL / SECRET_KEY from the embedded servers when they are not set."""
    global _embedded  # noqa: PLW0603 - the servers live as long as the command
    from app import embedded

    instance = Path(instance_dir or os.environ.get("KOMPETEN_INSTANCE_DIR") or Path.cwd() / "instance").resolve()
    os.environ["KOMPETEN_INSTANCE_DIR"] = str(instance)
    if not os.environ.get("SECRET_KEY"):
        os.environ["SECRET_KEY"] = embedded.secret_key(instance)
    if os.environ.get("DATABASE_URL") and os.environ.get("REDIS_URL"):
        return
    if os.environ.get("DATABASE_URL") or os.environ.get("REDIS_URL"):
        raise click.UsageError("set both DATABASE_URL and REDIS_URL, or neither (to use the embedded servers)")
    click.echo(f"Starting embedded PostgreSQL and Redis under {instance} ...", err=True)
    _embedded = embedded.start(instance)
    os.environ["DATABASE_URL"] = _embedded.database_url
    os.environ["REDIS_URL"] = _embedded.redis_url


def _create_app():
    from app import create_app

    return create_app()


cli = FlaskGroup(name="kompeten", create_app=_create_app, add_default_commands=False, add_version_option=False,
                 help="Kompeten: training records for Indonesian regions (one schema per region).")


def main() -> None:
    args = sys.argv[1:]
    needs_services = args and not any(a in ("--help", "-h") for a in args)
    if needs_services:
        instance_dir = None
        if "--instance-dir" in args:
            instance_dir = args[args.index("--instance-dir") + 1]
        _prepare_environment(instance_dir)
    try:
        cli.main(args=args, prog_name="kompeten")
    finally:
        if _embedded is not None:
            _embedded.stop()


def register_commands(app) -> None:
    """Every command the areas declare (app/blueprints/<area>/__init__.py)."""
    from app.areas import commands

    top, nested = commands()
    for command in top:
        app.cli.add_command(command)
    for group, command in nested:
        app.cli.commands[group].add_command(command)

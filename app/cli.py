"""The `kompeten` command: every sub-command of the app (`flask --app app ...` works too).

Help needs nothing: `kompeten --help` and every sub-command's `--help` work with no DATABASE_URL, REDIS_URL or
SECRET_KEY and start no server. Only when a command actually runs is the app created: with no DATABASE_URL /
REDIS_URL the embedded PostgreSQL and Redis start under the instance directory first (and a SECRET_KEY is
generated there), and both servers' versions are checked (app/servers.py) before the command does anything.
"""

from __future__ import annotations

import os
import signal
import sys

import click
from flask.cli import ScriptInfo

_embedded = None


def _prepare_environment(instance_dir: str | None = None) -> None:
    """Fill DATABASE_URL / REDIS_URL / SECRET_KEY from the embedded servers when they are not set."""
    global _embedded  # noqa: PLW0603 - the servers live as long as the command
    from app import embedded
    from app.config import instance_path

    instance = instance_path(instance_dir)
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
    """Called by a command's app context (flask.cli.with_appcontext) only when the command runs, never for help."""
    from app import create_app, servers

    ctx = click.get_current_context(silent=True)
    _prepare_environment(ctx.params.get("instance_dir") if ctx else None)
    app = create_app()
    try:
        servers.check_app_servers(app)
    except servers.ServerTooOld as exc:
        raise click.ClickException(str(exc)) from exc
    return app


cli = click.Group(name="kompeten", help="Kompeten: training records for Indonesian regions (one schema per region).")


def _commands() -> list:
    """Every command the areas declare (app/blueprints/<area>/__init__.py); a ("group", command) pair joins that
    group of another area."""
    from app.areas import commands

    top, nested = commands()
    groups = {command.name: command for command in top}
    for group, command in nested:
        if command.name not in groups[group].commands:
            groups[group].add_command(command)
    return top


for _command in _commands():
    cli.add_command(_command)


def _stop_on_sigterm(signum, _frame):
    """SIGTERM ends a command the way Ctrl-C does (the embedded servers are stopped on the way out)."""
    raise KeyboardInterrupt


def main() -> None:
    signal.signal(signal.SIGTERM, _stop_on_sigterm)
    try:
        cli.main(args=sys.argv[1:], prog_name="kompeten", obj=ScriptInfo(create_app=_create_app,
                                                                           set_debug_flag=False))
    finally:
        if _embedded is not None:
            # A second Ctrl-C or SIGTERM must not cut the servers' shutdown short and leave them running.
            signal.signal(signal.SIGINT, signal.SIG_IGN)
            signal.signal(signal.SIGTERM, signal.SIG_IGN)
            _embedded.stop()


def register_commands(app) -> None:
    """The same commands on the app's own CLI group (`flask --app app ...`)."""
    for command in _commands():
        app.cli.add_command(command)

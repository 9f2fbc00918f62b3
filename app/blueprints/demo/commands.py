"""`kompeten demo` (the whole product on a laptop: the four demo regions, their users, a worker and the web server)
and `kompeten tenants seed-demo` (load the demo data of the four first regions; idempotent)."""

import os
import signal
import subprocess
import sys
import time

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy.exc import SQLAlchemyError

from app.domain.passwords import PasswordRejected
from app.extensions import db
from app.services.admin import manifests, migrations
from app.services.demo import regions as demo_data
from app.services.demo import users as demo_users
from app.signals import tenant_data_changed
from app.tenancy import TenantNotFound, TenantUnavailable, tenant_context


@click.command("demo")
@click.option("--instance-dir", default=None, help="Where the embedded servers keep data (default ./instance).")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True)
@click.option("--password", envvar="KOMPETEN_DEMO_PASSWORD", default=None,
              help="Password for the demo users created by this run (default: a random one, printed once).")
@with_appcontext
def demo(instance_dir, host: str, port: int, password: str | None):
    """Provision the four demo regions and their demo users, start one RQ worker and the web server; Ctrl-C
    stops all."""
    click.echo("Platform schema ...")
    migrations.upgrade_platform()
    click.echo("Regions from tenants/ ...")
    manifests.sync(current_app.config["TENANTS_DIR"],
                   on_line=lambda line: click.echo(f"  {line.slug:<20} {line.action}"))
    click.echo("Demo data ...")
    click.get_current_context().invoke(seed_demo, slugs=(), all_=True)
    _demo_users(password)
    env = dict(os.environ)
    env.setdefault("KOMPETEN_COOKIE_SECURE", "0")  # the local demo is plain http: a Secure cookie would never return
    children = [
        subprocess.Popen([sys.executable, "-m", "app.cli_entry", "worker"], env=env),  # noqa: S603
        subprocess.Popen([sys.executable, "-m", "gunicorn", "--bind", f"{host}:{port}", "--workers", "2",  # noqa: S603
                          "--access-logfile", "-", "app:create_app()"], env=env),
    ]
    base = f"http://{host}:{port}"
    click.echo("\nKompeten is running. Open:")
    for slug in sorted(s.slug for s in manifests.load_manifests(current_app.config["TENANTS_DIR"])):
        click.echo(f"  {base}/t/{slug}/login   {base}/t/{slug}/api/v1/docs   ({slug}: log in, API)")
    click.echo(f"  {base}/login   (platform users: province, national, vendor)")
    click.echo(f"  {base}/healthz\nPress Ctrl-C to stop.")
    try:
        while all(c.poll() is None for c in children):
            time.sleep(0.5)
        click.echo("a child process stopped; shutting down", err=True)
    except KeyboardInterrupt:
        click.echo("\nStopping ...")
    finally:
        for child in children:
            if child.poll() is None:
                child.send_signal(signal.SIGTERM)
        for child in children:
            try:
                child.wait(timeout=15)
            except subprocess.TimeoutExpired:
                child.kill()


def _demo_users(password: str | None) -> None:
    """Create the demo users that do not exist yet and print them; the password is printed once, never stored."""
    click.echo("Demo users ...")
    try:
        if password is not None:
            demo_users.check_demo_password(password, demo_data.REGIONS)
        password = password or demo_users.generate_password(*demo_users.DEMO_USERNAMES)
        lines = demo_users.ensure_demo_users(sorted(demo_data.REGIONS), password)
    except PasswordRejected as exc:
        raise click.BadParameter(exc.message, param_hint="--password") from exc
    click.echo(f"  {'where':<14} {'username':<13} {'role':<10} note")
    for line in lines:
        note = ", ".join(filter(None, ["created" if line.created else "", line.note]))
        click.echo(f"  {line.where:<14} {line.username:<13} {line.role:<10} {note}".rstrip())
    if any(line.created for line in lines):
        click.echo(f"Demo password (every user created above; shown once, stored nowhere): {password}")
    else:
        click.echo("Demo password: unchanged (every demo user already existed)")


@click.command("seed-demo")
@click.argument("slugs", nargs=-1)
@click.option("--all", "all_", is_flag=True, help="Every region that has demo data.")
@with_appcontext
def seed_demo(slugs, all_):
    """Seed demo data into regions (kota-malang, kab-tuban, kota-jambi, kab-serang); seeded regions are skipped."""
    if not slugs and not all_:
        raise click.UsageError("give one or more region slugs, or --all")
    targets = sorted(demo_data.REGIONS) if all_ else list(dict.fromkeys(slugs))
    started = time.perf_counter()
    totals = {"seeded": 0, "skipped": 0, "failed": 0}
    for slug in targets:
        line, outcome = _seed_one(slug)
        totals[outcome] += 1
        click.echo(f"  {slug:<16} {line}", err=outcome == "failed")
    click.echo(f"summary: {totals['seeded']} seeded, {totals['skipped']} skipped, {totals['failed']} failed "
               f"in {time.perf_counter() - started:.1f} s")
    if totals["failed"]:
        raise SystemExit(1)


def _seed_one(slug: str) -> tuple[str, str]:
    """Seed one region in its own transaction; returns (the progress line, seeded | skipped | failed)."""
    if slug not in demo_data.REGIONS:
        return f"failed   no demo data for this region (known: {', '.join(sorted(demo_data.REGIONS))})", "failed"
    try:
        with tenant_context(slug):
            try:
                result = demo_data.seed_current_tenant()
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

import os
import signal
import subprocess
import sys
import time

import click
from flask import current_app
from flask.cli import with_appcontext

from app.commands.seed_demo import seed_demo
from app.services import manifests, migrations


@click.command("demo")
@click.option("--instance-dir", default=None, help="Where the embedded servers keep data (default ./instance).")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True)
@with_appcontext
def demo(instance_dir, host: str, port: int):
    """Provision the four demo regions, start one RQ worker and the web server; Ctrl-C stops all."""
    click.echo("Platform schema ...")
    migrations.upgrade_platform()
    click.echo("Regions from tenants/ ...")
    manifests.sync(current_app.config["TENANTS_DIR"],
                   on_line=lambda line: click.echo(f"  {line.slug:<20} {line.action}"))
    click.echo("Demo data ...")
    click.get_current_context().invoke(seed_demo, slugs=(), all_=True)
    env = dict(os.environ)
    children = [
        subprocess.Popen([sys.executable, "-m", "app.cli_entry", "worker"], env=env),  # noqa: S603
        subprocess.Popen([sys.executable, "-m", "gunicorn", "--bind", f"{host}:{port}", "--workers", "2",  # noqa: S603
                          "--access-logfile", "-", "app:create_app()"], env=env),
    ]
    base = f"http://{host}:{port}"
    click.echo("\nKompeten is running. Open:")
    for slug in sorted(s.slug for s in manifests.load_manifests(current_app.config["TENANTS_DIR"])):
        click.echo(f"  {base}/t/{slug}/api/v1/docs   (API of {slug})")
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

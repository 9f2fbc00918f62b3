"""`kompeten demo` and `kompeten tenants seed-demo` (the demo data of the four first regions; idempotent).

`kompeten demo`: the product on one laptop. It prints only what a person needs (where the data is, the
logins, the URLs, where the log goes); migrations, the worker, the web server's access log and warnings go to
<instance>/logs/demo.log. Ctrl-C or SIGTERM stops everything it started."""

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import click
from flask import current_app
from flask.cli import ScriptInfo, with_appcontext
from sqlalchemy.exc import SQLAlchemyError

from app import logs
from app.config import instance_path
from app.domain.passwords import PasswordRejected
from app.extensions import db
from app.services.admin import manifests, migrations
from app.services.demo import regions as demo_data
from app.services.demo import users as demo_users
from app.signals import tenant_data_changed
from app.tenancy import TenantNotFound, TenantUnavailable, tenant_context

READY_TIMEOUT = 60  # seconds for the web server to accept connections


@click.command("demo")
@click.option("--instance-dir", default=None, help="Where the embedded servers keep data (default ./instance).")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True)
@click.option("--password", envvar="KOMPETEN_DEMO_PASSWORD", default=None,
              help="Password for the demo users created by this run (default: a random one, printed once).")
@click.pass_context
def demo(ctx, instance_dir, host: str, port: int, password: str | None):
    """Run the product locally, with demo data.

    Provisions the four demo regions and their demo users, starts one RQ worker and the web server, and prints
    the URLs and logins; Ctrl-C stops all. With no DATABASE_URL / REDIS_URL it runs on the embedded servers."""
    log_file = Path(os.environ.get("KOMPETEN_LOG_FILE") or instance_path(instance_dir) / "logs" / "demo.log")
    os.environ["KOMPETEN_LOG_FILE"] = str(log_file)  # this process, the worker and the web server
    # Before the embedded servers start, so that their warnings go to the log too.
    logs.configure(os.environ.get("KOMPETEN_LOG_LEVEL", "INFO"), os.environ.get("KOMPETEN_LOG_FORMAT", "text"),
                   str(log_file))
    app = ctx.ensure_object(ScriptInfo).load_app()
    with app.app_context():
        _prepare(password)
        _serve(host, port, log_file)


def _prepare(password: str | None) -> None:
    click.echo("Preparing the demo regions (the first run takes a few minutes) ...")
    migrations.upgrade_platform()
    lines = manifests.sync(current_app.config["TENANTS_DIR"])
    regions = ", ".join(f"{line.slug} ({line.action})" for line in lines)
    click.echo(f"  regions: {regions}")
    outcomes = [seed_one(slug) for slug in sorted(demo_data.REGIONS)]
    seeded = [slug for slug, (_line, outcome) in zip(sorted(demo_data.REGIONS), outcomes, strict=True)
              if outcome == "seeded"]
    for slug, (line, outcome) in zip(sorted(demo_data.REGIONS), outcomes, strict=True):
        if outcome == "failed":
            click.echo(f"  demo data for {slug} failed: {line}", err=True)
    click.echo(f"  demo data: {'loaded into ' + ', '.join(seeded) if seeded else 'already there'}")
    _demo_addresses()
    _demo_users(password)


def _demo_addresses() -> None:
    """Invented e-mail addresses for the demo employees, so that an enrolment shows its summons in the outbox."""
    from app.services.notifications.people import fill_demo_addresses

    for slug in sorted(demo_data.REGIONS):
        try:
            with tenant_context(slug):
                fill_demo_addresses()
                db.session.commit()
        except (TenantNotFound, TenantUnavailable, SQLAlchemyError) as exc:
            db.session.rollback()
            click.echo(f"  demo e-mail addresses for {slug} failed: {str(exc).splitlines()[0]}", err=True)


def _serve(host: str, port: int, log_file: Path) -> None:
    env = dict(os.environ)
    env.setdefault("KOMPETEN_COOKIE_SECURE", "0")  # the local demo is plain http: a Secure cookie would never return
    mail = _local_smtp(env)
    with open(log_file, "a", encoding="utf-8") as log:
        siasn = _siasn_standin(host, env, log)
        children = [*([siasn[0]] if siasn else []),
            subprocess.Popen([sys.executable, "-m", "app.cli_entry", "worker"], env=env,  # noqa: S603
                             stdout=log, stderr=subprocess.STDOUT),
            subprocess.Popen([sys.executable, "-m", "gunicorn", "--bind", f"{host}:{port}", "--workers", "2",  # noqa: S603
                              "--access-logfile", "-", "app:create_app()"], env=env, stdout=log,
                             stderr=subprocess.STDOUT),
        ]
    try:
        if not _wait_until_listening(host, port, children):
            click.echo(f"The web server did not start; see {log_file}", err=True)
            return
        base = f"http://{host}:{port}"
        click.echo("\nKompeten is running. Open:")
        for slug in sorted(s.slug for s in manifests.load_manifests(current_app.config["TENANTS_DIR"])):
            click.echo(f"  {base}/t/{slug}/login   {base}/t/{slug}/api/v1/docs   ({slug}: log in, API)")
        click.echo(f"  {base}/login   (platform users: province, national, vendor)")
        if siasn:
            click.echo(f"  {base}/t/kota-malang/siasn   (SIASN link, connected to a TEST STAND-IN of SIASN, "
                       f"{siasn[1]})")
        if mail is not None:
            click.echo(f"  {base}/t/<slug>/notifikasi   (the outbox: what was sent by e-mail)\n"
                       f"Mail: no SMTP server configured, so a local one listens on {mail.host}:{mail.port} and keeps "
                       f"each message in {mail.mailbox.directory}")
        click.echo(f"  {base}/healthz\nLog (migrations, worker, web server): {log_file}\nPress Ctrl-C to stop.")
        while all(c.poll() is None for c in children):
            time.sleep(0.5)
        click.echo(f"A process of the demo stopped; shutting down (see {log_file})", err=True)
    except KeyboardInterrupt:  # Ctrl-C, or SIGTERM (app.cli turns it into the same)
        click.echo("\nStopping ...")
    finally:
        _stop(children)
        if mail is not None:
            mail.stop()


def _local_smtp(env: dict):
    """With no SMTP server configured, a local one (aiosmtpd) on loopback for the demo's worker; None otherwise."""
    if env.get("KOMPETEN_SMTP_HOST") or current_app.config.get("SMTP_HOST"):
        return None
    from app.services.notifications.local_smtp import LocalSmtp

    mail = LocalSmtp(directory=Path(current_app.config["INSTANCE_DIR"]) / "mail").start()
    env.update({"KOMPETEN_SMTP_HOST": mail.host, "KOMPETEN_SMTP_PORT": str(mail.port),
                "KOMPETEN_SMTP_FROM": "no-reply@kompeten.local"})
    return mail


def _siasn_standin(host: str, env: dict, log):
    """In a checkout with tests/ (not an installed package): start the SIASN test stand-in (tests/siasn_standin.py)
    on a free port and connect Kota Malang to it, with credentials made up for this run, so a newcomer can push a
    cohort's results and compare. Returns (process, url), or None."""
    from app.config import REPO_ROOT
    from app.services.demo.regions import REGIONS
    from app.services.siasn import connection

    if not (REPO_ROOT / "tests" / "siasn_standin.py").exists() or "kota-malang" not in REGIONS:
        return None
    with socket.socket() as probe:
        probe.bind((host, 0))
        port = probe.getsockname()[1]
    creds = {"consumer_key": "demo-" + os.urandom(4).hex(), "consumer_secret": os.urandom(12).hex(),
             "username": "demo-operator", "password": os.urandom(12).hex()}
    args = [f"--{k.replace('_', '-')}={v}" for k, v in creds.items()]
    proc = subprocess.Popen([sys.executable, "-m", "tests.siasn_standin", "--host", host, "--port", str(port),  # noqa: S603
                             "--client-id", "kompeten-demo", "--latency", "0.05", *args], env=env, cwd=REPO_ROOT,
                            stdout=log, stderr=subprocess.STDOUT)
    url = f"http://{host}:{port}"
    try:
        with tenant_context("kota-malang"):
            connection.save(base_url=url, client_id="kompeten-demo", instansi_id="DEMO-KOTA-MALANG",
                            updated_by="kompeten demo", **creds)
            db.session.commit()
    except (TenantNotFound, TenantUnavailable, SQLAlchemyError):
        db.session.rollback()
        proc.terminate()
        return None
    return proc, url


def _wait_until_listening(host: str, port: int, children) -> bool:
    deadline = time.monotonic() + READY_TIMEOUT
    while time.monotonic() < deadline and all(c.poll() is None for c in children):
        try:
            with socket.create_connection((host, port), timeout=1):
                return True
        except OSError:
            time.sleep(0.2)
    return False


def _stop(children) -> None:
    """SIGTERM to each child still running (gunicorn stops its workers, RQ finishes its job), SIGKILL after 15 s.
    A second Ctrl-C meanwhile must not cut this short and leave them running."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    for child in children:
        if child.poll() is None:
            child.send_signal(signal.SIGTERM)
    for child in children:
        try:
            child.wait(timeout=15)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()


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
    """Load the demo data into regions.

    Regions with demo data: kota-malang, kab-tuban, kota-jambi, kab-serang; seeded regions are skipped."""
    if not slugs and not all_:
        raise click.UsageError("give one or more region slugs, or --all")
    targets = sorted(demo_data.REGIONS) if all_ else list(dict.fromkeys(slugs))
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

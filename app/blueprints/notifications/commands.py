"""`kompeten notify …`: send what is due, run a region's 20 JP reminders by hand, show the outbox counts."""

from datetime import date

import click
from flask.cli import with_appcontext

from app.extensions import db
from app.services.notifications import compose, digest, outbox, sender
from app.tenancy import tenant_context


@click.group("notify")
def notifications():
    """E-mail: the outbox, reminders, staff digest."""


@notifications.command("send")
@click.argument("slug")
@with_appcontext
def send(slug: str):
    """Send what is due in a region's outbox now.

    The worker does this by itself (the notifications.deliver schedule); this is for an operator in a hurry."""
    with tenant_context(slug):
        done = sender.send_due()
        db.session.commit()
    click.echo(f"{slug}: {done['sent']} sent, {done['queued']} to retry, {done['failed']} failed")


@notifications.command("remind")
@click.argument("slug")
@click.option("--day", default=None, help="The reminder day (YYYY-MM-DD; default today, WIB).")
@with_appcontext
def remind(slug: str, day: str | None):
    """Write a region's 20 JP reminders for a day.

    The reminders and OPD digests of that day, whatever the region's settings say; `send` delivers them."""
    with tenant_context(slug):
        result = compose.jp_reminders(date.fromisoformat(day) if day else None)
        db.session.commit()
    click.echo(f"{slug} {result['day']}: {result['below']} below 20 JP; {result['reminders']} reminders and "
               f"{result['digests']} digests written")


@notifications.command("phases")
@click.argument("slug")
@click.option("--day", default=None, help="The day of the run (YYYY-MM-DD; default today, WIB).")
@with_appcontext
def phases(slug: str, day: str | None):
    """Write a region's phase reminders for a day.

    One per participant of each phase starting within the region's phase_reminder_days; `send` delivers them."""
    with tenant_context(slug):
        result = compose.phase_reminders(date.fromisoformat(day) if day else None)
        db.session.commit()
    click.echo(f"{slug} {result['day']}: {result['phases']} phases; {result['reminders']} reminders written")


@notifications.command("digest")
@click.argument("slug")
@click.option("--day", default=None, help="A day of the digest's week (YYYY-MM-DD; default today, WIB).")
@with_appcontext
def staff_digest(slug: str, day: str | None):
    """Write a region's weekly digest to its BKPSDM staff.

    Nothing is written when every section is empty; `send` delivers what was written."""
    with tenant_context(slug):
        result = digest.staff_digest(date.fromisoformat(day) if day else None)
        db.session.commit()
    click.echo(f"{slug} {result['week']}: {result['sections']} sections; {result['digests']} digests written")


@notifications.command("status")
@click.argument("slug")
@with_appcontext
def status(slug: str):
    """The outbox's count per status."""
    with tenant_context(slug):
        counts = outbox.counts()
    click.echo("  ".join(f"{k}={v}" for k, v in counts.items()))

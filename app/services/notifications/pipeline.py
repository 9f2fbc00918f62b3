"""How messages come to be: reactions to the cohorts area (a summons on enrolment, the result when recorded), to the
certificates area ("STTPP Anda sudah terbit" for each batch the region issues) and the daily 20 JP reminder job; each
writes to the outbox in its own transaction and then wakes the sender.

The reaction runs in the transaction of the enrolment (a savepoint: a message that cannot be written never undoes
the person's write); the sender is enqueued only once that transaction has committed, so it never looks for a
message that is not there yet, and a message whose enqueue fails is still sent by the periodic `deliver` schedule."""

from __future__ import annotations

import logging
from datetime import date

from sqlalchemy import event

from app.domain.dates import today_wib
from app.extensions import db
from app.jobs import tenant_job
from app.services.notifications import compose, digest, sender
from app.tenancy import current_tenant_or_none

log = logging.getLogger(__name__)

_REACTIONS = {"enrolment.create": compose.summons_for, "enrolment.transition": compose.result_for}


def on_tenant_data_changed(sender_obj=None, *, reason: str | None = None, enrolment_id: int | None = None,
                           **_kwargs) -> None:
    """Subscribed to app.signals.tenant_data_changed by the notifications area."""
    react = _REACTIONS.get(reason or "")
    tenant = current_tenant_or_none()
    if react is None or enrolment_id is None or tenant is None:
        return
    try:
        with db.session.begin_nested():
            written = react(enrolment_id)
    except Exception:  # noqa: BLE001 - a message must never undo the enrolment it is about
        log.exception("could not write the %s message of enrolment %s", reason, enrolment_id)
        return
    if written:
        _after_commit(sender.enqueue_delivery)


def on_certificates_issued(sender_obj=None, *, certificate_ids: list[int] | None = None, **_kwargs) -> None:
    """Subscribed to app.signals.certificates_issued: "STTPP Anda sudah terbit" for a whole batch (a cohort's issue,
    a correction) in one savepoint of the issuing transaction; a message that cannot be written never undoes the
    issue."""
    if not certificate_ids or current_tenant_or_none() is None:
        return
    try:
        with db.session.begin_nested():
            written = compose.certificates_for(certificate_ids)
    except Exception:  # noqa: BLE001 - a message must never undo the certificates it is about
        log.exception("could not write the STTPP messages of %d certificates", len(certificate_ids))
        return
    if written:
        _after_commit(sender.enqueue_delivery)


def _after_commit(fn) -> None:
    session = db.session()

    def _run(_session) -> None:
        fn()

    event.listen(session, "after_commit", _run, once=True)


@tenant_job("default", retries=0, timeout=3600)
def daily_reminders(day: str | None = None, force: bool = False) -> dict:
    """The daily 20 JP reminder job of one region (schedule `notifications.jp_reminders`): on a reminder day of the
    region's settings (or with `force`), write the reminders and digests, commit, and send. A second run the same day
    writes nothing new and sends only what is still due."""
    when = date.fromisoformat(day) if day else today_wib()
    if not force and not compose.is_reminder_day(when):
        return {"day": when.isoformat(), "reminder_day": False}
    written = compose.jp_reminders(when)
    db.session.commit()
    sent = sender.send_due()
    return {**written, **sent, "reminder_day": True}


@tenant_job("default", retries=0, timeout=3600)
def daily_phase_reminders(day: str | None = None) -> dict:
    """The daily phase-reminder job of one region (schedule `notifications.phase_reminders`): write the reminders of
    the phases starting within the region's `phase_reminder_days`, commit, and send. Run twice: nothing new."""
    written = compose.phase_reminders(date.fromisoformat(day) if day else None)
    db.session.commit()
    return {**written, **(sender.send_due() if written["reminders"] else {})}


@tenant_job("default", retries=0, timeout=3600)
def weekly_staff_digest(day: str | None = None) -> dict:
    """The weekly digest job of one region (schedule `notifications.staff_digest`, Mondays): one message per staff
    user when some area has something waiting; the week's key makes a second run a no-op."""
    written = digest.staff_digest(date.fromisoformat(day) if day else None)
    db.session.commit()
    return {**written, **(sender.send_due() if written["digests"] else {})}

"""The region's outbox: writing messages (once per key), reading them back, resending by hand; and the region's
notification settings (sender, kinds on/off, reminder days).

`put` writes with INSERT … ON CONFLICT (kind, person_key, object_key, period) DO NOTHING: the unique key makes a
second run of whatever produced a message a no-op, whichever process runs it and however often."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert

from app.extensions import db
from app.models.notifications import (
    NOTIFICATION_KINDS,
    OUTBOX_STATUSES,
    PHASE_REMINDER_DAYS,
    NotificationSettings,
    OutboxMessage,
)
from app.problems import Problem
from app.services.audit import log as audit
from app.services.pagination import Page, paginate
from app.tenancy import current_tenant

EMAIL_RE = re.compile(r"^[^@\s<>,;\"]+@[^@\s<>,;\"]+\.[^@\s<>,;\"]+$")
DAY_RE = re.compile(r"^(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$")
SETTINGS_AUDITED = ("sender_name", "reply_to", "bounce_address", "disabled_kinds", "reminder_days",
                    "phase_reminder_days")
# Until the admin says otherwise: 1 July, then the first of each month from October (the example).
DEFAULT_REMINDER_DAYS = ["07-01", "10-01", "11-01", "12-01"]


@dataclass(frozen=True)
class Draft:
    """A message to put in the outbox (already rendered)."""

    kind: str
    person_key: str
    object_key: str
    period: str
    recipient: str
    recipient_name: str | None
    subject: str
    body_text: str
    body_html: str
    ics: str | None = None


# --- settings ------------------------------------------------------------------------------------------------


def settings() -> NotificationSettings:
    """The region's settings row (created with the defaults the first time)."""
    row = db.session.get(NotificationSettings, 1)
    if row is None:
        db.session.execute(pg_insert(NotificationSettings).values(id=1, disabled_kinds=[],
                                                                  reminder_days=DEFAULT_REMINDER_DAYS)
                           .on_conflict_do_nothing())
        row = db.session.get(NotificationSettings, 1)
    return row


def settings_view() -> dict:
    s = settings()
    return {"sender_name": s.sender_name or default_sender_name(), "reply_to": s.reply_to,
            "bounce_address": s.bounce_address, "enabled_kinds": [k for k in NOTIFICATION_KINDS
                                                                   if k not in s.disabled_kinds],
            "reminder_days": list(s.reminder_days), "phase_reminder_days": s.phase_reminder_days}


def default_sender_name() -> str:
    return f"BKPSDM {current_tenant().name}"


def kind_enabled(kind: str) -> bool:
    return kind not in settings().disabled_kinds


def _email(value: str | None, field: str) -> str | None:
    value = (value or "").strip()
    if not value:
        return None
    if len(value) > 254 or not EMAIL_RE.fullmatch(value):
        raise Problem.invalid(f"Alamat e-mail tidak valid: {value}", field=field, reason="alamat e-mail tidak valid")
    return value


def update_settings(*, sender_name: str | None = None, reply_to: str | None = None, bounce_address: str | None = None,
                    enabled_kinds: Iterable[str] | None = None, reminder_days: Iterable[str] | None = None,
                    phase_reminder_days: int | None = None) -> dict:
    """Change the region's settings (audited). `enabled_kinds` lists the kinds the region sends; the others are off."""
    s = settings()
    before = audit.snapshot(s, SETTINGS_AUDITED)
    s.sender_name = (sender_name or "").strip()[:200] or None
    s.reply_to = _email(reply_to, "reply_to")
    s.bounce_address = _email(bounce_address, "bounce_address")
    if enabled_kinds is not None:
        enabled = set(enabled_kinds)
        unknown = enabled - set(NOTIFICATION_KINDS)
        if unknown:
            raise Problem.invalid("Jenis pesan tidak dikenal.", field="enabled_kinds",
                                  reason=f"tidak dikenal: {', '.join(sorted(unknown))}")
        s.disabled_kinds = [k for k in NOTIFICATION_KINDS if k not in enabled]
    if reminder_days is not None:
        days = sorted({d.strip() for d in reminder_days if d and d.strip()})
        bad = [d for d in days if not DAY_RE.fullmatch(d)]
        if bad:
            raise Problem.invalid("Tanggal pengingat harus berbentuk BB-HH (mis. 07-01 untuk 1 Juli).",
                                  field="reminder_days", reason=f"tidak valid: {', '.join(bad)}")
        s.reminder_days = days
    if phase_reminder_days is not None:
        low, high = PHASE_REMINDER_DAYS
        if not low <= phase_reminder_days <= high:
            raise Problem.invalid(f"Pengingat tahap dikirim {low} sampai {high} hari sebelum tahap dimulai.",
                                  field="phase_reminder_days", reason=f"harus {low} sampai {high}")
        s.phase_reminder_days = phase_reminder_days
    db.session.flush()
    audit.record("notification_settings.update", "notification_settings", 1, before=before,
                 after=audit.snapshot(s, SETTINGS_AUDITED))
    return settings_view()


# --- writing ---------------------------------------------------------------------------------------------------


def put(drafts: Iterable[Draft]) -> int:
    """Write messages to the outbox; a message whose key is already there is left alone. Returns how many are new."""
    rows = [d.__dict__ for d in drafts]
    if not rows:
        return 0
    # One statement compiled once, its rows sent in batches by SQLAlchemy's insertmanyvalues (a multi-row VALUES
    # per batch): compiling a 1,000-row .values() took longer than the database's work.
    stmt = (pg_insert(OutboxMessage.__table__).on_conflict_do_nothing(constraint="uq_notification_outbox_key")
            .returning(OutboxMessage.id))
    return len(db.session.execute(stmt, rows).all())


# --- reading ---------------------------------------------------------------------------------------------------


def counts() -> dict[str, int]:
    found = dict(db.session.execute(sa.select(OutboxMessage.status, sa.func.count())
                                    .group_by(OutboxMessage.status)).all())
    return {status: int(found.get(status, 0)) for status in OUTBOX_STATUSES}


def list_messages(*, status: str | None = None, kind: str | None = None, q: str | None = None, limit: int = 50,
                  offset: int = 0, cursor: str | None = None) -> Page:
    stmt = sa.select(OutboxMessage)
    if status:
        if status not in OUTBOX_STATUSES:
            raise Problem.invalid("Status tidak dikenal.", field="status", reason=f"harus salah satu dari "
                                  f"{', '.join(OUTBOX_STATUSES)}")
        stmt = stmt.where(OutboxMessage.status == status)
    if kind:
        if kind not in NOTIFICATION_KINDS:
            raise Problem.invalid("Jenis pesan tidak dikenal.", field="kind", reason="tidak dikenal")
        stmt = stmt.where(OutboxMessage.kind == kind)
    if q:
        stmt = stmt.where(OutboxMessage.recipient.ilike(f"%{q.strip()}%"))
    return paginate(stmt, limit=limit, offset=offset, cursor=cursor, order_by=[OutboxMessage.created_at.desc()],
                    tiebreak=OutboxMessage.id.desc())


def get_message(message_id: int, *, lock: bool = False) -> OutboxMessage:
    stmt = sa.select(OutboxMessage).where(OutboxMessage.id == message_id)
    if lock:
        stmt = stmt.with_for_update().execution_options(populate_existing=True)
    row = db.session.execute(stmt).scalar_one_or_none()
    if row is None:
        raise Problem.not_found(f"Pesan {message_id} tidak ditemukan.")
    return row


def message_out(m: OutboxMessage) -> dict:
    return {"id": m.id, "kind": m.kind, "person_key": m.person_key, "object_key": m.object_key, "period": m.period,
            "recipient": m.recipient, "recipient_name": m.recipient_name, "subject": m.subject,
            "status": m.status, "attempts": m.attempts, "last_error": m.last_error,
            "has_attachment": bool(m.ics), "created_at": m.created_at, "sent_at": m.sent_at,
            "next_attempt_at": m.next_attempt_at, "resent_count": m.resent_count}


# --- resending by hand -----------------------------------------------------------------------------------------


def resend(message_id: int) -> OutboxMessage:
    """Put a failed message back in the queue (audited): the sender delivers it once more, with fresh attempts.
    Only a failed message can be resent: a queued or sending one is still on its way, a sent one has arrived."""
    m = get_message(message_id, lock=True)
    if m.status != "failed":
        raise Problem.conflict(f"Pesan {m.id} berstatus {m.status}; hanya pesan gagal yang bisa dikirim ulang.",
                               field="status", reason="hanya pesan gagal yang bisa dikirim ulang")
    before = audit.snapshot(m, ("status", "attempts", "last_error"))
    m.status, m.attempts, m.next_attempt_at, m.claimed_at = "queued", 0, datetime.now(UTC), None
    m.resent_count += 1
    db.session.flush()
    audit.record("notification.resend", "notification_outbox", m.id, before=before,
                 after=audit.snapshot(m, ("status", "attempts", "recipient")))
    return m


def resend_failed() -> int:
    """Every failed message back in the queue (audited as one entry with the ids)."""
    ids = list(db.session.execute(sa.update(OutboxMessage).where(OutboxMessage.status == "failed")
                                  .values(status="queued", attempts=0, next_attempt_at=sa.func.now(),
                                          claimed_at=None, resent_count=OutboxMessage.resent_count + 1)
                                  .returning(OutboxMessage.id)).scalars())
    if ids:
        audit.record("notification.resend_failed", "notification_outbox", None, after={"ids": sorted(ids)})
    return len(ids)

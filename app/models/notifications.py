"""Notifications: the region's outbox of e-mail messages, its settings and templates, where people are reached,
and what they turned off for themselves.

The outbox is the record of truth: a message is written here (rendered, addressed) in the transaction of what caused
it, with its unique key (kind, person, object, period) as a UNIQUE constraint, so a retry, a second scheduler run or
a second worker can never make a second message for the same thing. The sender (app.services.notifications.sender)
claims rows with FOR UPDATE SKIP LOCKED and moves them queued → sending → sent (or back to queued with a backoff,
then failed)."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db

NOTIFICATION_KINDS = ("summons", "result", "jp_reminder", "jp_digest", "phase_reminder", "staff_digest", "certificate")
# Kinds an employee may turn off for themselves (a summons is the surat panggilan: it always goes).
OPTIONAL_KINDS = ("result", "jp_reminder", "phase_reminder", "certificate")
PHASE_REMINDER_DAYS = (1, 30)  # how many days before a phase starts its reminder goes (the region's choice)
DEFAULT_PHASE_REMINDER_DAYS = 3
OUTBOX_STATUSES = ("queued", "sending", "sent", "failed")


class OutboxMessage(db.Model):
    __tablename__ = "notification_outbox"
    __table_args__ = (
        sa.UniqueConstraint("kind", "person_key", "object_key", "period", name="uq_notification_outbox_key"),
        sa.CheckConstraint(f"kind IN {NOTIFICATION_KINDS!r}", name="kind"),
        sa.CheckConstraint(f"status IN {OUTBOX_STATUSES!r}", name="status"),
        sa.CheckConstraint("attempts >= 0", name="attempts_positive"),
        sa.CheckConstraint("status <> 'sent' OR sent_at IS NOT NULL", name="sent_has_time"),
        sa.CheckConstraint("status <> 'sending' OR claimed_at IS NOT NULL", name="sending_has_claim"),
        # What the sender claims: due messages in order.
        sa.Index("ix_notification_outbox_due", "status", "next_attempt_at", "id"),
        sa.Index("ix_notification_outbox_created", "created_at", "id"),
    )

    id: Mapped[int] = mapped_column(sa.BigInteger, primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(20))
    person_key: Mapped[str] = mapped_column(sa.String(40))  # "employee:12", "opd:3"
    object_key: Mapped[str] = mapped_column(sa.String(60), default="", server_default="")  # "enrolment:5", ""
    period: Mapped[str] = mapped_column(sa.String(20), default="", server_default="")  # "2026-07-01", ""
    recipient: Mapped[str] = mapped_column(sa.String(254))
    recipient_name: Mapped[str | None] = mapped_column(sa.String(200))
    subject: Mapped[str] = mapped_column(sa.String(300))
    body_text: Mapped[str] = mapped_column(sa.Text)
    body_html: Mapped[str] = mapped_column(sa.Text)
    ics: Mapped[str | None] = mapped_column(sa.Text)  # a calendar attachment (text/calendar), when there is one
    status: Mapped[str] = mapped_column(sa.String(10), default="queued", server_default="queued")
    attempts: Mapped[int] = mapped_column(sa.SmallInteger, default=0, server_default="0")
    last_error: Mapped[str | None] = mapped_column(sa.String(1000))
    next_attempt_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), server_default=sa.func.now())
    claimed_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    sent_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    resent_count: Mapped[int] = mapped_column(sa.SmallInteger, default=0, server_default="0")
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), server_default=sa.func.now())
    updated_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), server_default=sa.func.now(),
                                                 onupdate=sa.func.now())


class NotificationSettings(db.Model):
    """The region's one row: who the mail is from, which kinds it sends and on which days the 20 JP reminders go."""

    __tablename__ = "notification_settings"
    __table_args__ = (sa.CheckConstraint("id = 1", name="single_row"),
                      sa.CheckConstraint(f"phase_reminder_days BETWEEN {PHASE_REMINDER_DAYS[0]} AND "
                                         f"{PHASE_REMINDER_DAYS[1]}", name="phase_reminder_days"))

    id: Mapped[int] = mapped_column(primary_key=True, default=1)
    sender_name: Mapped[str | None] = mapped_column(sa.String(200))
    reply_to: Mapped[str | None] = mapped_column(sa.String(254))
    bounce_address: Mapped[str | None] = mapped_column(sa.String(254))
    disabled_kinds: Mapped[list[str]] = mapped_column(ARRAY(sa.String(20)), default=list, server_default="{}")
    # Days of the year ("MM-DD", WIB) on which the 20 JP reminders go, e.g. 07-01, 10-01, 11-01, 12-01.
    reminder_days: Mapped[list[str]] = mapped_column(ARRAY(sa.String(5)), default=list, server_default="{}")
    # A phase's reminder goes this many days before it starts (to the cohort's registered and attending people).
    phase_reminder_days: Mapped[int] = mapped_column(sa.SmallInteger, default=DEFAULT_PHASE_REMINDER_DAYS,
                                                     server_default=str(DEFAULT_PHASE_REMINDER_DAYS))
    updated_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), server_default=sa.func.now(),
                                                 onupdate=sa.func.now())


class NotificationTemplate(db.Model):
    """A region's own wording of one kind (the shipped default is used while there is none)."""

    __tablename__ = "notification_templates"
    __table_args__ = (sa.CheckConstraint(f"kind IN {NOTIFICATION_KINDS!r}", name="kind"),)

    kind: Mapped[str] = mapped_column(sa.String(20), primary_key=True)
    subject: Mapped[str] = mapped_column(sa.String(300))
    body_text: Mapped[str] = mapped_column(sa.Text)
    body_html: Mapped[str] = mapped_column(sa.Text)
    updated_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), server_default=sa.func.now(),
                                                 onupdate=sa.func.now())


class EmployeeAddress(db.Model):
    """Where an employee is reached (an employee's own user account's e-mail is used when there is none)."""

    __tablename__ = "notification_addresses"
    __table_args__ = (sa.CheckConstraint("email LIKE '%_@_%'", name="email_shape"),)

    employee_id: Mapped[int] = mapped_column(sa.ForeignKey("employees.id", ondelete="CASCADE"), primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(254))
    updated_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), server_default=sa.func.now(),
                                                 onupdate=sa.func.now())


class OpdContact(db.Model):
    """The person an OPD's digest goes to (usually the head of the OPD or its staff officer)."""

    __tablename__ = "notification_opd_contacts"
    __table_args__ = (sa.CheckConstraint("email LIKE '%_@_%'", name="email_shape"),)

    opd_id: Mapped[int] = mapped_column(sa.ForeignKey("opds.id", ondelete="CASCADE"), primary_key=True)
    name: Mapped[str | None] = mapped_column(sa.String(200))
    email: Mapped[str] = mapped_column(sa.String(254))
    updated_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), server_default=sa.func.now(),
                                                 onupdate=sa.func.now())


class OptOut(db.Model):
    """An employee turned this optional kind off for themselves."""

    __tablename__ = "notification_optouts"
    __table_args__ = (sa.CheckConstraint(f"kind IN {OPTIONAL_KINDS!r}", name="optional_kind"),)

    employee_id: Mapped[int] = mapped_column(sa.ForeignKey("employees.id", ondelete="CASCADE"), primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(20), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), server_default=sa.func.now())

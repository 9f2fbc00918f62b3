"""The SIASN link: the region's connection settings (secrets encrypted), how programs map to SIASN's riwayat
diklat / kursus, and one push row per result sent (or to be sent, or deleted) at BKN."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db

SIASN_KINDS = ("diklat", "kursus")
PUSH_ACTIONS = ("save", "delete")
PUSH_STATES = ("queued", "sent", "failed", "refused", "deleted")


class SiasnSettings(db.Model):
    """The region's one SIASN connection. `secrets` is a Fernet token (app.services.siasn.secrets) of the consumer
    key/secret and SSO username/password; the key is outside the database (KOMPETEN_SECRETS_KEY or derived from
    SECRET_KEY), and nothing reads the secrets back to a page or an API answer."""

    __tablename__ = "siasn_settings"
    __table_args__ = (sa.CheckConstraint("id = 1", name="single_row"),)

    id: Mapped[int] = mapped_column(sa.SmallInteger, primary_key=True, default=1)
    base_url: Mapped[str] = mapped_column(sa.String(300))
    sso_url: Mapped[str | None] = mapped_column(sa.String(300))
    client_id: Mapped[str] = mapped_column(sa.String(100))
    instansi_id: Mapped[str] = mapped_column(sa.String(64))
    secrets: Mapped[bytes] = mapped_column(sa.LargeBinary)
    key_id: Mapped[str] = mapped_column(sa.String(16))  # which key encrypted `secrets` (a hash, not the key)
    updated_by: Mapped[str | None] = mapped_column(sa.String(100))
    updated_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), server_default=sa.func.now(),
                                                 onupdate=sa.func.now())
    checked_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    check_ok: Mapped[bool | None]
    check_message: Mapped[str | None] = mapped_column(sa.Text)


class SiasnProgramMap(db.Model):
    """How a program's results are written at SIASN: a riwayat diklat with its latihanStrukturalId (PKN, PKA,
    PKP, Latsar), or a riwayat kursus with its jenisDiklatId. A program without a row uses the default for its
    program type (app.services.siasn.mapping)."""

    __tablename__ = "siasn_program_maps"
    __table_args__ = (
        sa.CheckConstraint(f"kind IN {SIASN_KINDS!r}", name="kind"),
        sa.CheckConstraint("(kind = 'diklat' AND latihan_struktural_id IS NOT NULL AND jenis_diklat_id IS NULL) OR "
                           "(kind = 'kursus' AND jenis_diklat_id IS NOT NULL AND latihan_struktural_id IS NULL)",
                           name="kind_reference"),
        sa.CheckConstraint("jenis_diklat_id IS NULL OR jenis_diklat_id BETWEEN 1 AND 99", name="jenis_diklat_id"),
    )

    program_id: Mapped[int] = mapped_column(sa.ForeignKey("programs.id", ondelete="CASCADE"), primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(10))
    latihan_struktural_id: Mapped[str | None] = mapped_column(sa.String(64))
    jenis_diklat_id: Mapped[int | None] = mapped_column(sa.SmallInteger)
    updated_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), server_default=sa.func.now(),
                                                 onupdate=sa.func.now())


class SiasnPush(db.Model):
    """A result's record at SIASN: what is wanted (save or delete), where it stands, and SIASN's ids.

    One row per enrolment (unique): a second push of the same result reuses the row and its `siasn_id`, so SIASN
    never gets a second record for it."""

    __tablename__ = "siasn_pushes"
    __table_args__ = (
        sa.CheckConstraint(f"kind IN {SIASN_KINDS!r}", name="kind"),
        sa.CheckConstraint(f"action IN {PUSH_ACTIONS!r}", name="action"),
        sa.CheckConstraint(f"state IN {PUSH_STATES!r}", name="state"),
        sa.CheckConstraint("state <> 'sent' OR siasn_id IS NOT NULL", name="sent_has_id"),
        sa.CheckConstraint("attempts >= 0", name="attempts"),
        sa.Index("ix_siasn_pushes_state", "state"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    enrolment_id: Mapped[int] = mapped_column(sa.ForeignKey("enrolments.id", ondelete="CASCADE"), unique=True)
    kind: Mapped[str] = mapped_column(sa.String(10))
    action: Mapped[str] = mapped_column(sa.String(10), default="save")
    state: Mapped[str] = mapped_column(sa.String(10), default="queued")
    siasn_id: Mapped[str | None] = mapped_column(sa.String(64))  # rwDiklatId / rwKursusId
    pns_orang_id: Mapped[str | None] = mapped_column(sa.String(64))
    attempts: Mapped[int] = mapped_column(sa.Integer, default=0, server_default="0")
    message: Mapped[str | None] = mapped_column(sa.Text)  # SIASN's own words when it refused, or why it failed
    payload: Mapped[dict | None] = mapped_column(JSONB)  # what was last sent
    queued_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), server_default=sa.func.now())
    sent_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), server_default=sa.func.now(),
                                                 onupdate=sa.func.now())

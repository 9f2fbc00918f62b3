"""What the vendors' admin API keeps in the `platform` schema: idempotency keys and region export bundles."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db


class IdempotencyKey(db.Model):
    """A vendor's `Idempotency-Key`: the request it was first used with and the answer it got (replayed)."""

    __tablename__ = "idempotency_keys"
    __table_args__ = (sa.UniqueConstraint("user_id", "key", name="uq_idempotency_keys_user_key"),
                      {"schema": "platform"})

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("platform.users.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(sa.String(200))
    method: Mapped[str] = mapped_column(sa.String(10))
    path: Mapped[str] = mapped_column(sa.String(300))
    request_hash: Mapped[str] = mapped_column(sa.String(64))
    status_code: Mapped[int | None] = mapped_column(sa.SmallInteger)  # NULL while the first request runs
    response_body: Mapped[dict | None] = mapped_column(JSONB)
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), server_default=sa.func.now())


EXPORT_STATUSES = ("queued", "running", "done", "failed")
EXPORT_KINDS = ("manual", "backup")  # backup: written by the nightly schedule (app/services/admin/backups.py)


class TenantExport(db.Model):
    """A restorable bundle of one region's schema, written by a job under the instance dir."""

    __tablename__ = "tenant_exports"
    __table_args__ = (sa.CheckConstraint(f"status IN {EXPORT_STATUSES!r}", name="status"),
                      sa.CheckConstraint(f"kind IN {EXPORT_KINDS!r}", name="kind"),
                      sa.CheckConstraint("(kind = 'backup') = (backup_day IS NOT NULL)", name="backup_day"),
                      sa.Index("uq_tenant_exports_backup_day", "tenant_id", "backup_day", unique=True,
                               postgresql_where=sa.text("kind = 'backup'")),
                      {"schema": "platform"})

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(sa.ForeignKey("platform.tenants.id", ondelete="CASCADE"), index=True)
    slug: Mapped[str] = mapped_column(sa.String(41))
    status: Mapped[str] = mapped_column(sa.String(20), default="queued")
    kind: Mapped[str] = mapped_column(sa.String(10), default="manual", server_default="manual")
    backup_day: Mapped[date | None] = mapped_column(sa.Date)  # a backup's day (WIB): one per region and day
    tenant_status: Mapped[str | None] = mapped_column(sa.String(20))  # the region's status when it was written
    file_name: Mapped[str | None] = mapped_column(sa.String(300))
    size_bytes: Mapped[int | None] = mapped_column(sa.BigInteger)
    sha256: Mapped[str | None] = mapped_column(sa.String(64))
    manifest: Mapped[dict | None] = mapped_column(JSONB)
    error: Mapped[str | None] = mapped_column(sa.Text)
    requested_by: Mapped[str | None] = mapped_column(sa.String(64))
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), server_default=sa.func.now())
    finished_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))

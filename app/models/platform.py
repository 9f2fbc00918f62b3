"""The shared `platform` schema: the registry of regions (tenants)."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.accounts import AuditColumns, SessionColumns, TokenColumns, UserColumns, audit_trigger_sql

# `deleted` is a tombstone: the schema is dropped, the row stays so the slug is never silently reused.
TENANT_STATUSES = ("provisioning", "active", "suspended", "archived", "deleted")
TENANT_KINDS = ("kota", "kabupaten")


class Tenant(db.Model):
    """One region (kota or kabupaten) and the schema that holds its data."""

    __tablename__ = "tenants"
    __table_args__ = (
        sa.CheckConstraint(f"status IN {TENANT_STATUSES!r}", name="status"),
        sa.CheckConstraint(f"kind IN {TENANT_KINDS!r}", name="kind"),
        sa.CheckConstraint(r"slug ~ '^[a-z][a-z0-9-]{1,40}$'", name="slug"),
        sa.CheckConstraint(r"region_code ~ '^\d{2}\.\d{2}$'", name="region_code"),
        sa.Index("ix_tenants_province_code", "province_code"),
        # A deleted region's tombstone frees its region code (a restore may take it under a new slug).
        sa.Index("uq_tenants_region_code_live", "region_code", unique=True,
                 postgresql_where=sa.text("status <> 'deleted'")),
        {"schema": "platform"},
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(sa.String(41), unique=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    kind: Mapped[str] = mapped_column(sa.String(20))
    region_code: Mapped[str] = mapped_column(sa.String(5))
    province_code: Mapped[str] = mapped_column(sa.String(2))
    province_name: Mapped[str] = mapped_column(sa.String(100))
    agency_name: Mapped[str] = mapped_column(sa.String(300))
    schema_name: Mapped[str] = mapped_column(sa.String(63), unique=True)
    status: Mapped[str] = mapped_column(sa.String(20), default="provisioning")
    schema_version: Mapped[str | None] = mapped_column(sa.String(64))
    last_migration_error: Mapped[str | None] = mapped_column(sa.Text)
    archived_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), server_default=sa.func.now())
    updated_at: Mapped[datetime] = mapped_column(
        sa.DateTime(timezone=True), server_default=sa.func.now(), onupdate=sa.func.now()
    )


PLATFORM_ROLES = ("vendor", "province", "national")


class PlatformUser(UserColumns, db.Model):
    """A vendor, a provincial body (bound to one province) or a national viewer: aggregates only."""

    __tablename__ = "users"
    __table_args__ = (
        sa.CheckConstraint(f"role IN {PLATFORM_ROLES!r}", name="role"),
        sa.CheckConstraint("(role = 'province') = (province_code IS NOT NULL)", name="province_bound"),
        {"schema": "platform"},
    )

    province_code: Mapped[str | None] = mapped_column(sa.String(2))


class PlatformSession(SessionColumns, db.Model):
    __tablename__ = "user_sessions"
    __table_args__ = {"schema": "platform"}

    user_id: Mapped[int] = mapped_column(sa.ForeignKey("platform.users.id", ondelete="CASCADE"), index=True)


class PlatformApiToken(TokenColumns, db.Model):
    __tablename__ = "api_tokens"
    __table_args__ = (sa.CheckConstraint(f"role IN {PLATFORM_ROLES!r}", name="role"), {"schema": "platform"})

    user_id: Mapped[int] = mapped_column(sa.ForeignKey("platform.users.id", ondelete="CASCADE"), index=True)
    # What the token may do, e.g. {tenants:read, tenants:write}; NULL = everything its user's role may.
    scopes: Mapped[list[str] | None] = mapped_column(ARRAY(sa.String(40)))


class PlatformAuditEntry(AuditColumns, db.Model):
    """Every action of a platform user (vendors' admin calls, province logins...)."""

    __tablename__ = "audit_log"
    __schema__ = "platform"


for _statement in audit_trigger_sql("platform.audit_log"):
    sa.event.listen(PlatformAuditEntry.__table__, "after_create", sa.DDL(_statement))


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


class TenantExport(db.Model):
    """A restorable bundle of one region's schema, written by a job under the instance dir."""

    __tablename__ = "tenant_exports"
    __table_args__ = (sa.CheckConstraint(f"status IN {EXPORT_STATUSES!r}", name="status"), {"schema": "platform"})

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column(sa.ForeignKey("platform.tenants.id", ondelete="CASCADE"), index=True)
    slug: Mapped[str] = mapped_column(sa.String(41))
    status: Mapped[str] = mapped_column(sa.String(20), default="queued")
    tenant_status: Mapped[str | None] = mapped_column(sa.String(20))  # the region's status when it was written
    file_name: Mapped[str | None] = mapped_column(sa.String(300))
    size_bytes: Mapped[int | None] = mapped_column(sa.BigInteger)
    sha256: Mapped[str | None] = mapped_column(sa.String(64))
    manifest: Mapped[dict | None] = mapped_column(JSONB)
    error: Mapped[str | None] = mapped_column(sa.Text)
    requested_by: Mapped[str | None] = mapped_column(sa.String(64))
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), server_default=sa.func.now())
    finished_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))

"""The shared `platform` schema: the registry of regions (tenants)."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db

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

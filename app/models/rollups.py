"""Rollups for provinces and the nation: each tenant's aggregates, computed inside its own schema by a job
and written here, so that reads touch one indexed platform table and never a UNION over 550 schemas.
Aggregates only: no NIP, name or any row about a person ever lands in these tables."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db


class TenantSummary(db.Model):
    """One figure of one tenant for one year (metric names: see app.services.rollups.metrics.METRICS)."""

    __tablename__ = "tenant_summaries"
    __table_args__ = (sa.Index("ix_tenant_summaries_year_metric", "year", "metric"), {"schema": "platform"})

    tenant_id: Mapped[int] = mapped_column(sa.ForeignKey("platform.tenants.id", ondelete="CASCADE"), primary_key=True)
    year: Mapped[int] = mapped_column(sa.SmallInteger, primary_key=True)
    metric: Mapped[str] = mapped_column(sa.String(80), primary_key=True)
    value: Mapped[Decimal] = mapped_column(sa.Numeric(14, 2))
    refreshed_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))


class TenantRefresh(db.Model):
    """How fresh a tenant's summaries are: the last good refresh, and the last failure (then they are stale)."""

    __tablename__ = "tenant_refresh"
    __table_args__ = {"schema": "platform"}

    tenant_id: Mapped[int] = mapped_column(sa.ForeignKey("platform.tenants.id", ondelete="CASCADE"), primary_key=True)
    last_success_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    last_attempt_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    last_error: Mapped[str | None] = mapped_column(sa.Text)
    # True when the last attempt failed: the figures shown are the last good ones, marked stale.
    stale: Mapped[bool] = mapped_column(default=False, server_default=sa.false())

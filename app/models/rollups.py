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


# --- point-in-time headcount (tenant tables) ------------------------------------------------------------------
# The rule (docs/architecture.md, "Rollups: figures as they were"): a year's headcount, OPD and jabatan of each
# ASN are those of the snapshot of that year. While a year is the current one (WIB calendar) every refresh
# retakes its snapshot; at the first refresh after it ends the last snapshot taken during the year is closed
# (basis "year_end") and never changes again. A past year that never had a snapshot (data older than this rule,
# a region provisioned later) gets one taken at its first computation from the data of that day, closed at once
# (basis "first_computed"). JP lines, cohorts and targets are not frozen: a correction to a past year's training
# still moves that year's figures.

OPD_KINDS = ("dinas", "badan", "kecamatan", "kelurahan", "sekretariat", "lainnya")
SNAPSHOT_BASES = ("current", "year_end", "first_computed")


class AsnSnapshotYear(db.Model):
    """One year's snapshot: when it was taken, on what basis, and whether it is closed (frozen)."""

    __tablename__ = "asn_snapshot_years"
    __table_args__ = (sa.CheckConstraint(f"basis IN {SNAPSHOT_BASES!r}", name="basis"),
                      sa.CheckConstraint("closed OR basis = 'current'", name="open_only_current"))

    year: Mapped[int] = mapped_column(sa.SmallInteger, primary_key=True)
    taken_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
    basis: Mapped[str] = mapped_column(sa.String(20))
    closed: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    people: Mapped[int] = mapped_column(sa.Integer, default=0, server_default="0")


class AsnYearSnapshot(db.Model):
    """An active ASN as at the snapshot of a year: type, OPD (and its kind) and jabatan kind. Stays in the tenant;
    only counts over it leave (platform.tenant_summaries, platform.tenant_breakdowns)."""

    __tablename__ = "asn_year_snapshots"
    __table_args__ = (
        sa.CheckConstraint("employee_type IN ('PNS', 'PPPK')", name="employee_type"),
        sa.CheckConstraint(f"opd_kind IN {OPD_KINDS!r}", name="opd_kind"),
    )

    year: Mapped[int] = mapped_column(sa.ForeignKey("asn_snapshot_years.year", ondelete="CASCADE"),
                                      primary_key=True)
    employee_id: Mapped[int] = mapped_column(sa.ForeignKey("employees.id", ondelete="CASCADE"), primary_key=True)
    employee_type: Mapped[str] = mapped_column(sa.String(4))
    opd_id: Mapped[int | None] = mapped_column(sa.Integer)  # as it was: no FK, an OPD may be merged away later
    opd_kind: Mapped[str] = mapped_column(sa.String(20))
    jabatan_kind: Mapped[str | None] = mapped_column(sa.String(20))


# --- drill-down (platform table) --------------------------------------------------------------------------------
BREAKDOWN_DIMENSIONS = ("opd_kind", "jabatan_kind")


class TenantBreakdown(db.Model):
    """A region's year split by OPD kind or jabatan kind: counts only. Cells under 5 people are stored (they add
    up to the region's figures) but never shown: app.services.rollups.read suppresses them."""

    __tablename__ = "tenant_breakdowns"
    __table_args__ = (
        sa.CheckConstraint(f"dimension IN {BREAKDOWN_DIMENSIONS!r}", name="dimension"),
        sa.CheckConstraint("asn_total >= 0 AND people_trained >= 0 AND asn_meeting_20jp >= 0", name="counts"),
        {"schema": "platform"},
    )

    tenant_id: Mapped[int] = mapped_column(sa.ForeignKey("platform.tenants.id", ondelete="CASCADE"), primary_key=True)
    year: Mapped[int] = mapped_column(sa.SmallInteger, primary_key=True)
    dimension: Mapped[str] = mapped_column(sa.String(20), primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(20), primary_key=True)
    asn_total: Mapped[int] = mapped_column(sa.Integer)
    people_trained: Mapped[int] = mapped_column(sa.Integer)  # ASN of the cell with JP lines in the year
    asn_meeting_20jp: Mapped[int] = mapped_column(sa.Integer)
    jp_delivered: Mapped[Decimal] = mapped_column(sa.Numeric(14, 2))  # to the ASN of the cell

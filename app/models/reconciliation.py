"""Reconciliation of a partner's completion report: the run (one uploaded report) and its classified rows."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db

RECON_STATES = ("queued", "classifying", "classified", "applying", "failed", "superseded")
# One class per row; the order is the order of the rules (first difference wins), local_only last.
RECON_CLASSES = ("invalid", "duplicate", "partner_only", "status_differs", "jp_differs", "certificate_missing",
                 "consistent", "local_only")
DIFFERENCE_CLASSES = ("partner_only", "status_differs", "jp_differs", "certificate_missing", "local_only")
DECISIONS = ("partner", "local")


def _in(values: tuple[str, ...]) -> str:
    return "(" + ", ".join(f"'{v}'" for v in values) + ")"


class ReconciliationRun(db.Model):
    """One partner report for a cohort (or a program + year) and its way through the workers."""

    __tablename__ = "reconciliation_runs"
    __table_args__ = (
        sa.CheckConstraint(f"state IN {_in(RECON_STATES)}", name="state"),
        sa.Index("ix_reconciliation_runs_cohort_id", "cohort_id"),
        sa.Index("ix_reconciliation_runs_program_id_year", "program_id", "year"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    partner_id: Mapped[int] = mapped_column(sa.ForeignKey("partners.id"))
    # Scope: one cohort, or (cohort_id NULL) every cohort of a program in a year, ANGKATAN picking each row's.
    cohort_id: Mapped[int | None] = mapped_column(sa.ForeignKey("cohorts.id"))
    program_id: Mapped[int] = mapped_column(sa.ForeignKey("programs.id"))
    year: Mapped[int] = mapped_column(sa.SmallInteger)
    filename: Mapped[str] = mapped_column(sa.String(255))
    stored_path: Mapped[str] = mapped_column(sa.String(500))
    checksum: Mapped[str] = mapped_column(sa.String(64))
    size_bytes: Mapped[int] = mapped_column(sa.BigInteger)
    state: Mapped[str] = mapped_column(sa.String(20), default="queued")
    # The previous report of the same scope, which this one supersedes once classified.
    supersedes_run_id: Mapped[int | None] = mapped_column(sa.ForeignKey("reconciliation_runs.id"))
    counts: Mapped[dict | None] = mapped_column(JSONB)  # {class: rows}
    details: Mapped[dict | None] = mapped_column(JSONB)  # unknown columns, last apply's summary
    error: Mapped[str | None] = mapped_column(sa.Text)
    job_id: Mapped[str | None] = mapped_column(sa.String(100))
    # The run lifecycle (app/services/runs): jobs used so far, the holding job's last heartbeat and its lease.
    attempt: Mapped[int] = mapped_column(sa.Integer, default=0, server_default="0")
    heartbeat_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    lease_until: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    created_by: Mapped[str | None] = mapped_column(sa.String(100))
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), server_default=sa.func.now())
    started_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    classified_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    apply_requested_by_id: Mapped[int | None] = mapped_column(sa.Integer)
    apply_requested_by: Mapped[str | None] = mapped_column(sa.String(100))
    applied_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))


class ReconciliationRow(db.Model):
    """A report row (row_number = its line in the file) or a local enrolment absent from the report
    (row_number NULL, class local_only), with both sides' values, its class and the decision taken on it."""

    __tablename__ = "reconciliation_rows"
    __table_args__ = (
        sa.CheckConstraint(f"klass IN {_in(RECON_CLASSES)}", name="klass"),
        sa.CheckConstraint(f"decision IN {_in(DECISIONS)}", name="decision"),
        sa.Index("ix_reconciliation_rows_run_id_klass_row_number", "run_id", "klass", "row_number"),
    )

    id: Mapped[int] = mapped_column(sa.BigInteger, sa.Identity(), primary_key=True)
    run_id: Mapped[int] = mapped_column(sa.ForeignKey("reconciliation_runs.id", ondelete="CASCADE"))
    row_number: Mapped[int | None] = mapped_column(sa.Integer)
    klass: Mapped[str] = mapped_column(sa.String(20))
    # partner_only: unknown_nip | other_cohort; certificate_missing: partner | local (the side without one).
    detail: Mapped[str | None] = mapped_column(sa.String(20))
    duplicate_of_row: Mapped[int | None] = mapped_column(sa.Integer)
    error_column: Mapped[str | None] = mapped_column(sa.String(40))
    error_code: Mapped[str | None] = mapped_column(sa.String(60))
    error_reason: Mapped[str | None] = mapped_column(sa.String(500))
    # The report's side (NIP as written when invalid).
    nip: Mapped[str] = mapped_column(sa.String(60, collation="C"))
    name: Mapped[str | None] = mapped_column(sa.String(200))
    name_key: Mapped[str | None] = mapped_column(sa.String(200))
    gender: Mapped[str | None] = mapped_column(sa.String(1))
    birth_date: Mapped[date | None] = mapped_column(sa.Date)
    cohort_id: Mapped[int | None] = mapped_column(sa.Integer)
    partner_status: Mapped[str | None] = mapped_column(sa.String(20))
    partner_jp: Mapped[int | None] = mapped_column(sa.Integer)
    partner_certificate_number: Mapped[str | None] = mapped_column(sa.String(100))
    partner_certificate_date: Mapped[date | None] = mapped_column(sa.Date)
    partner_score: Mapped[Decimal | None] = mapped_column(sa.Numeric(5, 2))
    # Our side, as it was when the report was classified.
    employee_id: Mapped[int | None] = mapped_column(sa.Integer)
    enrolment_id: Mapped[int | None] = mapped_column(sa.Integer)
    local_name: Mapped[str | None] = mapped_column(sa.String(200))
    local_status: Mapped[str | None] = mapped_column(sa.String(20))
    local_jp: Mapped[int | None] = mapped_column(sa.Integer)
    local_certificate_number: Mapped[str | None] = mapped_column(sa.String(100))
    local_certificate_date: Mapped[date | None] = mapped_column(sa.Date)
    # What a person chose (partner = take the partner's values; local = keep ours) and what applying did.
    decision: Mapped[str | None] = mapped_column(sa.String(10))
    decided_by: Mapped[str | None] = mapped_column(sa.String(100))
    applied_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    outcome: Mapped[str | None] = mapped_column(sa.String(300))

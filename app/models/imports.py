"""Import runs (a file being imported by workers), their staged rows and their row-by-row errors."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db

IMPORT_STATES = ("queued", "validating", "importing", "done", "failed", "cancelled")
IMPORT_MODES = ("valid-only", "all-or-nothing")
IMPORT_KINDS = ("pppk-enrolments",)


class ImportRun(db.Model):
    """One uploaded file and its way through the workers (queued → validating → importing → done)."""

    __tablename__ = "import_runs"
    __table_args__ = (
        sa.CheckConstraint(f"state IN {IMPORT_STATES!r}", name="state"),
        sa.CheckConstraint(f"mode IN {IMPORT_MODES!r}", name="mode"),
        sa.CheckConstraint("kind IN (" + ", ".join(f"'{k}'" for k in IMPORT_KINDS) + ")", name="kind"),
        sa.Index("ix_import_runs_checksum", "checksum"),
        sa.Index("ix_import_runs_created_at", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(40))
    filename: Mapped[str] = mapped_column(sa.String(255))
    stored_path: Mapped[str] = mapped_column(sa.String(500))
    checksum: Mapped[str] = mapped_column(sa.String(64))
    size_bytes: Mapped[int] = mapped_column(sa.BigInteger)
    mode: Mapped[str] = mapped_column(sa.String(20), default="valid-only")
    dry_run: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    state: Mapped[str] = mapped_column(sa.String(20), default="queued")
    # An earlier completed run of the very same file (same checksum), if any: this one changes nothing.
    same_file_as_run_id: Mapped[int | None] = mapped_column(sa.ForeignKey("import_runs.id"))
    rows_total_estimate: Mapped[int | None] = mapped_column(sa.Integer)
    # Checkpoint: every row up to this file row number has been validated and staged (or reported).
    rows_read: Mapped[int] = mapped_column(sa.Integer, default=0, server_default="0")
    last_row_number: Mapped[int] = mapped_column(sa.Integer, default=0, server_default="0")
    rows_valid: Mapped[int] = mapped_column(sa.Integer, default=0, server_default="0")
    rows_invalid: Mapped[int] = mapped_column(sa.Integer, default=0, server_default="0")
    rows_duplicate: Mapped[int] = mapped_column(sa.Integer, default=0, server_default="0")
    rows_created: Mapped[int] = mapped_column(sa.Integer, default=0, server_default="0")
    rows_updated: Mapped[int] = mapped_column(sa.Integer, default=0, server_default="0")
    rows_unchanged: Mapped[int] = mapped_column(sa.Integer, default=0, server_default="0")
    details: Mapped[dict | None] = mapped_column(JSONB)  # employees/cohorts created, unknown columns...
    error: Mapped[str | None] = mapped_column(sa.Text)
    job_id: Mapped[str | None] = mapped_column(sa.String(100))
    # The run lifecycle (app/services/runs): jobs used so far, the holding job's last heartbeat and its lease.
    attempt: Mapped[int] = mapped_column(sa.Integer, default=0, server_default="0")
    heartbeat_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    lease_until: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    created_by: Mapped[str | None] = mapped_column(sa.String(100))
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), server_default=sa.func.now())
    started_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    validated_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))


class ImportRowError(db.Model):
    """One problem with one cell (or row) of an import: row number, column, value, reason, code."""

    __tablename__ = "import_row_errors"
    __table_args__ = (sa.Index("ix_import_row_errors_run_id_row_number", "run_id", "row_number"),)

    id: Mapped[int] = mapped_column(sa.BigInteger, sa.Identity(), primary_key=True)
    run_id: Mapped[int] = mapped_column(sa.ForeignKey("import_runs.id", ondelete="CASCADE"))
    row_number: Mapped[int] = mapped_column(sa.Integer)
    column: Mapped[str | None] = mapped_column(sa.String(60))
    value: Mapped[str | None] = mapped_column(sa.String(300))
    code: Mapped[str] = mapped_column(sa.String(60))
    reason: Mapped[str] = mapped_column(sa.String(500))


class ImportStagedRow(db.Model):
    """A validated row waiting for the run's single apply transaction (deleted by it)."""

    __tablename__ = "import_staged_rows"
    __table_args__ = (
        # The natural key of an enrolment within one file: a second row for it is a duplicate.
        sa.UniqueConstraint("run_id", "nip", "program_id", "year", "cohort_number"),
    )

    run_id: Mapped[int] = mapped_column(sa.ForeignKey("import_runs.id", ondelete="CASCADE"), primary_key=True)
    row_number: Mapped[int] = mapped_column(sa.Integer, primary_key=True)
    nip: Mapped[str] = mapped_column(sa.String(18))
    name: Mapped[str] = mapped_column(sa.String(200))
    name_key: Mapped[str] = mapped_column(sa.String(200))
    gender: Mapped[str] = mapped_column(sa.String(1))
    birth_date: Mapped[date] = mapped_column(sa.Date)
    jabatan: Mapped[str | None] = mapped_column(sa.String(200))
    golongan: Mapped[str | None] = mapped_column(sa.String(8))
    opd_id: Mapped[int] = mapped_column(sa.Integer)
    program_id: Mapped[int] = mapped_column(sa.Integer)
    cohort_number: Mapped[int] = mapped_column(sa.SmallInteger)
    year: Mapped[int] = mapped_column(sa.SmallInteger)
    start_date: Mapped[date] = mapped_column(sa.Date)
    end_date: Mapped[date] = mapped_column(sa.Date)

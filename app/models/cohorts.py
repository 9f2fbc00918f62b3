"""Cohorts (angkatan), their phases, enrolments, results, attendance and the JP ledger."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db

COHORT_MODES = ("klasikal", "blended", "elearning")
ENROLMENT_STATUSES = ("registered", "attending", "passed", "failed", "withdrawn")
ATTENDANCE_STATUSES = ("present", "excused", "absent")


class Cohort(db.Model):
    """An angkatan: one run of a program in a year (e.g. PKA Angkatan II 2024)."""

    __tablename__ = "cohorts"
    __table_args__ = (
        sa.UniqueConstraint("program_id", "year", "number"),
        sa.CheckConstraint(f"mode IN {COHORT_MODES!r}", name="mode"),
        sa.CheckConstraint("quota IS NULL OR quota > 0", name="quota_positive"),
        sa.CheckConstraint("number > 0", name="number_positive"),
        sa.CheckConstraint("end_date IS NULL OR start_date IS NULL OR end_date >= start_date", name="dates"),
        sa.Index("ix_cohorts_year", "year"),
        sa.Index("ix_cohorts_start_date", "start_date"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    program_id: Mapped[int] = mapped_column(sa.ForeignKey("programs.id"))
    number: Mapped[int] = mapped_column(sa.SmallInteger)
    year: Mapped[int] = mapped_column(sa.SmallInteger)
    partner_id: Mapped[int | None] = mapped_column(sa.ForeignKey("partners.id"))
    mode: Mapped[str] = mapped_column(sa.String(20), default="klasikal")
    quota: Mapped[int | None] = mapped_column(sa.Integer)
    start_date: Mapped[date | None] = mapped_column(sa.Date)
    end_date: Mapped[date | None] = mapped_column(sa.Date)
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), server_default=sa.func.now())


class CohortPhase(db.Model):
    """An ordered phase of a cohort (MOOC, e-learning, klasikal, aksi perubahan...)."""

    __tablename__ = "cohort_phases"
    __table_args__ = (
        sa.UniqueConstraint("cohort_id", "position"),
        sa.CheckConstraint("end_date >= start_date", name="dates"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    cohort_id: Mapped[int] = mapped_column(sa.ForeignKey("cohorts.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(sa.SmallInteger)
    name: Mapped[str] = mapped_column(sa.String(200))
    start_date: Mapped[date] = mapped_column(sa.Date)
    end_date: Mapped[date] = mapped_column(sa.Date)
    graded: Mapped[bool] = mapped_column(default=False, server_default=sa.false())


class Enrolment(db.Model):
    """An employee in a cohort; the natural key is (employee, cohort).

    A person passing someone must give the certificate (the service enforces it); the table does not, because
    imported and legacy records can be passed without one, and reconciliation has to be able to show that.
    """

    __tablename__ = "enrolments"
    __table_args__ = (
        sa.UniqueConstraint("employee_id", "cohort_id"),
        sa.CheckConstraint(f"status IN {ENROLMENT_STATUSES!r}", name="status"),
        sa.Index("ix_enrolments_cohort_id_status", "cohort_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    employee_id: Mapped[int] = mapped_column(sa.ForeignKey("employees.id"))
    cohort_id: Mapped[int] = mapped_column(sa.ForeignKey("cohorts.id"))
    status: Mapped[str] = mapped_column(sa.String(20), default="registered")
    status_changed_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), server_default=sa.func.now())
    certificate_number: Mapped[str | None] = mapped_column(sa.String(100))
    certificate_date: Mapped[date | None] = mapped_column(sa.Date)
    jp_earned: Mapped[int | None] = mapped_column(sa.Integer)
    score: Mapped[Decimal | None] = mapped_column(sa.Numeric(5, 2))
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), server_default=sa.func.now())


class PhaseResult(db.Model):
    """A participant's result in a graded phase (e.g. aksi perubahan)."""

    __tablename__ = "phase_results"

    enrolment_id: Mapped[int] = mapped_column(sa.ForeignKey("enrolments.id", ondelete="CASCADE"), primary_key=True)
    phase_id: Mapped[int] = mapped_column(sa.ForeignKey("cohort_phases.id", ondelete="CASCADE"), primary_key=True)
    passed: Mapped[bool]
    score: Mapped[Decimal | None] = mapped_column(sa.Numeric(5, 2))


class Attendance(db.Model):
    """Presence of a participant on one session day."""

    __tablename__ = "attendance"
    __table_args__ = (sa.CheckConstraint(f"status IN {ATTENDANCE_STATUSES!r}", name="status"),)

    enrolment_id: Mapped[int] = mapped_column(sa.ForeignKey("enrolments.id", ondelete="CASCADE"), primary_key=True)
    day: Mapped[date] = mapped_column(sa.Date, primary_key=True)
    status: Mapped[str] = mapped_column(sa.String(10))

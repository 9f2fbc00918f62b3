"""Training needs (AKPK), the year's development plan and its budget.

A needs round per year (`needs_rounds`, one a year): OPD operators enter needs (per employee or per position)
while it is open; BKPSDM verifies, merges or rejects each; once closed its needs never change (trigger
`needs_round_closed`). The plan (`plan_lines`, one per program and year) holds the places per OPD
(`plan_line_opds`), the planned cohorts and the ceiling (pagu); a cohort made for a line is linked to it
(`cohort_plan_links`, same program and year: trigger `cohort_plan_links_match`); a cohort's own ceiling and its
realised cost in parts are `cohort_budgets`. Money is whole rupiah (NUMERIC(15, 0)), never negative.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.catalogue import COMPETENCY_TYPES

ROUND_STATUSES = ("open", "closed")
NEED_STATUSES = ("submitted", "verified", "merged", "rejected")
NEED_SOURCES = ("form", "xlsx")
PRIORITIES = (1, 2, 3)  # 1 tinggi, 2 sedang, 3 rendah
COST_PARTS = ("honorarium", "venue", "consumption", "partner_fee")
Money = sa.Numeric(15, 0)


class NeedsRound(db.Model):
    """The year's call for needs: opened by BKPSDM with a deadline, closed once verified."""

    __tablename__ = "needs_rounds"
    __table_args__ = (sa.CheckConstraint(f"status IN {ROUND_STATUSES!r}", name="status"),
                      sa.CheckConstraint("year BETWEEN 2000 AND 2100", name="year_range"),
                      sa.CheckConstraint("status <> 'closed' OR closed_at IS NOT NULL", name="closed_at"))

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(sa.SmallInteger, unique=True)
    status: Mapped[str] = mapped_column(sa.String(10), default="open")
    deadline: Mapped[date] = mapped_column(sa.Date)
    opened_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), server_default=sa.func.now())
    closed_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))


class Need(db.Model):
    """One training need of an OPD: for an employee, or for a position (with how many people hold it)."""

    __tablename__ = "needs"
    __table_args__ = (
        sa.CheckConstraint(f"kind IN {COMPETENCY_TYPES!r}", name="kind"),
        sa.CheckConstraint(f"status IN {NEED_STATUSES!r}", name="status"),
        sa.CheckConstraint(f"source IN {NEED_SOURCES!r}", name="source"),
        sa.CheckConstraint("priority BETWEEN 1 AND 3", name="priority"),
        sa.CheckConstraint("(employee_id IS NULL) <> (position_name IS NULL)", name="employee_or_position"),
        sa.CheckConstraint("people >= 1 AND (employee_id IS NULL OR people = 1)", name="people"),
        sa.CheckConstraint("(program_id IS NULL) <> (proposed_program_name IS NULL)", name="program_one_of"),
        sa.CheckConstraint("btrim(gap) <> '' AND btrim(reason) <> ''", name="gap_and_reason"),
        sa.CheckConstraint("status NOT IN ('merged', 'rejected') OR (note IS NOT NULL AND btrim(note) <> '')",
                           name="note_required"),
        sa.CheckConstraint("(status = 'merged') = (merged_into_id IS NOT NULL)", name="merged_into"),
        sa.CheckConstraint("merged_into_id IS NULL OR merged_into_id <> id", name="not_merged_into_itself"),
        sa.Index("ix_needs_round_id_opd_id", "round_id", "opd_id"),
        sa.Index("ix_needs_employee_id", "employee_id"),
        sa.Index("ix_needs_program_id", "program_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(sa.ForeignKey("needs_rounds.id"))
    opd_id: Mapped[int] = mapped_column(sa.ForeignKey("opds.id"))
    employee_id: Mapped[int | None] = mapped_column(sa.ForeignKey("employees.id"))
    position_name: Mapped[str | None] = mapped_column(sa.String(200))
    people: Mapped[int] = mapped_column(sa.Integer, default=1, server_default="1")
    gap: Mapped[str] = mapped_column(sa.String(1000))
    kind: Mapped[str] = mapped_column(sa.String(20))
    program_id: Mapped[int | None] = mapped_column(sa.ForeignKey("programs.id"))
    proposed_program_name: Mapped[str | None] = mapped_column(sa.String(200))
    priority: Mapped[int] = mapped_column(sa.SmallInteger, default=2)
    reason: Mapped[str] = mapped_column(sa.String(1000))
    status: Mapped[str] = mapped_column(sa.String(10), default="submitted")
    note: Mapped[str | None] = mapped_column(sa.String(1000))
    merged_into_id: Mapped[int | None] = mapped_column(sa.ForeignKey("needs.id"))
    source: Mapped[str] = mapped_column(sa.String(10), default="form")
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), server_default=sa.func.now())
    decided_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))


class PlanLine(db.Model):
    """A program to run in the year: planned cohorts and the ceiling (pagu) of the line."""

    __tablename__ = "plan_lines"
    __table_args__ = (sa.UniqueConstraint("year", "program_id"),
                      sa.CheckConstraint("year BETWEEN 2000 AND 2100", name="year_range"),
                      sa.CheckConstraint("pagu >= 0", name="pagu_not_negative"),
                      sa.CheckConstraint("planned_cohorts >= 0", name="planned_cohorts_not_negative"))

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(sa.SmallInteger)
    program_id: Mapped[int] = mapped_column(sa.ForeignKey("programs.id"))
    planned_cohorts: Mapped[int] = mapped_column(sa.SmallInteger, default=1, server_default="1")
    pagu: Mapped[Decimal] = mapped_column(Money, default=0, server_default="0")
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), server_default=sa.func.now())


class PlanLineOpd(db.Model):
    """The places a plan line holds for one OPD."""

    __tablename__ = "plan_line_opds"
    __table_args__ = (sa.CheckConstraint("places >= 0", name="places_not_negative"),)

    plan_line_id: Mapped[int] = mapped_column(sa.ForeignKey("plan_lines.id", ondelete="CASCADE"), primary_key=True)
    opd_id: Mapped[int] = mapped_column(sa.ForeignKey("opds.id"), primary_key=True)
    places: Mapped[int] = mapped_column(sa.Integer)


class CohortPlanLink(db.Model):
    """A cohort run for a plan line (same program and year; one line per cohort)."""

    __tablename__ = "cohort_plan_links"
    __table_args__ = (sa.Index("ix_cohort_plan_links_plan_line_id", "plan_line_id"),)

    cohort_id: Mapped[int] = mapped_column(sa.ForeignKey("cohorts.id", ondelete="CASCADE"), primary_key=True)
    plan_line_id: Mapped[int] = mapped_column(sa.ForeignKey("plan_lines.id"))


class CohortBudget(db.Model):
    """A cohort's ceiling and its realised cost, in parts (whole rupiah)."""

    __tablename__ = "cohort_budgets"
    __table_args__ = (sa.CheckConstraint("pagu IS NULL OR pagu >= 0", name="pagu_not_negative"),
                      *(sa.CheckConstraint(f"{part} >= 0", name=f"{part}_not_negative") for part in COST_PARTS))

    cohort_id: Mapped[int] = mapped_column(sa.ForeignKey("cohorts.id", ondelete="CASCADE"), primary_key=True)
    pagu: Mapped[Decimal | None] = mapped_column(Money)
    honorarium: Mapped[Decimal] = mapped_column(Money, default=0, server_default="0")
    venue: Mapped[Decimal] = mapped_column(Money, default=0, server_default="0")
    consumption: Mapped[Decimal] = mapped_column(Money, default=0, server_default="0")
    partner_fee: Mapped[Decimal] = mapped_column(Money, default=0, server_default="0")
    cost_recorded_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))


PLANNING_SQL: list[str] = [
    # A closed round's needs never change: no new need, no edit, no deletion; and a round never reopens.
    """CREATE OR REPLACE FUNCTION needs_round_closed() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    v_status text;
BEGIN
    IF TG_TABLE_NAME = 'needs_rounds' THEN
        IF OLD.status = 'closed' AND NEW.status <> 'closed' THEN
            RAISE EXCEPTION USING ERRCODE = 'check_violation', CONSTRAINT = 'ck_needs_rounds_no_reopen',
                MESSAGE = format('ck_needs_rounds_no_reopen: round %s (%s) is closed', OLD.id, OLD.year);
        END IF;
        RETURN NEW;
    END IF;
    IF TG_OP = 'INSERT' AND current_setting('kompeten.restoring', true) = 'on' THEN
        RETURN NEW;  -- a restore puts back a closed round's needs as they were (app.services.admin.bundles)
    END IF;
    SELECT status INTO v_status FROM needs_rounds
    WHERE id = CASE WHEN TG_OP = 'DELETE' THEN OLD.round_id ELSE NEW.round_id END;
    IF v_status = 'closed' OR (TG_OP = 'UPDATE' AND OLD.round_id <> NEW.round_id AND EXISTS (
            SELECT 1 FROM needs_rounds WHERE id = OLD.round_id AND status = 'closed')) THEN
        RAISE EXCEPTION USING ERRCODE = 'check_violation', CONSTRAINT = 'ck_needs_round_open',
            MESSAGE = format('ck_needs_round_open: the needs round of need %s is closed',
                             CASE WHEN TG_OP = 'DELETE' THEN OLD.id ELSE NEW.id END);
    END IF;
    RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
END $$""",
    "CREATE TRIGGER needs_round_closed BEFORE INSERT OR UPDATE OR DELETE ON needs FOR EACH ROW "
    "EXECUTE FUNCTION needs_round_closed()",
    "CREATE TRIGGER needs_rounds_no_reopen BEFORE UPDATE OF status ON needs_rounds FOR EACH ROW "
    "EXECUTE FUNCTION needs_round_closed()",
    # A cohort linked to a plan line runs that line's program in that line's year.
    """CREATE OR REPLACE FUNCTION cohort_plan_links_match() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM cohorts c JOIN plan_lines l ON l.id = NEW.plan_line_id
                   WHERE c.id = NEW.cohort_id AND c.program_id = l.program_id AND c.year = l.year) THEN
        RAISE EXCEPTION USING ERRCODE = 'check_violation', CONSTRAINT = 'ck_cohort_plan_links_match',
            MESSAGE = format('ck_cohort_plan_links_match: cohort %s is not of plan line %s''s program and year',
                             NEW.cohort_id, NEW.plan_line_id);
    END IF;
    RETURN NEW;
END $$""",
    "CREATE TRIGGER cohort_plan_links_match BEFORE INSERT OR UPDATE ON cohort_plan_links FOR EACH ROW "
    "EXECUTE FUNCTION cohort_plan_links_match()",
]
"""Triggers for what a CHECK cannot see; created after the tables by provisioning and by the migration."""

for _statement in PLANNING_SQL:  # after the tables each names (needs after needs_rounds; links after both)
    _table = CohortPlanLink.__table__ if "cohort_plan_links" in _statement else Need.__table__
    sa.event.listen(_table, "after_create", sa.DDL(_statement.replace("%", "%%")))

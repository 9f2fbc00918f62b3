"""Cohorts (angkatan), their phases, enrolments, results, attendance and the JP ledger."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.employees import JpEntry

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
        sa.CheckConstraint("sessions IS NULL OR jsonb_typeof(sessions) = 'array'", name="sessions_array"),
        sa.CheckConstraint("agenda IS NULL OR jsonb_typeof(agenda) = 'array'", name="agenda_array"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    cohort_id: Mapped[int] = mapped_column(sa.ForeignKey("cohorts.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(sa.SmallInteger)
    name: Mapped[str] = mapped_column(sa.String(200))
    start_date: Mapped[date] = mapped_column(sa.Date)
    end_date: Mapped[date] = mapped_column(sa.Date)
    graded: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    # Dated blocks of the phase ([{start_date, end_date, label}], ISO dates; NULL = one block, the whole phase):
    # Klasikal I is 22-30 Apr, field study 1 May, 6-8 May. Attendance is taken only on a day of a block.
    sessions: Mapped[list | None] = mapped_column(JSONB(none_as_null=True))
    # Optional day-level agenda items ([{day, title}]): bimbingan 8 Jul, seminar 9 Jul, penutupan 11 Jul.
    agenda: Mapped[list | None] = mapped_column(JSONB(none_as_null=True))


class Enrolment(db.Model):
    """An employee in a cohort; the natural key is (employee, cohort).

    The database holds the domain's invariants (see INVARIANT_SQL below and docs/cohorts.md): a pass has an
    STTPP number and date and a JP within 1..the program's JP; nothing else carries JP; an STTPP number is used
    once per program and year.
    """

    __tablename__ = "enrolments"
    __table_args__ = (
        sa.UniqueConstraint("employee_id", "cohort_id"),
        sa.CheckConstraint(f"status IN {ENROLMENT_STATUSES!r}", name="status"),
        sa.CheckConstraint("status <> 'passed' OR (certificate_number IS NOT NULL AND btrim(certificate_number) <> '' "
                           "AND certificate_date IS NOT NULL AND jp_earned IS NOT NULL)", name="pass_has_sttpp"),
        sa.CheckConstraint("status = 'passed' OR jp_earned IS NULL", name="jp_only_when_passed"),
        sa.CheckConstraint("jp_earned IS NULL OR jp_earned >= 1", name="jp_positive"),
        sa.Index("ix_enrolments_cohort_id_status", "cohort_id", "status"),
        sa.Index("ix_enrolments_sttpp", sa.text("upper(btrim(certificate_number))"),
                 postgresql_where=sa.text("status = 'passed'")),
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


class SttppNumber(db.Model):
    """The STTPP number of each pass, keyed by program and cohort year: its unique key is the database's rule
    "an STTPP number once per program and year" (kept by the trigger enrolments_sttpp_number)."""

    __tablename__ = "sttpp_numbers"
    __table_args__ = (sa.UniqueConstraint("program_id", "year", "number_key", name="uq_enrolments_sttpp_program_year"),
                      # rows made by a trigger from enrolments: a restore replaces them with the bundle's
                      {"info": {"derived_by_trigger": True}})

    enrolment_id: Mapped[int] = mapped_column(sa.ForeignKey("enrolments.id", ondelete="CASCADE"), primary_key=True)
    program_id: Mapped[int] = mapped_column(sa.ForeignKey("programs.id"))
    year: Mapped[int] = mapped_column(sa.SmallInteger)
    number_key: Mapped[str] = mapped_column(sa.String(100))


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


BULK_RUN_KINDS = ("enrol", "results")
BULK_RUN_STATES = ("queued", "running", "done", "failed")


class CohortBulkRun(db.Model):
    """A large bulk enrolment or results upload confirmed by a person and written by an RQ job (issue 18): what
    was confirmed (`params`: the NIPs or the sheet's rows, the options and the preview's token), who, and the
    outcome. The run lifecycle of app/services/runs (job id, attempt, heartbeat, lease) keeps it from hanging."""

    __tablename__ = "cohort_bulk_runs"
    __table_args__ = (
        sa.CheckConstraint(f"kind IN {BULK_RUN_KINDS!r}", name="kind"),
        sa.CheckConstraint(f"state IN {BULK_RUN_STATES!r}", name="state"),
        sa.CheckConstraint("state <> 'done' OR result IS NOT NULL", name="done_has_result"),
        sa.CheckConstraint("state <> 'failed' OR error IS NOT NULL", name="failed_has_reason"),
        sa.Index("ix_cohort_bulk_runs_cohort_id", "cohort_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    cohort_id: Mapped[int] = mapped_column(sa.ForeignKey("cohorts.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(sa.String(10))
    state: Mapped[str] = mapped_column(sa.String(10), default="queued", server_default="queued")
    rows: Mapped[int] = mapped_column(sa.Integer)
    params: Mapped[dict] = mapped_column(JSONB)
    result: Mapped[dict | None] = mapped_column(JSONB)
    error: Mapped[str | None] = mapped_column(sa.Text)
    requested_by_id: Mapped[int | None] = mapped_column(sa.Integer)
    requested_by: Mapped[str | None] = mapped_column(sa.String(200))
    # The requester's OPD scope (None: the whole region): the job sees the people the person saw.
    opd_scope: Mapped[list[int] | None] = mapped_column(sa.ARRAY(sa.Integer))
    job_id: Mapped[str | None] = mapped_column(sa.String(100))
    attempt: Mapped[int] = mapped_column(sa.Integer, default=0, server_default="0")
    heartbeat_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    lease_until: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), server_default=sa.func.now())
    finished_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))


# --- invariants that need another table (triggers; the tenant migration creates the very same) ------------------

INVARIANT_SQL: list[str] = [
    # A pass's JP is within the program's JP; its STTPP number is used once per program and cohort year.
    """CREATE OR REPLACE FUNCTION enrolments_check_pass() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    v_jp int;
BEGIN
    IF NEW.status <> 'passed' THEN
        RETURN NEW;
    END IF;
    SELECT p.jp INTO v_jp
    FROM cohorts c JOIN programs p ON p.id = c.program_id WHERE c.id = NEW.cohort_id;
    IF NEW.jp_earned > v_jp THEN
        RAISE EXCEPTION USING ERRCODE = 'check_violation', CONSTRAINT = 'ck_enrolments_jp_within_program',
            MESSAGE = format('ck_enrolments_jp_within_program: enrolment %s: jp_earned %s exceeds the '
                             'program''s %s JP', NEW.id, NEW.jp_earned, v_jp);
    END IF;
    RETURN NEW;
END $$""",
    # The WHEN clauses only spare the function call for rows it would leave alone (an import enrols 100k at once).
    "CREATE TRIGGER enrolments_check_pass BEFORE INSERT OR UPDATE ON enrolments FOR EACH ROW "
    "WHEN (NEW.status = 'passed') EXECUTE FUNCTION enrolments_check_pass()",
    # An STTPP number once per program and cohort year: each pass's number is kept in sttpp_numbers, whose unique
    # key (program, year, number trimmed and upper-cased) refuses a second one.
    """CREATE OR REPLACE FUNCTION enrolments_sttpp_number() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' THEN
        DELETE FROM sttpp_numbers WHERE enrolment_id = NEW.id;
    END IF;
    IF NEW.status = 'passed' THEN
        INSERT INTO sttpp_numbers (program_id, year, number_key, enrolment_id)
        SELECT c.program_id, c.year, upper(btrim(NEW.certificate_number)), NEW.id FROM cohorts c
        WHERE c.id = NEW.cohort_id;
    END IF;
    RETURN NULL;
END $$""",
    "CREATE TRIGGER enrolments_sttpp_number AFTER UPDATE OF status, certificate_number, cohort_id "
    "ON enrolments FOR EACH ROW EXECUTE FUNCTION enrolments_sttpp_number()",
    "CREATE TRIGGER enrolments_sttpp_number_insert AFTER INSERT ON enrolments FOR EACH ROW "
    "WHEN (NEW.status = 'passed') EXECUTE FUNCTION enrolments_sttpp_number()",
    # A JP ledger line of a cohort belongs to a pass and carries its JP (checked at commit, so a statement may
    # change the status and the next one the ledger).
    """CREATE OR REPLACE FUNCTION jp_entries_check_enrolment() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    v_bad record;
BEGIN
    IF TG_TABLE_NAME = 'jp_entries' THEN
        SELECT j.id, j.enrolment_id, e.status, j.jp, e.jp_earned INTO v_bad
        FROM jp_entries j JOIN enrolments e ON e.id = j.enrolment_id
        WHERE j.id = NEW.id AND (e.status <> 'passed' OR e.jp_earned IS DISTINCT FROM j.jp);
    ELSE
        SELECT j.id, j.enrolment_id, e.status, j.jp, e.jp_earned INTO v_bad
        FROM jp_entries j JOIN enrolments e ON e.id = j.enrolment_id
        WHERE e.id = NEW.id AND (e.status <> 'passed' OR e.jp_earned IS DISTINCT FROM j.jp);
    END IF;
    IF FOUND THEN
        RAISE EXCEPTION USING ERRCODE = 'check_violation', CONSTRAINT = 'ck_jp_entries_pass_only',
            MESSAGE = format('ck_jp_entries_pass_only: JP line %s: enrolment %s is %s with %s JP, the line '
                             'says %s JP', v_bad.id,
                             v_bad.enrolment_id, v_bad.status, coalesce(v_bad.jp_earned::text, 'no'), v_bad.jp);
    END IF;
    RETURN NULL;
END $$""",
    "CREATE CONSTRAINT TRIGGER jp_entries_pass_only AFTER INSERT OR UPDATE ON jp_entries DEFERRABLE INITIALLY "
    "DEFERRED FOR EACH ROW WHEN (NEW.enrolment_id IS NOT NULL) EXECUTE FUNCTION jp_entries_check_enrolment()",
    "CREATE CONSTRAINT TRIGGER enrolments_ledger_follows AFTER UPDATE OF status, jp_earned ON enrolments "
    "DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION jp_entries_check_enrolment()",
]
"""Triggers for the invariants a CHECK cannot see (they span tables). Created after the tables by
provisioning (create_all) and by the tenant migration."""

for _statement in INVARIANT_SQL:
    sa.event.listen(JpEntry.__table__, "after_create", sa.DDL(_statement.replace("%", "%%")))

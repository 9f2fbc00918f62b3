"""A region's organisation: OPDs (departments) and employees (ASN)."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db

EMPLOYEE_TYPES = ("PNS", "PPPK")
GENDERS = ("L", "P")
JABATAN_KINDS = ("jpt", "administrator", "pengawas", "fungsional", "pelaksana")


class Opd(db.Model):
    """OPD (Organisasi Perangkat Daerah): a department of the regional government."""

    __tablename__ = "opds"
    __table_args__ = (
        sa.Index("uq_opds_code", "code", unique=True, postgresql_where=sa.text("code IS NOT NULL")),
        sa.Index("uq_opds_name_key", "name_key", unique=True, postgresql_where=sa.text("active")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str | None] = mapped_column(sa.String(40))
    name: Mapped[str] = mapped_column(sa.String(200))
    # Lower-cased, accent- and space-folded name: how files and searches match an OPD.
    name_key: Mapped[str] = mapped_column(sa.String(200))
    active: Mapped[bool] = mapped_column(default=True, server_default=sa.true())
    merged_into_id: Mapped[int | None] = mapped_column(sa.ForeignKey("opds.id"))
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), server_default=sa.func.now())
    updated_at: Mapped[datetime] = mapped_column(
        sa.DateTime(timezone=True), server_default=sa.func.now(), onupdate=sa.func.now()
    )


class Employee(db.Model):
    """An ASN (PNS or PPPK) of this region, identified by NIP (unique within the tenant)."""

    __tablename__ = "employees"
    __table_args__ = (
        sa.CheckConstraint(r"nip ~ '^\d{18}$'", name="nip_digits"),
        sa.CheckConstraint(f"employee_type IN {EMPLOYEE_TYPES!r}", name="employee_type"),
        sa.CheckConstraint(f"gender IN {GENDERS!r}", name="gender"),
        sa.CheckConstraint(f"jabatan_kind IN {JABATAN_KINDS!r}", name="jabatan_kind"),
        # nip and name_key use the "C" collation, so these plain indexes serve both prefix search (LIKE 'x%')
        # and ORDER BY under any database locale: no separate text_pattern_ops indexes to maintain.
        sa.Index("ix_employees_name_key_id", "name_key", "id"),
        sa.Index("ix_employees_opd_id_name_key", "opd_id", "name_key"),
        # "data belum lengkap" is counted on every employees list and dashboard: a partial index of the few flagged
        # rows keeps that count off the table.
        sa.Index("ix_employees_incomplete", "opd_id", postgresql_where=sa.text("data_incomplete_since IS NOT NULL")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    nip: Mapped[str] = mapped_column(sa.String(18, collation="C"), unique=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    # Lower-cased, accent- and space-folded name (app.services.text.name_key): what searches match and sort on.
    name_key: Mapped[str] = mapped_column(sa.String(200, collation="C"))
    gender: Mapped[str] = mapped_column(sa.String(1))
    birth_date: Mapped[date] = mapped_column(sa.Date)
    employee_type: Mapped[str] = mapped_column(sa.String(4))
    golongan: Mapped[str | None] = mapped_column(sa.String(8))
    jabatan: Mapped[str | None] = mapped_column(sa.String(200))
    jabatan_kind: Mapped[str | None] = mapped_column(sa.String(20))
    opd_id: Mapped[int | None] = mapped_column(sa.ForeignKey("opds.id"))  # indexed by (opd_id, name_key)
    active: Mapped[bool] = mapped_column(default=True, server_default=sa.true())
    # When the source of the current values (a person or an import file) last changed them.
    source_updated_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    # "Data belum lengkap": set when the person was created from a partner's report (reconciliation) without OPD,
    # golongan or jabatan; cleared (by trigger employees_incomplete) once all three are filled, never before.
    data_incomplete_since: Mapped[datetime | None] = mapped_column(  # the trigger may change it: re-read after
        sa.DateTime(timezone=True), server_default=sa.FetchedValue(), server_onupdate=sa.FetchedValue())
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), server_default=sa.func.now())
    updated_at: Mapped[datetime] = mapped_column(
        sa.DateTime(timezone=True), server_default=sa.func.now(), onupdate=sa.func.now()
    )


JP_SOURCES = ("cohort", "elearning", "other", "submission")
# What a line counts as for the IP ASN competency dimension (app.services.ipasn): a cohort line's comes from its
# program (app.models.ipasn.ACTIVITY_KIND_SQL, set by the trigger jp_entries_activity_kind when left NULL); a line
# entered outside a cohort stays NULL (counted as nothing) until someone says what it was.
ACTIVITY_KINDS = ("leadership", "functional", "technical", "seminar", "other")


class JpEntry(db.Model):
    """A line of an employee's JP ledger: a passed cohort, or training done outside a cohort."""

    __tablename__ = "jp_entries"
    __table_args__ = (
        sa.CheckConstraint(f"source IN {JP_SOURCES!r}", name="source"),
        sa.CheckConstraint("jp > 0", name="jp_positive"),
        # a verified learning submission's line: its JP and person are the submission's (app/models/submissions.py)
        sa.CheckConstraint("(source = 'submission') = (submission_id IS NOT NULL)", name="submission_source"),
        sa.ForeignKeyConstraint(["submission_id", "employee_id", "jp"],
                                ["submissions.id", "submissions.employee_id", "submissions.jp_granted"],
                                name="fk_jp_entries_submission", ondelete="CASCADE", onupdate="CASCADE"),
        sa.CheckConstraint(f"activity_kind IN {ACTIVITY_KINDS!r}", name="activity_kind"),
        sa.CheckConstraint("leadership_level IN ('PKN', 'PKA', 'PKP')", name="leadership_level"),
        sa.Index("ix_jp_entries_employee_id_year", "employee_id", "year"),
        sa.Index("ix_jp_entries_year", "year"),
        # IP ASN (app.services.ipasn.items): a year's lines of one kind, read from the index alone
        sa.Index("ix_jp_entries_activity_kind_year", "activity_kind", "year", "employee_id",
                 postgresql_include=["jp", "id", "enrolment_id", "leadership_level"],
                 postgresql_where=sa.text("activity_kind IS NOT NULL")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    employee_id: Mapped[int] = mapped_column(sa.ForeignKey("employees.id"))
    year: Mapped[int] = mapped_column(sa.SmallInteger)
    jp: Mapped[int] = mapped_column(sa.Integer)
    source: Mapped[str] = mapped_column(sa.String(20))
    enrolment_id: Mapped[int | None] = mapped_column(sa.ForeignKey("enrolments.id", ondelete="CASCADE"), unique=True)
    submission_id: Mapped[int | None] = mapped_column(sa.Integer, unique=True)
    title: Mapped[str] = mapped_column(sa.String(300))
    certificate_number: Mapped[str | None] = mapped_column(sa.String(100))
    completed_on: Mapped[date] = mapped_column(sa.Date)
    activity_kind: Mapped[str | None] = mapped_column(sa.String(20))
    # the level of a leadership line (PKN, PKA, PKP): a cohort line's from its program, with its activity kind
    leadership_level: Mapped[str | None] = mapped_column(sa.String(3))
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), server_default=sa.func.now())


# "Data belum lengkap" (issue 18): the flag clears itself once OPD, golongan and jabatan are all filled, and cannot
# be cleared while one is missing. Provisioning creates this from here; the tenant migration the very same.
INCOMPLETE_SQL: list[str] = [
    """CREATE OR REPLACE FUNCTION employees_incomplete() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    v_complete boolean;
BEGIN
    v_complete := NEW.opd_id IS NOT NULL AND NEW.golongan IS NOT NULL AND coalesce(btrim(NEW.jabatan), '') <> '';
    IF NEW.data_incomplete_since IS NOT NULL AND v_complete THEN
        NEW.data_incomplete_since := NULL;
    ELSIF TG_OP = 'UPDATE' AND OLD.data_incomplete_since IS NOT NULL AND NEW.data_incomplete_since IS NULL
          AND NOT v_complete THEN
        RAISE EXCEPTION USING ERRCODE = 'check_violation', CONSTRAINT = 'ck_employees_incomplete_until_filled',
            MESSAGE = format('ck_employees_incomplete_until_filled: employee %s still lacks OPD, golongan or '
                             'jabatan', NEW.id);
    END IF;
    RETURN NEW;
END $$""",
    # Only rows that carry the flag (before or after) run it: imports of 80,000 people do not pay for it.
    "CREATE TRIGGER employees_incomplete_insert BEFORE INSERT ON employees FOR EACH ROW "
    "WHEN (NEW.data_incomplete_since IS NOT NULL) EXECUTE FUNCTION employees_incomplete()",
    "CREATE TRIGGER employees_incomplete BEFORE UPDATE ON employees FOR EACH ROW "
    "WHEN (OLD.data_incomplete_since IS NOT NULL OR NEW.data_incomplete_since IS NOT NULL) "
    "EXECUTE FUNCTION employees_incomplete()",
]

for _statement in INCOMPLETE_SQL:
    sa.event.listen(Employee.__table__, "after_create", sa.DDL(_statement.replace("%", "%%")))

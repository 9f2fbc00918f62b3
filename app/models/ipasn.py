"""IP ASN (Indeks Profesionalitas ASN), its competency dimension: the weights of its four items per year and post
kind, and the jabatan keywords exempt from functional training. The computation is app.services.ipasn.items."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.employees import JABATAN_KINDS, JpEntry

ITEMS = ("leadership", "functional", "technical", "seminar")
DIMENSION_MAX = 40  # Peraturan BKN Nomor 8 Tahun 2019, Pasal 8 ayat (2): the competency dimension is 40 % of the index
EXEMPT_ITEMS = ("functional",)

# Defaults seeded by the migration for 2019 (the regulation's year), per post kind: (leadership, functional,
# technical, seminar). Pasal 8 ayat (4)-(6) as read: leadership 15 for JPT/administrator/pengawas, functional 15
# for fungsional, technical (>= 20 JP) 15 for JPT/administrator/pengawas/fungsional. NOT confirmed from a source
# (the text read was cut): technical 25 for pelaksana and the seminar weights (10; 15 for pelaksana), chosen so
# every post kind sums to 40. docs/ipasn.md says so; an admin must check them against the regulation.
DEFAULT_WEIGHTS: dict[str, tuple[int, int, int, int]] = {
    "jpt": (15, 0, 15, 10),
    "administrator": (15, 0, 15, 10),
    "pengawas": (15, 0, 15, 10),
    "fungsional": (0, 15, 15, 10),
    "pelaksana": (0, 0, 25, 15),
}
DEFAULT_WEIGHTS_YEAR = 2019
DEFAULT_EXEMPTIONS = ("dokter", "guru", "apoteker", "perawat", "bidan", "asesor", "psikolog")
# The leadership training a post calls for, and the ladder (a higher level meets a lower post's item).
REQUIRED_LEADERSHIP = {"jpt": "PKN", "administrator": "PKA", "pengawas": "PKP"}
LEADERSHIP_RANK = {"PKP": 1, "PKA": 2, "PKN": 3}


class IpasnWeight(db.Model):
    """The weights of the four items for a post kind from `year` on (until a later year's row)."""

    __tablename__ = "ipasn_weights"
    __table_args__ = (
        sa.CheckConstraint(f"post_kind IN {JABATAN_KINDS!r}", name="post_kind"),
        sa.CheckConstraint("year BETWEEN 2000 AND 2100", name="year"),
        sa.CheckConstraint("leadership >= 0 AND functional >= 0 AND technical >= 0 AND seminar >= 0",
                           name="non_negative"),
        sa.CheckConstraint(f"leadership + functional + technical + seminar <= {DIMENSION_MAX}",
                           name="within_dimension"),
    )

    year: Mapped[int] = mapped_column(sa.SmallInteger, primary_key=True)
    post_kind: Mapped[str] = mapped_column(sa.String(20), primary_key=True)
    leadership: Mapped[int] = mapped_column(sa.SmallInteger)
    functional: Mapped[int] = mapped_column(sa.SmallInteger)
    technical: Mapped[int] = mapped_column(sa.SmallInteger)
    seminar: Mapped[int] = mapped_column(sa.SmallInteger)
    source: Mapped[str | None] = mapped_column(sa.String(300))
    updated_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), server_default=sa.func.now(),
                                                 onupdate=sa.func.now())


class IpasnExemption(db.Model):
    """A jabatan keyword (lower case) whose holders are exempt from an item (functional training: doctors, teachers,
    pharmacists, nurses, midwives, assessors, psychologists)."""

    __tablename__ = "ipasn_exemptions"
    __table_args__ = (
        sa.UniqueConstraint("item", "keyword"),
        sa.CheckConstraint("item = 'functional'", name="item"),
        sa.CheckConstraint("keyword = lower(btrim(keyword)) AND length(keyword) >= 3", name="keyword"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    item: Mapped[str] = mapped_column(sa.String(20), default="functional", server_default="functional")
    keyword: Mapped[str] = mapped_column(sa.String(60))
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), server_default=sa.func.now())


# What a pass of program p counts as (p: a row of programs): its own mapping, else from its type.
ACTIVITY_KIND_SQL = (
    "coalesce(p.activity_kind, CASE p.program_type WHEN 'pkn' THEN 'leadership' WHEN 'pka' THEN 'leadership' "
    "WHEN 'pkp' THEN 'leadership' WHEN 'functional' THEN 'functional' WHEN 'technical' THEN 'technical' "
    "WHEN 'elearning' THEN 'technical' ELSE 'other' END)"
)
LEADERSHIP_LEVEL_SQL = (
    "coalesce(p.leadership_level, CASE p.program_type WHEN 'pkn' THEN 'PKN' WHEN 'pka' THEN 'PKA' "
    "WHEN 'pkp' THEN 'PKP' END)"
)

ACTIVITY_KIND_TRIGGER_SQL: list[str] = [
    # A cohort line left without an activity kind takes its program's (every way a pass reaches the ledger).
    f"""CREATE OR REPLACE FUNCTION jp_entries_activity_kind() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.activity_kind IS NULL AND NEW.enrolment_id IS NOT NULL THEN
        SELECT {ACTIVITY_KIND_SQL}, CASE WHEN {ACTIVITY_KIND_SQL} = 'leadership' THEN {LEADERSHIP_LEVEL_SQL} END
        INTO NEW.activity_kind, NEW.leadership_level
        FROM enrolments e JOIN cohorts c ON c.id = e.cohort_id JOIN programs p ON p.id = c.program_id
        WHERE e.id = NEW.enrolment_id;
    END IF;
    RETURN NEW;
END $$""",  # noqa: S608 - built from constants only
    "CREATE TRIGGER jp_entries_activity_kind BEFORE INSERT OR UPDATE OF enrolment_id ON jp_entries "
    "FOR EACH ROW EXECUTE FUNCTION jp_entries_activity_kind()",
]

for _statement in ACTIVITY_KIND_TRIGGER_SQL:
    sa.event.listen(JpEntry.__table__, "after_create", sa.DDL(_statement.replace("%", "%%")))

"""The training catalogue: partner institutions and programs."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db

PARTNER_KINDS = ("bpsdm", "badiklat", "lan", "other")
PROGRAM_TYPES = ("pkn", "pka", "pkp", "latsar", "pppk_orientation", "technical", "functional", "elearning")
COMPETENCY_TYPES = ("manajerial", "teknis", "sosial_kultural")
# IP ASN mapping of a program (app.services.ipasn): NULL = derived from program_type (pkn/pka/pkp: leadership at
# that level; functional; technical and elearning: technical; latsar, PPPK orientation: other).
PROGRAM_ACTIVITY_KINDS = ("leadership", "functional", "technical", "seminar", "other")
LEADERSHIP_LEVELS = ("PKN", "PKA", "PKP")


class Partner(db.Model):
    """A partner institution that trains this region's staff (BPSDM, Badiklat, LAN RI)."""

    __tablename__ = "partners"
    __table_args__ = (sa.CheckConstraint(f"kind IN {PARTNER_KINDS!r}", name="kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(40), unique=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    kind: Mapped[str] = mapped_column(sa.String(20))
    active: Mapped[bool] = mapped_column(default=True, server_default=sa.true())


class Program(db.Model):
    """A catalogue entry (PKA, PKP, Latsar, PPPK orientation, a technical course...) with its JP value."""

    __tablename__ = "programs"
    __table_args__ = (
        sa.CheckConstraint(f"program_type IN {PROGRAM_TYPES!r}", name="program_type"),
        sa.CheckConstraint(f"competency_type IN {COMPETENCY_TYPES!r}", name="competency_type"),
        sa.CheckConstraint("jp > 0", name="jp_positive"),
        sa.CheckConstraint(f"activity_kind IN {PROGRAM_ACTIVITY_KINDS!r}", name="activity_kind"),
        sa.CheckConstraint(f"leadership_level IN {LEADERSHIP_LEVELS!r}", name="leadership_level"),
        sa.Index("ix_programs_name", "name"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(40), unique=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    program_type: Mapped[str] = mapped_column(sa.String(20))
    competency_type: Mapped[str] = mapped_column(sa.String(20))
    # NULL provider = the region itself runs it.
    provider_partner_id: Mapped[int | None] = mapped_column(sa.ForeignKey("partners.id"))
    jp: Mapped[int] = mapped_column(sa.Integer)
    active: Mapped[bool] = mapped_column(default=True, server_default=sa.true())
    # Eligibility (app.services.cohorts.eligibility), checked at every way into a cohort of the program.
    # NULL = no rule: any jabatan kind, PNS and PPPK, any golongan.
    eligible_jabatan_kinds: Mapped[list[str] | None] = mapped_column(ARRAY(sa.String(20)))
    eligible_employee_types: Mapped[list[str] | None] = mapped_column(ARRAY(sa.String(4)))
    min_golongan: Mapped[str | None] = mapped_column(sa.String(8))  # a PNS golongan (III/a); PPPK are not ranked
    # Refuse someone who already passed this program, or a higher one of the leadership ladder (PKP < PKA < PKN).
    not_if_passed: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    # IP ASN: what a pass of this program counts as, and the leadership level it gives (NULL: from program_type).
    activity_kind: Mapped[str | None] = mapped_column(sa.String(20))
    leadership_level: Mapped[str | None] = mapped_column(sa.String(3))

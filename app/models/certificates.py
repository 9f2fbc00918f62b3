"""STTPP certificates: who issues per program, the region's template (logo, signatory, wording) and the
certificates themselves, with every printed field frozen at issue and an unguessable verification code."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db

CERTIFICATE_STATUSES = ("valid", "replaced", "revoked")
ISSUERS = ("region", "partner")


class CertificateLogo(db.Model):
    """A logo image, addressed by the SHA-256 of its bytes: the template and each certificate name the logo they
    print, so a later logo upload does not change an issued certificate's PDF."""

    __tablename__ = "certificate_logos"
    __table_args__ = (sa.CheckConstraint("mime IN ('image/png', 'image/jpeg')", name="mime"),
                      sa.CheckConstraint("octet_length(content) <= 1048576", name="size"))

    sha256: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    mime: Mapped[str] = mapped_column(sa.String(20))
    content: Mapped[bytes] = mapped_column(sa.LargeBinary)


class CertificateTemplate(db.Model):
    """The region's one template (id 1): what the admin edits and previews."""

    __tablename__ = "certificate_templates"
    __table_args__ = (sa.CheckConstraint("id = 1", name="single"),
                      sa.CheckConstraint(r"signatory_nip IS NULL OR signatory_nip ~ '^\d{18}$'", name="nip"))

    id: Mapped[int] = mapped_column(primary_key=True, default=1)
    region_name: Mapped[str] = mapped_column(sa.String(200))
    agency_name: Mapped[str] = mapped_column(sa.String(200), default="Badan Kepegawaian dan Pengembangan SDM")
    place: Mapped[str] = mapped_column(sa.String(100), default="")
    heading: Mapped[str] = mapped_column(sa.String(200), default="SURAT TANDA TAMAT PENDIDIKAN DAN PELATIHAN")
    wording: Mapped[str] = mapped_column(sa.String(1000), default="telah mengikuti dan dinyatakan LULUS")
    signatory_name: Mapped[str] = mapped_column(sa.String(200), default="")
    signatory_nip: Mapped[str | None] = mapped_column(sa.String(18))
    signatory_position: Mapped[str] = mapped_column(sa.String(200), default="Kepala BKPSDM")
    logo_sha256: Mapped[str | None] = mapped_column(sa.ForeignKey("certificate_logos.sha256"))
    updated_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), server_default=sa.func.now(),
                                                 onupdate=sa.func.now())


class CertificateIssuer(db.Model):
    """Who issues a program's STTPP; a program without a row: the region when the region runs it itself
    (no provider partner), else the partner."""

    __tablename__ = "certificate_issuers"
    __table_args__ = (sa.CheckConstraint(f"issuer IN {ISSUERS!r}", name="issuer"),)

    program_id: Mapped[int] = mapped_column(sa.ForeignKey("programs.id", ondelete="CASCADE"), primary_key=True)
    issuer: Mapped[str] = mapped_column(sa.String(10))


class Certificate(db.Model):
    """One STTPP of a passed enrolment. Printed fields are copied at issue and never change: a correction
    issues a new certificate and marks this one replaced (pointing at the new one)."""

    __tablename__ = "certificates"
    __table_args__ = (
        sa.CheckConstraint(f"status IN {CERTIFICATE_STATUSES!r}", name="status"),
        sa.CheckConstraint(f"issuer IN {ISSUERS!r}", name="issuer"),
        sa.CheckConstraint("status <> 'replaced' OR replaced_by_id IS NOT NULL", name="replaced_has_successor"),
        sa.CheckConstraint("jp > 0", name="jp_positive"),
        sa.CheckConstraint("length(code) >= 16", name="code_length"),
        # at most one valid certificate per enrolment
        sa.Index("uq_certificates_valid_enrolment", "enrolment_id", unique=True,
                 postgresql_where=sa.text("status = 'valid'")),
        sa.Index("ix_certificates_cohort_id", "cohort_id"),
        sa.Index("ix_certificates_employee_id", "employee_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(32, collation="C"), unique=True)
    enrolment_id: Mapped[int] = mapped_column(sa.ForeignKey("enrolments.id", ondelete="CASCADE"))
    cohort_id: Mapped[int] = mapped_column(sa.ForeignKey("cohorts.id"))
    employee_id: Mapped[int] = mapped_column(sa.ForeignKey("employees.id"))
    status: Mapped[str] = mapped_column(sa.String(10), default="valid")
    issuer: Mapped[str] = mapped_column(sa.String(10))
    issuer_name: Mapped[str] = mapped_column(sa.String(200))  # the region's agency, or the partner's name
    replaced_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("certificates.id"))
    status_changed_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    # frozen printed fields
    region_name: Mapped[str] = mapped_column(sa.String(200))
    agency_name: Mapped[str] = mapped_column(sa.String(200))
    program_name: Mapped[str] = mapped_column(sa.String(200))
    cohort_label: Mapped[str] = mapped_column(sa.String(100))  # "Angkatan II Tahun 2024"
    start_date: Mapped[date | None] = mapped_column(sa.Date)
    end_date: Mapped[date | None] = mapped_column(sa.Date)
    jp: Mapped[int] = mapped_column(sa.Integer)
    participant_name: Mapped[str] = mapped_column(sa.String(200))
    participant_nip: Mapped[str] = mapped_column(sa.String(18))
    number: Mapped[str] = mapped_column(sa.String(100))
    issued_on: Mapped[date] = mapped_column(sa.Date)
    place: Mapped[str] = mapped_column(sa.String(100))
    heading: Mapped[str] = mapped_column(sa.String(200))
    wording: Mapped[str] = mapped_column(sa.String(1000))
    signatory_name: Mapped[str] = mapped_column(sa.String(200))
    signatory_nip: Mapped[str | None] = mapped_column(sa.String(18))
    signatory_position: Mapped[str] = mapped_column(sa.String(200))
    logo_sha256: Mapped[str | None] = mapped_column(sa.ForeignKey("certificate_logos.sha256"))
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), server_default=sa.func.now())

"""Issuing STTPP certificates: per passed enrolment one valid certificate, its printed fields frozen at issue.

Who issues is a per-program setting (`certificate_issuers`): the region prints its own; where the partner (BPSDM,
LAN) issued the STTPP, the partner's number and date are recorded as a certificate with issuer 'partner' and no
document of ours. Issuing is idempotent: a passed enrolment with an up-to-date valid certificate is left alone;
one whose result was corrected (number, date, JP, name, NIP…) gets a new certificate and the old one says
'replaced' and points at it; one no longer passed has its certificate revoked.
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime

import sqlalchemy as sa

from app.extensions import db
from app.models.catalogue import Partner, Program
from app.models.certificates import ISSUERS, Certificate, CertificateIssuer
from app.models.cohorts import Cohort, CohortPhase, Enrolment
from app.models.employees import Employee
from app.problems import Problem
from app.services.audit import log as audit
from app.services.certificates.templates import get_template
from app.services.cohorts.schedule import get_cohort, to_roman
from app.signals import certificates_issued

# Fields that come from the enrolment and its cohort: when one differs, the certificate is replaced.
SOURCE_FIELDS = ("program_name", "cohort_label", "start_date", "end_date", "jp", "participant_name",
                 "participant_nip", "number", "issued_on")


def new_code() -> str:
    """20 URL-safe characters from the OS's CSPRNG (120 bits): not sequential, not derived from anything."""
    return secrets.token_urlsafe(15)


# --- who issues ---------------------------------------------------------------------------------------------


def issuer_settings() -> list[dict]:
    """Every active program with who issues its STTPP (the setting, or the default)."""
    rows = db.session.execute(
        sa.select(Program.id, Program.code, Program.name, Program.provider_partner_id, Partner.name.label("partner"),
                  CertificateIssuer.issuer)
        .outerjoin(Partner, Partner.id == Program.provider_partner_id)
        .outerjoin(CertificateIssuer, CertificateIssuer.program_id == Program.id)
        .where(Program.active).order_by(Program.code)
    ).all()
    return [{"program_id": r.id, "code": r.code, "name": r.name, "partner": r.partner,
             "issuer": r.issuer or ("partner" if r.provider_partner_id else "region"), "explicit": r.issuer is not None}
            for r in rows]


def set_issuer(program_id: int, issuer: str) -> None:
    if issuer not in ISSUERS:
        raise Problem.invalid("Penerbit STTPP harus 'region' atau 'partner'.", field="issuer",
                              reason="harus region atau partner")
    if db.session.get(Program, program_id) is None:
        raise Problem.not_found(f"Program {program_id} tidak ditemukan.")
    row = db.session.get(CertificateIssuer, program_id)
    before = {"issuer": row.issuer} if row else None
    if row is None:
        db.session.add(CertificateIssuer(program_id=program_id, issuer=issuer))
    else:
        row.issuer = issuer
    db.session.flush()
    audit.record("certificate_issuer.set", "certificate_issuers", program_id, before=before,
                 after={"issuer": issuer})


# --- issuing ------------------------------------------------------------------------------------------------


def _sources(where) -> list:
    """Passed enrolments with what a certificate prints of them (one query)."""
    starts = (sa.select(CohortPhase.cohort_id, sa.func.min(CohortPhase.start_date).label("s"),
                        sa.func.max(CohortPhase.end_date).label("e"))
              .group_by(CohortPhase.cohort_id).subquery())
    return db.session.execute(
        sa.select(Enrolment.id, Enrolment.cohort_id, Enrolment.employee_id, Enrolment.certificate_number,
                  Enrolment.certificate_date, Enrolment.jp_earned, Employee.name, Employee.nip, Cohort.number,
                  Cohort.year, sa.func.coalesce(Cohort.start_date, starts.c.s).label("start_date"),
                  sa.func.coalesce(Cohort.end_date, starts.c.e).label("end_date"), Program.name.label("program_name"),
                  Program.jp.label("program_jp"), Program.provider_partner_id,
                  sa.func.coalesce(Partner.name, "Mitra").label("partner_name"),
                  CertificateIssuer.issuer)
        .join(Employee, Employee.id == Enrolment.employee_id)
        .join(Cohort, Cohort.id == Enrolment.cohort_id)
        .join(Program, Program.id == Cohort.program_id)
        .outerjoin(starts, starts.c.cohort_id == Cohort.id)
        .outerjoin(Partner, Partner.id == sa.func.coalesce(Cohort.partner_id, Program.provider_partner_id))
        .outerjoin(CertificateIssuer, CertificateIssuer.program_id == Program.id)
        .where(Enrolment.status == "passed", Enrolment.certificate_number.is_not(None),
               Enrolment.certificate_date.is_not(None), where)
        .order_by(Enrolment.id)
    ).all()


def _fields(src) -> dict:
    return {"program_name": src.program_name, "cohort_label": f"Angkatan {to_roman(src.number)} Tahun {src.year}",
            "start_date": src.start_date, "end_date": src.end_date, "jp": src.jp_earned or src.program_jp,
            "participant_name": src.name, "participant_nip": src.nip, "number": src.certificate_number,
            "issued_on": src.certificate_date}


def _issuer(src) -> str:
    return src.issuer or ("partner" if src.provider_partner_id else "region")


def sync(where, *, person: bool = True) -> dict:
    """Make certificates agree with the enrolments selected by `where` (a clause on Enrolment): issue missing
    ones, replace corrected ones, revoke those of enrolments no longer passed. Returns the counts.

    The ids of the new certificates the region issued (new or replacing one) go out with `certificates_issued`,
    once for the whole batch (the notifications area writes each participant's "STTPP Anda sudah terbit")."""
    counts = {"issued": 0, "replaced": 0, "revoked": 0, "unchanged": 0, "partner": 0}
    issued_ids: list[int] = []
    template = None
    sources = {s.id: s for s in _sources(where)}
    current = {c.enrolment_id: c for c in db.session.execute(
        sa.select(Certificate).join(Enrolment, Enrolment.id == Certificate.enrolment_id)
        .where(Certificate.status == "valid", where).with_for_update(of=Certificate)).scalars()}
    now = datetime.now(UTC)
    for enrolment_id, cert in current.items():
        if enrolment_id not in sources:
            cert.status, cert.status_changed_at = "revoked", now
            counts["revoked"] += 1
            if person:
                audit.record("certificate.revoke", "certificates", cert.id, before={"status": "valid"},
                             after={"status": "revoked"})
    db.session.flush()
    for enrolment_id, src in sources.items():
        fields = _fields(src)
        cert = current.get(enrolment_id)
        issuer = _issuer(src)
        if cert is not None and cert.issuer == issuer and all(getattr(cert, k) == v for k, v in fields.items()):
            counts["unchanged"] += 1
            continue
        if template is None:
            template = get_template()
        if issuer == "region":
            frozen = {"issuer_name": template.agency_name, "region_name": template.region_name,
                      "agency_name": template.agency_name, "place": template.place, "heading": template.heading,
                      "wording": template.wording, "signatory_name": template.signatory_name,
                      "signatory_nip": template.signatory_nip, "signatory_position": template.signatory_position,
                      "logo_sha256": template.logo_sha256}
        else:
            frozen = {"issuer_name": src.partner_name, "region_name": template.region_name,
                      "agency_name": src.partner_name, "place": "", "heading": "STTPP", "wording": "",
                      "signatory_name": "", "signatory_nip": None, "signatory_position": "", "logo_sha256": None}
        new = Certificate(code=new_code(), enrolment_id=enrolment_id, cohort_id=src.cohort_id,
                          employee_id=src.employee_id, status="valid", issuer=issuer, status_changed_at=now,
                          **frozen, **fields)
        if cert is not None:
            # out of 'valid' first (the partial unique index: one valid per enrolment), 'replaced' once the
            # successor exists (the CHECK: a replaced certificate names its successor)
            cert.status, cert.status_changed_at = "revoked", now
            db.session.flush()
        db.session.add(new)
        db.session.flush()
        if issuer == "region":
            issued_ids.append(new.id)
        if cert is not None:
            cert.status, cert.replaced_by_id = "replaced", new.id
            counts["replaced"] += 1
        else:
            counts["issued" if issuer == "region" else "partner"] += 1
        if person:
            audit.record("certificate.replace" if cert else "certificate.issue", "certificates", new.id,
                         before={"replaces": cert.id, "number": cert.number} if cert else None,
                         after={"enrolment_id": enrolment_id, "issuer": issuer, "number": new.number})
    db.session.flush()
    if issued_ids:
        certificates_issued.send(None, certificate_ids=issued_ids)
    return counts


def issue_cohort(cohort_id: int) -> dict:
    """Issue (or bring up to date) the certificates of every passed participant of a cohort."""
    get_cohort(cohort_id, lock=True)
    counts = sync(Enrolment.cohort_id == cohort_id)
    audit.record("certificate.issue_cohort", "cohorts", cohort_id, after=counts)
    return counts


def refresh_all(**_kwargs) -> None:
    """After results changed (reconciliation, imports, a status change), replace or revoke the certificates whose
    enrolment no longer matches them; nothing new is issued (issuing is a person's decision per cohort). One
    indexed query finds the stale ones, so a region with many certificates pays for the changed ones only."""
    db.session.flush()
    stale = db.session.execute(
        sa.select(Certificate.enrolment_id)
        .join(Enrolment, Enrolment.id == Certificate.enrolment_id)
        .join(Employee, Employee.id == Enrolment.employee_id)
        .where(Certificate.status == "valid",
               sa.or_(Enrolment.status != "passed",
                      Enrolment.certificate_number.is_distinct_from(Certificate.number),
                      Enrolment.certificate_date.is_distinct_from(Certificate.issued_on),
                      sa.and_(Enrolment.jp_earned.is_not(None), Enrolment.jp_earned != Certificate.jp),
                      Employee.name != Certificate.participant_name, Employee.nip != Certificate.participant_nip))
    ).scalars().all()
    if stale:
        sync(Enrolment.id.in_(stale), person=False)

"""Reading certificates: a cohort's list, one's own, the PDF of one, a cohort's ZIP, and the public verification.

The verification look-up is by code within the bound region only: a code of another region, or no code at all,
is the same 404. It shows the printed fields, the issuer and the status, and nothing else (the NIP masked).
"""

from __future__ import annotations

import io
import os
import zipfile
from collections.abc import Callable

import sqlalchemy as sa
from flask import current_app, has_request_context, request, url_for

from app.extensions import db
from app.models.certificates import Certificate
from app.models.cohorts import Enrolment
from app.problems import Problem
from app.services.certificates import pdf
from app.services.certificates.templates import get_template, logo_bytes
from app.services.cohorts.schedule import get_cohort
from app.services.scope import enrolment_in_scope_clause, scoped
from app.tenancy import current_tenant

# A ZIP entry's fixed timestamp: the same certificates give the same archive.
ZIP_TIME = (2000, 1, 1, 0, 0, 0)


def mask_nip(nip: str) -> str:
    """`19750101•••••••••001`: the first 4 and last 3 digits; birth date and appointment hidden."""
    return nip[:4] + "\u2022" * (len(nip) - 7) + nip[-3:] if len(nip) > 7 else "\u2022" * len(nip)


def base_url() -> str:
    configured = current_app.config.get("PUBLIC_BASE_URL") or os.environ.get("KOMPETEN_PUBLIC_URL")
    if configured:
        return configured.rstrip("/")
    if has_request_context():
        return request.host_url.rstrip("/")
    return "http://localhost:5000"


def verify_url(code: str) -> str:
    slug = current_tenant().slug
    if has_request_context():
        path = url_for("certificate_public.verify", tenant_slug=slug, code=code)
    else:
        path = f"/t/{slug}/verifikasi/{code}"
    return base_url() + path


def _view(c: Certificate) -> dict:
    return {"id": c.id, "code": c.code, "status": c.status, "issuer": c.issuer, "issuer_name": c.issuer_name,
            "enrolment_id": c.enrolment_id, "cohort_id": c.cohort_id, "program_name": c.program_name,
            "cohort_label": c.cohort_label, "start_date": c.start_date, "end_date": c.end_date, "jp": c.jp,
            "participant_name": c.participant_name, "participant_nip": c.participant_nip, "number": c.number,
            "issued_on": c.issued_on, "has_pdf": c.issuer == "region", "created_at": c.created_at,
            "replaced_by_id": c.replaced_by_id}


def cohort_certificates(cohort_id: int) -> list[dict]:
    """The valid certificates of a cohort's participants in the caller's OPD scope, by name."""
    get_cohort(cohort_id)
    rows = db.session.execute(
        sa.select(Certificate).join(Enrolment, Enrolment.id == Certificate.enrolment_id)
        .where(Certificate.cohort_id == cohort_id, Certificate.status == "valid",
               *scoped(enrolment_in_scope_clause()))
        .order_by(Certificate.participant_name, Certificate.id)).scalars()
    return [_view(c) for c in rows]


def codes_by_enrolment(cohort_id: int) -> dict[int, str]:
    return dict(db.session.execute(sa.select(Certificate.enrolment_id, Certificate.code)
                                   .where(Certificate.cohort_id == cohort_id, Certificate.status == "valid")).all())


def own_certificates(employee_id: int) -> list[dict]:
    rows = db.session.execute(sa.select(Certificate).where(Certificate.employee_id == employee_id,
                                                           Certificate.status == "valid")
                              .order_by(Certificate.issued_on.desc(), Certificate.id.desc())).scalars()
    return [_view(c) for c in rows]


def staff_certificate(certificate_id: int) -> Certificate:
    """A certificate of a participant in the caller's OPD scope, else 404."""
    cert = db.session.execute(
        sa.select(Certificate).join(Enrolment, Enrolment.id == Certificate.enrolment_id)
        .where(Certificate.id == certificate_id, *scoped(enrolment_in_scope_clause()))).scalar_one_or_none()
    if cert is None:
        raise Problem.not_found(f"Sertifikat {certificate_id} tidak ditemukan.")
    return cert


def own_certificate(certificate_id: int, employee_id: int) -> Certificate:
    """One's own certificate; another person's is the same 404 as an unknown one."""
    cert = db.session.get(Certificate, certificate_id)
    if cert is None or cert.employee_id != employee_id:
        raise Problem.not_found(f"Sertifikat {certificate_id} tidak ditemukan.")
    return cert


def pdf_of(cert: Certificate) -> bytes:
    if cert.issuer != "region":
        raise Problem.conflict(f"STTPP ini diterbitkan oleh {cert.issuer_name}; dokumennya dari penerbit.",
                               field="issuer", reason="diterbitkan mitra")
    note = None if cert.status == "valid" else ("DIGANTI" if cert.status == "replaced" else "DICABUT")
    return pdf.render(pdf.Printed.of(cert, verify_url(cert.code), note), logo_bytes(cert.logo_sha256))


def filename(cert: Certificate) -> str:
    safe = "".join(ch if ch.isalnum() else "-" for ch in cert.participant_name).strip("-")
    return f"STTPP-{cert.participant_nip}-{safe}.pdf"


def preview_pdf() -> bytes:
    """The template with sample data, marked CONTOH."""
    from datetime import date

    t = get_template()
    sample = pdf.Printed(region_name=t.region_name, agency_name=t.agency_name, heading=t.heading, wording=t.wording,
                         program_name="Pelatihan Kepemimpinan Administrator", cohort_label="Angkatan II Tahun 2024",
                         start_date=date(2024, 3, 9), end_date=date(2024, 7, 11), jp=333,
                         participant_name="Nama Peserta", participant_nip="197501012000031001",
                         number="000/STTPP/2024", issued_on=date(2024, 7, 11), place=t.place,
                         signatory_name=t.signatory_name, signatory_nip=t.signatory_nip,
                         signatory_position=t.signatory_position, code="CONTOH-KODE-VERIFIKASI",
                         verify_url=verify_url("CONTOH"), status_note="CONTOH")
    return pdf.render(sample, logo_bytes(t.logo_sha256))


def cohort_zip(cohort_id: int, out, progress: Callable[[int, int], None] | None = None) -> int:
    """Write the PDFs of a cohort's valid, region-issued certificates into the ZIP file object `out`; returns how
    many. `progress(done, total)` is called as it goes."""
    certs = db.session.execute(
        sa.select(Certificate).where(Certificate.cohort_id == cohort_id, Certificate.status == "valid",
                                     Certificate.issuer == "region")
        .order_by(Certificate.participant_name, Certificate.id)).scalars().all()
    logos: dict[str | None, bytes | None] = {}
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for n, cert in enumerate(certs, start=1):
            if cert.logo_sha256 not in logos:
                logos[cert.logo_sha256] = logo_bytes(cert.logo_sha256)
            body = pdf.render(pdf.Printed.of(cert, verify_url(cert.code)), logos[cert.logo_sha256])
            info = zipfile.ZipInfo(filename(cert), date_time=ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, body)
            if progress and (n % 20 == 0 or n == len(certs)):
                progress(n, len(certs))
    return len(certs)


def cohort_zip_bytes(cohort_id: int) -> bytes:
    get_cohort(cohort_id)
    buf = io.BytesIO()
    cohort_zip(cohort_id, buf)
    return buf.getvalue()


def verify(code: str) -> dict:
    """What the public page shows for a code of this region; 404 for anything else."""
    if not code or len(code) > 32:
        raise Problem.not_found("Sertifikat tidak ditemukan.")
    cert = db.session.execute(sa.select(Certificate).where(Certificate.code == code)).scalar_one_or_none()
    if cert is None:
        raise Problem.not_found("Sertifikat tidak ditemukan.")
    current = cert
    seen = 0
    while current.replaced_by_id is not None and seen < 50:
        current = db.session.get(Certificate, current.replaced_by_id)
        seen += 1
    public = ("code", "status", "issuer", "issuer_name", "region_name", "agency_name", "program_name",
              "cohort_label", "start_date", "end_date", "jp", "participant_name", "number", "issued_on",
              "signatory_name", "signatory_position", "status_changed_at")

    def shown(c: Certificate) -> dict:
        out = {k: getattr(c, k) for k in public}
        out["participant_nip"] = mask_nip(c.participant_nip)
        return out

    return {"certificate": shown(cert), "valid": cert.status == "valid",
            "current": shown(current) if current is not cert and current.status == "valid" else None}

"""The JP ledger: every completed training adds JP (jam pelajaran) to an employee's calendar year.

Lines come from passed cohorts (source 'cohort', written by the enrolments service) or from training done
outside a cohort and entered with its certificate (source 'elearning' or 'other', written here). An ASN must
reach REQUIRED_JP a year (PP 11/2017 as amended by PP 17/2020).
"""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa

from app.domain.jp import REQUIRED_JP_PER_YEAR
from app.extensions import db
from app.models.catalogue import Program
from app.models.cohorts import Cohort, Enrolment
from app.models.employees import Employee, JpEntry
from app.problems import Problem
from app.services.audit import log as audit
from app.services.employees.records import get_employee
from app.signals import tenant_data_changed

REQUIRED_JP = REQUIRED_JP_PER_YEAR
EXTERNAL_SOURCES = ("elearning", "other")
MIN_YEAR, MAX_YEAR = 1990, 2100


def _line(entry: JpEntry, cohort_id: int | None, program_code: str | None) -> dict:
    return {
        "id": entry.id, "source": entry.source, "title": entry.title, "jp": entry.jp,
        "completed_on": entry.completed_on, "certificate_number": entry.certificate_number,
        "enrolment_id": entry.enrolment_id, "cohort_id": cohort_id, "program_code": program_code,
    }


def employee_jp(nip: str, year: int) -> dict:
    """An employee's JP for one calendar year: total, compliance and the lines (two queries)."""
    return jp_of(get_employee(nip), year)


def jp_of(emp: Employee, year: int) -> dict:
    """The JP year of an already loaded employee (one query)."""
    rows = db.session.execute(
        sa.select(JpEntry, Enrolment.cohort_id, Program.code)
        .outerjoin(Enrolment, Enrolment.id == JpEntry.enrolment_id)
        .outerjoin(Cohort, Cohort.id == Enrolment.cohort_id)
        .outerjoin(Program, Program.id == Cohort.program_id)
        .where(JpEntry.employee_id == emp.id, JpEntry.year == year)
        .order_by(JpEntry.completed_on, JpEntry.id)
    ).all()
    lines = [_line(entry, cohort_id, code) for entry, cohort_id, code in rows]
    total = sum(line["jp"] for line in lines)
    return {
        "nip": emp.nip, "year": year, "total_jp": total, "required_jp": REQUIRED_JP,
        "compliant": total >= REQUIRED_JP, "shortfall": max(0, REQUIRED_JP - total), "lines": lines,
    }


def add_external_entry(nip: str, year: int | None, jp: int, title: str, certificate_number: str,
                       completed_on: date, source: str = "elearning") -> dict:
    """Record training done outside a cohort (e-learning, MOOC, dialog kerja...) that ended with a certificate.

    The year is the calendar year of completion; when given it must agree with `completed_on`. The same
    certificate cannot be entered twice for one employee (it would count its JP twice): 409.
    """
    emp = get_employee(nip)
    errors: list[dict] = []
    if source not in EXTERNAL_SOURCES:
        errors.append({"field": "source", "reason": f"harus salah satu dari: {', '.join(EXTERNAL_SOURCES)}"})
    if not isinstance(jp, int) or jp <= 0:
        errors.append({"field": "jp", "reason": "JP harus lebih dari 0"})
    title = " ".join((title or "").split())
    if len(title) < 2:
        errors.append({"field": "title", "reason": "judul pelatihan minimal 2 karakter"})
    certificate_number = (certificate_number or "").strip()
    if not certificate_number:
        errors.append({"field": "certificate_number",
                       "reason": "nomor sertifikat wajib: pembelajaran di luar kelas dihitung bila bersertifikat"})
    if completed_on > date.today():
        errors.append({"field": "completed_on", "reason": "tanggal selesai tidak boleh di masa depan"})
    if year is None:
        year = completed_on.year
    elif year != completed_on.year:
        errors.append({"field": "year",
                       "reason": f"tahun harus sama dengan tahun tanggal selesai ({completed_on.year})"})
    if not MIN_YEAR <= year <= MAX_YEAR:
        errors.append({"field": "year", "reason": f"tahun harus {MIN_YEAR}-{MAX_YEAR}"})
    if errors:
        raise Problem.invalid(errors=errors)

    clash = db.session.execute(
        sa.select(JpEntry.id).where(JpEntry.employee_id == emp.id, JpEntry.certificate_number == certificate_number)
    ).first()
    if clash is not None:
        raise Problem.conflict(f"Sertifikat {certificate_number} sudah tercatat untuk pegawai ini "
                               f"(baris JP {clash.id}).", field="certificate_number",
                               reason="sertifikat sudah tercatat")
    entry = JpEntry(employee_id=emp.id, year=year, jp=jp, source=source, title=title,
                    certificate_number=certificate_number, completed_on=completed_on)
    db.session.add(entry)
    db.session.flush()
    audit.record("jp_entry.create", "jp_entries", entry.id, after={
        "employee_id": emp.id, "nip": emp.nip, "year": year, "jp": jp, "source": source, "title": title,
        "certificate_number": certificate_number, "completed_on": completed_on.isoformat()})
    tenant_data_changed.send(None, reason="jp_entry.create")
    return _line(entry, None, None)


def ledger_by_year(emp: Employee) -> dict:
    """A person's whole JP ledger (one query): per year the total against 20 JP, newest first, and the lines
    entered with a certificate outside any cohort (their certificates)."""
    entries = db.session.execute(
        sa.select(JpEntry).where(JpEntry.employee_id == emp.id).order_by(JpEntry.year.desc(), JpEntry.completed_on)
    ).scalars().all()
    totals: dict[int, int] = {}
    for entry in entries:
        totals[entry.year] = totals.get(entry.year, 0) + entry.jp
    years = [{"year": year, "total_jp": total, "required_jp": REQUIRED_JP, "compliant": total >= REQUIRED_JP,
              "shortfall": max(0, REQUIRED_JP - total)} for year, total in totals.items()]
    external = sorted((_line(e, None, None) for e in entries if e.enrolment_id is None),
                      key=lambda line: (line["completed_on"], line["id"]), reverse=True)
    return {"years": years, "external": external}

"""Rows for the enrolment and attendance tests, inserted straight through the models and committed.

Independent of the employee and cohort services (written in parallel); each helper returns plain dicts.
"""

from __future__ import annotations

import itertools
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy import event

from app.domain.nip import make_nip
from app.extensions import db
from app.models.catalogue import Program
from app.models.cohorts import Cohort, CohortPhase, Enrolment
from app.models.employees import Employee, Opd
from app.services.text import name_key
from app.tenancy import TenantInfo, tenant_context

_serial = itertools.count(1)

# The PKA Angkatan II 2024 phases of Kota Malang (DOMAIN.md); aksi perubahan is graded.
PKA_PHASES = (
    ("MOOC", date(2024, 3, 9), date(2024, 3, 22), False),
    ("E-learning", date(2024, 3, 23), date(2024, 4, 6), False),
    ("Commitment building", date(2024, 4, 17), date(2024, 4, 20), False),
    ("Klasikal I", date(2024, 4, 22), date(2024, 5, 8), False),
    ("Aksi perubahan", date(2024, 5, 9), date(2024, 7, 7), True),
    ("Klasikal II", date(2024, 7, 8), date(2024, 7, 11), True),
)


def api(tenant: TenantInfo | str, path: str = "") -> str:
    slug = tenant if isinstance(tenant, str) else tenant.slug
    return f"/t/{slug}/api/v1{path}"


def fresh_nip(gender: str = "L") -> str:
    n = next(_serial)
    born = date(1975, 1, 1) + timedelta(days=n % 9_000)
    return make_nip(born, born.year + 22, 1 + n % 12, gender, 900 + n % 100)


def make_opd(tenant: TenantInfo, name: str | None = None) -> dict:
    name = name or f"Kelurahan Uji {next(_serial)}"
    with tenant_context(tenant):
        opd = Opd(name=name, name_key=name_key(name))
        db.session.add(opd)
        db.session.commit()
        return {"id": opd.id, "name": opd.name}


def make_employee(tenant: TenantInfo, *, opd_id: int | None = None, active: bool = True, gender: str = "L",
                  name: str | None = None) -> dict:
    nip = fresh_nip(gender)
    name = name or f"Peserta Uji {next(_serial)}"
    born = date(int(nip[:4]), int(nip[4:6]), int(nip[6:8]))
    with tenant_context(tenant):
        emp = Employee(nip=nip, name=name, name_key=name_key(name), gender=gender, birth_date=born,
                       employee_type="PNS", golongan="III/d", jabatan="Lurah", jabatan_kind="pengawas",
                       opd_id=opd_id, active=active)
        db.session.add(emp)
        db.session.commit()
        return {"id": emp.id, "nip": emp.nip, "name": emp.name, "opd_id": opd_id}


def make_cohort(tenant: TenantInfo, *, program_code: str = "PKA", number: int | None = None, year: int = 2024,
                quota: int | None = 32, start_date: date | None = None, end_date: date | None = None,
                phases=()) -> dict:
    """phases: (name, start, end, graded) tuples, in order."""
    with tenant_context(tenant):
        program = db.session.execute(sa.select(Program).where(Program.code == program_code)).scalar_one()
        cohort = Cohort(program_id=program.id, number=number or next(_serial), year=year, mode="blended", quota=quota,
                        start_date=start_date, end_date=end_date)
        db.session.add(cohort)
        db.session.flush()
        rows = [CohortPhase(cohort_id=cohort.id, position=i, name=n, start_date=s, end_date=e, graded=g)
                for i, (n, s, e, g) in enumerate(phases, start=1)]
        db.session.add_all(rows)
        db.session.commit()
        return {"id": cohort.id, "number": cohort.number, "year": cohort.year, "program_name": program.name,
                "program_jp": program.jp,
                "phases": [{"id": p.id, "name": p.name, "graded": p.graded} for p in rows]}


def make_enrolment(tenant: TenantInfo, cohort_id: int, employee_id: int | None = None, *,
                   status: str = "registered", certificate_number: str | None = None) -> dict:
    """An enrolment put straight into `status` (a passed one gets a certificate, as the table requires: its
    number is unique unless given)."""
    if employee_id is None:
        employee_id = make_employee(tenant)["id"]
    extra = {}
    if status == "passed":
        extra = {"certificate_number": certificate_number or f"STTPP/OLD/{next(_serial)}",
                 "certificate_date": date(2024, 7, 11), "jp_earned": 333}
    with tenant_context(tenant):
        enrolment = Enrolment(cohort_id=cohort_id, employee_id=employee_id, status=status,
                              status_changed_at=datetime.now(UTC), **extra)
        db.session.add(enrolment)
        db.session.commit()
        return {"id": enrolment.id, "employee_id": employee_id, "status": status}


def enrol_many(tenant: TenantInfo, cohort_id: int, n: int, *, opd_id: int | None = None) -> list[int]:
    """n new employees registered in the cohort, in one transaction; returns the enrolment ids."""
    with tenant_context(tenant):
        people = []
        for _ in range(n):
            nip = fresh_nip()
            name = f"Peserta Uji {next(_serial)}"
            people.append(Employee(nip=nip, name=name, name_key=name_key(name), gender="L", employee_type="PNS",
                                   birth_date=date(int(nip[:4]), int(nip[4:6]), int(nip[6:8])), opd_id=opd_id))
        db.session.add_all(people)
        db.session.flush()
        rows = [Enrolment(cohort_id=cohort_id, employee_id=p.id, status="registered") for p in people]
        db.session.add_all(rows)
        db.session.commit()
        return [r.id for r in rows]


@contextmanager
def count_queries():
    """`with count_queries() as statements:` → the statements sent to PostgreSQL inside the block."""
    statements: list[str] = []

    def _record(_conn, _cursor, statement, *_args):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", _record)
    try:
        yield statements
    finally:
        event.remove(db.engine, "before_cursor_execute", _record)

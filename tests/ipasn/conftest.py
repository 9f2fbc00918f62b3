"""Hand-built people for the IP ASN tests: employees with a jabatan, programs of each kind, passes written to the
JP ledger through the cohort service's own `sync_ledger` (so the activity kind comes from the trigger)."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import date

import pytest
import sqlalchemy as sa

from app.domain.nip import make_nip
from app.extensions import db
from app.models.catalogue import Program
from app.models.cohorts import Cohort, Enrolment
from app.models.employees import Employee, JpEntry, Opd
from app.services.cohorts.enrolments import sync_ledger
from app.services.text import name_key
from app.tenancy import TenantInfo, tenant_context

YEAR = 2024
_serial = itertools.count(1)


@dataclass
class People:
    tenant: TenantInfo
    opd_id: int

    def employee(self, name: str, jabatan: str, jabatan_kind: str) -> int:
        n = next(_serial)
        born = date(1980, 1 + n % 12, 1 + n % 28)
        with tenant_context(self.tenant):
            emp = Employee(nip=make_nip(born, 2005, 1 + n % 12, "L", 500 + n), name=name, name_key=name_key(name),
                           gender="L", birth_date=born, employee_type="PNS", golongan="III/c", jabatan=jabatan,
                           jabatan_kind=jabatan_kind, opd_id=self.opd_id)
            db.session.add(emp)
            db.session.commit()
            return emp.id

    def program(self, code: str, program_type: str, jp: int, **mapping) -> int:
        with tenant_context(self.tenant):
            found = db.session.execute(sa.select(Program).where(Program.code == code)).scalar_one_or_none()
            if found is not None:
                return found.id
            program = Program(code=code, name=f"Program {code}", program_type=program_type, competency_type="teknis",
                              jp=jp, **mapping)
            db.session.add(program)
            db.session.commit()
            return program.id

    def passed(self, employee_id: int, program_code: str, jp: int, *, year: int = YEAR) -> int:
        """A pass of a cohort of the program (its JP line written by the cohort service); returns the enrolment."""
        n = next(_serial)
        with tenant_context(self.tenant):
            program = db.session.execute(sa.select(Program).where(Program.code == program_code)).scalar_one()
            cohort = Cohort(program_id=program.id, number=900 + n, year=year, mode="klasikal")
            db.session.add(cohort)
            db.session.flush()
            enrolment = Enrolment(cohort_id=cohort.id, employee_id=employee_id, status="passed",
                                  certificate_number=f"STTPP/IPASN/{n}", certificate_date=date(year, 6, 1),
                                  jp_earned=jp)
            db.session.add(enrolment)
            db.session.flush()
            sync_ledger([enrolment.id])
            db.session.commit()
            return enrolment.id

    def line(self, employee_id: int, jp: int, activity_kind: str | None, *, year: int = YEAR) -> int:
        """A JP line outside any cohort (e-learning), of the given kind."""
        with tenant_context(self.tenant):
            entry = JpEntry(employee_id=employee_id, year=year, jp=jp, source="elearning", title=f"Kursus {jp} JP",
                            certificate_number=f"SERT/{next(_serial)}", completed_on=date(year, 3, 1),
                            activity_kind=activity_kind)
            db.session.add(entry)
            db.session.commit()
            return entry.id

    def jp_line_of(self, enrolment_id: int) -> JpEntry:
        with tenant_context(self.tenant):
            return db.session.execute(sa.select(JpEntry).where(JpEntry.enrolment_id == enrolment_id)).scalar_one()


@pytest.fixture
def people(malang) -> People:
    with tenant_context(malang):
        name = f"Kecamatan Uji IP ASN {next(_serial)}"
        opd = Opd(name=name, name_key=name_key(name))
        db.session.add(opd)
        db.session.commit()
        opd_id = opd.id
    return People(malang, opd_id)

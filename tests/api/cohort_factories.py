"""Direct-to-database factories for the catalogue and cohort tests (bulk rows the API would take long to make)."""

from __future__ import annotations

from contextlib import contextmanager
from datetime import date

import sqlalchemy as sa
from sqlalchemy import event

from app.extensions import db
from app.models.catalogue import Partner, Program
from app.models.cohorts import Cohort, CohortPhase, Enrolment, PhaseResult
from app.models.employees import Employee
from app.tenancy import TenantInfo, tenant_context


def api(tenant: TenantInfo | str, path: str = "") -> str:
    slug = tenant if isinstance(tenant, str) else tenant.slug
    return f"/t/{slug}/api/v1/{path.lstrip('/')}"


@contextmanager
def count_queries():
    """Counts the statements the app sends to PostgreSQL inside the block: `with count_queries() as n: ...; n[0]`."""
    seen = [0]

    def _count(*_args):
        seen[0] += 1

    event.listen(db.engine, "before_cursor_execute", _count)
    try:
        yield seen
    finally:
        event.remove(db.engine, "before_cursor_execute", _count)


def ids_of(tenant: TenantInfo, model, **where) -> dict[str, int]:
    with tenant_context(tenant):
        rows = db.session.execute(sa.select(model.code, model.id).filter_by(**where)).all()
        db.session.commit()
    return dict(rows)


def program_id(tenant: TenantInfo, code: str) -> int:
    return ids_of(tenant, Program)[code]


def partner_id(tenant: TenantInfo, code: str) -> int:
    return ids_of(tenant, Partner)[code]


def make_employees(tenant: TenantInfo, count: int, *, first: int = 0) -> list[int]:
    """`count` PNS with distinct valid NIPs (born 12 Mar 1985, TMT Jan 2010, male)."""
    with tenant_context(tenant):
        rows = [Employee(nip=f"198503122010011{first + i:03d}", name=f"Pegawai {first + i}",
                         name_key=f"pegawai {first + i}", gender="L", birth_date=date(1985, 3, 12),
                         employee_type="PNS") for i in range(count)]
        db.session.add_all(rows)
        db.session.commit()
        return [r.id for r in rows]


def enrol(tenant: TenantInfo, cohort_id: int, employee_ids: list[int], status: str = "registered") -> list[int]:
    with tenant_context(tenant):
        rows = [Enrolment(employee_id=e, cohort_id=cohort_id, status=status) for e in employee_ids]
        db.session.add_all(rows)
        db.session.commit()
        return [r.id for r in rows]


def make_cohorts(tenant: TenantInfo, program_code: str, count: int, *, year: int = 2024,
                 partner_code: str | None = None) -> list[int]:
    """`count` cohorts (Angkatan 1..count) of a program, each with one phase."""
    pid = program_id(tenant, program_code)
    part = partner_id(tenant, partner_code) if partner_code else None
    with tenant_context(tenant):
        cohorts = [Cohort(program_id=pid, number=n, year=year, partner_id=part, mode="klasikal", quota=40,
                          start_date=date(year, 1, 1 + n % 28), end_date=date(year, 2, 1 + n % 28))
                   for n in range(1, count + 1)]
        db.session.add_all(cohorts)
        db.session.flush()
        db.session.add_all([CohortPhase(cohort_id=c.id, position=1, name="Klasikal", start_date=c.start_date,
                                        end_date=c.end_date) for c in cohorts])
        db.session.commit()
        return [c.id for c in cohorts]


def add_phase_result(tenant: TenantInfo, enrolment_id: int, phase_id: int, passed: bool = True) -> None:
    with tenant_context(tenant):
        db.session.add(PhaseResult(enrolment_id=enrolment_id, phase_id=phase_id, passed=passed))
        db.session.commit()

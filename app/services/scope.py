"""OPD scope: an operator limited to some OPDs sees and changes only their employees and enrolments.

The scope comes from the caller (`app.authz.opd_scope()`: a frozenset of OPD ids, or None = the whole region),
already loaded with the Principal, so applying it adds a WHERE condition, never a query. Outside the scope looks
exactly like not found (404), so an operator cannot probe which NIPs or enrolments exist in other OPDs.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

import sqlalchemy as sa

from app.authz import opd_scope
from app.models.cohorts import Enrolment
from app.models.employees import Employee
from app.problems import Problem

OUT_OF_SCOPE = "di luar OPD Anda"


_UNSET = object()
_JOB_SCOPE: ContextVar = ContextVar("job_opd_scope", default=_UNSET)


@contextmanager
def as_scope(opd_ids: list[int] | None) -> Iterator[None]:
    """A job working for a person sees what that person saw: their OPD ids (None: the whole region), recorded
    with the run when it was started (`current_scope()` in the request)."""
    token = _JOB_SCOPE.set(sorted(opd_ids) if opd_ids else None)
    try:
        yield
    finally:
        _JOB_SCOPE.reset(token)


def current_scope() -> list[int] | None:
    """The caller's OPD ids (sorted, so statements are stable), or None when not limited."""
    held = _JOB_SCOPE.get()
    if held is not _UNSET:
        return held
    scope = opd_scope()
    return sorted(scope) if scope else None


def employee_in_scope_clause(employee=Employee) -> sa.ColumnElement[bool] | None:
    """`employee.opd_id IN (scope)` for a query that has the employees table, or None when unrestricted.
    An employee without an OPD is outside every scope."""
    scope = current_scope()
    return None if scope is None else employee.opd_id.in_(scope)


def employee_id_in_scope_clause(column) -> sa.ColumnElement[bool] | None:
    """`column IN (SELECT id FROM employees WHERE opd_id IN (scope))`, for queries without the employees table
    (enrolments, JP ledger); None when unrestricted."""
    scope = current_scope()
    if scope is None:
        return None
    # Never correlated: the enclosing query may join the employees table too.
    return column.in_(sa.select(Employee.id).where(Employee.opd_id.in_(scope)).correlate(None))


def enrolment_in_scope_clause() -> sa.ColumnElement[bool] | None:
    """Enrolments of in-scope employees (no join needed), or None when unrestricted."""
    return employee_id_in_scope_clause(Enrolment.employee_id)


def scoped(*conditions: sa.ColumnElement[bool] | None) -> list[sa.ColumnElement[bool]]:
    """The given conditions without the Nones: `stmt.where(*scoped(employee_in_scope_clause()))`."""
    return [c for c in conditions if c is not None]


def opd_in_scope(opd_id: int | None) -> bool:
    scope = opd_scope()
    return scope is None or (opd_id is not None and opd_id in scope)


def employee_not_found(nip: str) -> Problem:
    return Problem.not_found(f"Pegawai dengan NIP {nip} tidak ditemukan.")


def ensure_employee_in_scope(emp: Employee) -> Employee:
    """The employee, or the same 404 as an unknown NIP when it belongs to an OPD outside the caller's scope."""
    if not opd_in_scope(emp.opd_id):
        raise employee_not_found(emp.nip)
    return emp


def check_opd_in_scope(opd_id: int | None, errors: list[dict], field: str = "opd_id") -> None:
    """Add a 422 field error when a write would put an employee outside the caller's OPDs."""
    if opd_in_scope(opd_id):
        return
    reason = OUT_OF_SCOPE if opd_id is not None else f"wajib diisi: pegawai tanpa OPD {OUT_OF_SCOPE}"
    errors.append({"field": field, "reason": reason})

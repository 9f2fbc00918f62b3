"""Factories shared by the tests under tests/api/: OPDs and employees made through the services, committed.

They return plain dicts (never ORM objects, which would not outlive their tenant context).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta

import pytest
from sqlalchemy import event

from app.domain.nip import make_nip
from app.extensions import db
from app.services.employees import opds as opd_service
from app.services.employees import records as employee_service
from app.tenancy import TenantInfo, tenant_context

_serial = itertools.count(1)


def next_nip(gender: str = "L", birth_date: date | None = None) -> str:
    """A valid NIP never handed out before in this run: (birth date, sequence) differs on every call."""
    n = next(_serial)
    born = birth_date or date(1960, 1, 1) + timedelta(days=n % 14_000)
    return make_nip(born, born.year + 20, 1 + n % 12, gender, (n // 14_000 + n) % 1000)


@pytest.fixture
def new_nip():
    """`new_nip(gender="P")` → a fresh valid NIP."""
    return next_nip


@pytest.fixture
def make_opd(tenants):
    """`make_opd(tenant, name=..., code=...)` → {"id", "name", "code"} of a committed OPD."""

    def _make(tenant: TenantInfo, **kw) -> dict:
        kw.setdefault("name", f"Dinas Uji {next(_serial)}")
        with tenant_context(tenant):
            opd = opd_service.create_opd(**kw)
            out = {"id": opd.id, "name": opd.name, "code": opd.code}
            db.session.commit()
        return out

    return _make


@pytest.fixture
def make_employee(tenants):
    """`make_employee(tenant, **overrides)` → the committed employee as the API shows it (a dict).

    Defaults: a PNS, male, golongan III/a, pelaksana, no OPD, a fresh valid NIP matching `gender`.
    """

    def _make(tenant: TenantInfo, **kw) -> dict:
        gender = kw.setdefault("gender", "L")
        kw.setdefault("nip", next_nip(gender))
        kw.setdefault("name", f"Pegawai Uji {next(_serial)}")
        kw.setdefault("employee_type", "PNS")
        kw.setdefault("golongan", "III/a" if kw["employee_type"] == "PNS" else "V")
        kw.setdefault("jabatan", "Pelaksana")
        kw.setdefault("jabatan_kind", "pelaksana")
        active = kw.pop("active", True)
        with tenant_context(tenant):
            out = employee_service.create_employee(**kw)
            if not active:
                out = employee_service.deactivate_employee(out["nip"])
            db.session.commit()
        return out

    return _make


@pytest.fixture
def count_queries(app):
    """`with count_queries() as queries: ...` → `len(queries)` statements sent to PostgreSQL inside the block."""

    @contextmanager
    def _count() -> Iterator[list[str]]:
        statements: list[str] = []

        def _record(_conn, _cursor, statement, *_args):
            statements.append(statement)

        event.listen(db.engine, "before_cursor_execute", _record)
        try:
            yield statements
        finally:
            event.remove(db.engine, "before_cursor_execute", _record)

    return _count


def api(tenant: TenantInfo | str, path: str = "") -> str:
    """The URL of a tenant API path: api(malang, "/employees") → /t/kota-malang/api/v1/employees."""
    slug = tenant if isinstance(tenant, str) else tenant.slug
    return f"/t/{slug}/api/v1{path}"

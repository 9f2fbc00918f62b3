"""Factories for the rollup tests: employees, cohorts, enrolments and JP lines made straight through the models in
the tenant (test set-up, not a person's write), and a clean platform summary table and Redis after each test.

Factories return plain ids (never ORM objects, which would not outlive their tenant context)."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient

from app.auth import TOKEN_PREFIX, digest, new_secret
from app.domain.nip import make_nip
from app.extensions import db
from app.jobs import queue, redis_connection
from app.models.accounts import PlatformApiToken, PlatformUser
from app.models.catalogue import Program
from app.models.cohorts import Cohort, Enrolment
from app.models.employees import Employee, JpEntry, Opd
from app.models.reports import TrainingTarget
from app.services.text import name_key
from app.tenancy import TenantInfo, no_tenant, tenant_context

_serial = itertools.count(1)


def _nip(gender: str) -> str:
    n = next(_serial)
    born = date(1970, 1, 1 + n % 28)
    return make_nip(born, 1995, 1 + n % 12, gender, 100 + n)


@pytest.fixture
def rollup_data(tenants):
    """Builders bound to one tenant: `rollup_data.opd(tenant, name)`, `.employee(...)`, `.cohort(...)`,
    `.enrol(...)`, `.jp(...)`, `.target(...)`; each commits and returns an id."""

    class Builder:
        @staticmethod
        def _add(tenant: TenantInfo, obj) -> int:
            with tenant_context(tenant):
                db.session.add(obj)
                db.session.flush()
                key = obj.year if isinstance(obj, TrainingTarget) else obj.id
                db.session.commit()
            return key

        def opd(self, tenant, name: str) -> int:
            return self._add(tenant, Opd(name=name, name_key=name_key(name)))

        def employee(self, tenant, employee_type: str = "PNS", *, opd_id: int | None = None, active: bool = True,
                     gender: str = "L", jabatan_kind: str | None = None) -> int:
            n = next(_serial)
            name = f"Pegawai Uji {n}"
            return self._add(tenant, Employee(
                nip=_nip(gender), name=name, name_key=name_key(name), gender=gender, birth_date=date(1970, 1, 1),
                employee_type=employee_type, opd_id=opd_id, active=active, jabatan_kind=jabatan_kind))

        @staticmethod
        def set_active(tenant, employee_id: int, active: bool) -> None:
            with tenant_context(tenant):
                db.session.get(Employee, employee_id).active = active
                db.session.commit()

        def cohort(self, tenant, program_code: str, year: int, number: int = 1) -> int:
            with tenant_context(tenant):
                program_id = db.session.execute(sa.select(Program.id).where(Program.code == program_code)).scalar_one()
            return self._add(tenant, Cohort(program_id=program_id, year=year, number=number))

        def enrol(self, tenant, employee_id: int, cohort_id: int, status: str = "registered") -> int:
            n = next(_serial)  # a pass has its STTPP and JP (the database requires them)
            extra = ({"certificate_number": f"STTPP/UJI/{n}", "certificate_date": date(2024, 7, 1), "jp_earned": 1}
                     if status == "passed" else {})
            return self._add(tenant, Enrolment(employee_id=employee_id, cohort_id=cohort_id, status=status, **extra))

        def jp(self, tenant, employee_id: int, year: int, jp: int) -> int:
            return self._add(tenant, JpEntry(employee_id=employee_id, year=year, jp=jp, source="other",
                                             title="Pelatihan uji", completed_on=date(year, 6, 1)))

        def target(self, tenant, year: int, people: int) -> int:
            return self._add(tenant, TrainingTarget(year=year, people=people))

    return Builder()


def pending_keys(app) -> list[bytes]:
    return list(redis_connection().scan_iter(f"{app.config['REDIS_KEY_PREFIX']}:rollup-pending:*"))


@pytest.fixture(autouse=True)
def _clean_rollups(app):
    """Platform rows are not tenant data (the tenant wipe leaves them): clear them, the debounce keys and any
    scheduled refresh after each test."""
    yield
    # Through the session: inside a plain test's transaction (another connection would wait on its row locks).
    with no_tenant():
        db.session.execute(sa.text("DELETE FROM platform.tenant_summaries"))
        db.session.execute(sa.text("DELETE FROM platform.tenant_refresh"))
        db.session.execute(sa.text("DELETE FROM platform.tenant_breakdowns"))
        db.session.commit()
    keys = pending_keys(app) + list(redis_connection().scan_iter(f"{app.config['REDIS_KEY_PREFIX']}:rollups:*"))
    if keys:
        redis_connection().delete(*keys)
    q = queue("rollups")
    for registry in (q.scheduled_job_registry, q.failed_job_registry):
        for job_id in registry.get_job_ids():
            registry.remove(job_id, delete_job=True)
    q.empty()


class FreshContextClient(FlaskClient):
    """Every request in its own app context, as under gunicorn (no cached login between requests)."""

    def open(self, *args, **kwargs):
        with self.application.app_context():
            return super().open(*args, **kwargs)


@pytest.fixture
def platform_client(app):
    """`platform_client(role, province_code=None)` → a client sending a fresh platform Bearer token."""
    made: list[int] = []

    def _make(role: str, province_code: str | None = None) -> FlaskClient:
        secret = TOKEN_PREFIX + new_secret()
        with no_tenant():
            user = PlatformUser(username=f"rekap-{role}-{new_secret(4).lower()}", full_name=f"Uji {role}",
                                role=role, province_code=province_code)
            db.session.add(user)
            db.session.flush()
            db.session.add(PlatformApiToken(user_id=user.id, name="rekap", token_hash=digest(secret),
                                            prefix=secret[:12], role=role,
                                            expires_at=datetime.now(UTC) + timedelta(hours=1)))
            db.session.commit()
            made.append(user.id)
        client = FreshContextClient(app, app.response_class, use_cookies=False)
        client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {secret}"
        return client

    yield _make
    with no_tenant():
        db.session.execute(sa.delete(PlatformUser).where(PlatformUser.id.in_(made)))
        db.session.commit()

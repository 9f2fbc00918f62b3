"""Shared by the SIASN tests: the stand-in SIASN server (tests/siasn_standin.py), a region connected to it, and
Kota Malang's PKA Angkatan II 2024 built by the demo seed."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models.catalogue import Program
from app.models.cohorts import Cohort, Enrolment
from app.models.employees import Employee
from app.services.demo import regions as demo
from app.tenancy import tenant_context
from tests.siasn_standin import SiasnStandin

MALANG = "kota-malang"


@pytest.fixture
def standin():
    server = SiasnStandin().start()
    yield server
    server.stop()


@pytest.fixture(autouse=True)
def _quick_retries(app, monkeypatch):
    monkeypatch.setitem(app.config, "SIASN_RETRY_DELAYS", (0.05, 0.1))
    monkeypatch.setitem(app.config, "SIASN_TIMEOUT", 2.0)


def settings_body(server: SiasnStandin, **overrides) -> dict:
    return {"base_url": server.url, "client_id": server.client_id, "instansi_id": "A5EB03E23CCCF6A0E040640A040252AD",
            "consumer_key": server.consumer_key, "consumer_secret": server.consumer_secret,
            "username": server.username, "password": server.password, **overrides}


def connect(client, server: SiasnStandin, slug: str = MALANG) -> dict:
    resp = client.put(f"/t/{slug}/api/v1/siasn/settings", json=settings_body(server))
    assert resp.status_code == 200, resp.get_json()
    return resp.get_json()


def seed_malang() -> None:
    with tenant_context(MALANG):
        demo.seed_current_tenant()
        db.session.commit()


def pka_cohort_id() -> int:
    with tenant_context(MALANG):
        return db.session.execute(sa.select(Cohort.id).join(Program, Program.id == Cohort.program_id).where(
            Program.code == "PKA", Cohort.year == 2024, Cohort.number == 2)).scalar_one()


def certified_results(cohort_id: int) -> list[dict]:
    """The cohort's passed, certified results: what SIASN must end up holding, one record each."""
    with tenant_context(MALANG):
        rows = db.session.execute(
            sa.select(Enrolment.id, Employee.id.label("employee_id"), Employee.nip, Enrolment.certificate_number,
                      Enrolment.certificate_date, Enrolment.jp_earned)
            .join(Employee, Employee.id == Enrolment.employee_id)
            .where(Enrolment.cohort_id == cohort_id, Enrolment.status == "passed",
                   Enrolment.certificate_number.isnot(None))).mappings().all()
        return [dict(r) for r in rows]

"""The JP ledger of an employee: GET …/employees/<nip>/jp?year= and POST …/employees/<nip>/jp-entries."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models.catalogue import Program
from app.models.cohorts import Cohort, Enrolment
from app.models.employees import JpEntry
from app.services.employees import ledger as jp_service
from app.tenancy import tenant_context
from tests.fixtures.audit import audit_events
from tests.fixtures.auth import AUTH_QUERIES
from tests.fixtures.factories import api


def entry(**overrides) -> dict:
    data = {"jp": 10, "title": "MOOC Literasi Digital", "certificate_number": "LD-2024-0001",
            "completed_on": "2024-05-20", "source": "elearning"}
    data.update(overrides)
    return data


def reasons(resp, field: str) -> list[dict]:
    return [e for e in resp.get_json().get("errors", []) if e["field"] == field]


@pytest.fixture
def passed_cohort_line(tenants):
    """`passed_cohort_line(tenant, employee, program_code, year, jp)` → (cohort_id, enrolment_id): a passed
    enrolment and its ledger line, written directly (as the enrolments service does)."""

    def _make(tenant, employee: dict, program_code: str, year: int, jp: int) -> tuple[int, int]:
        with tenant_context(tenant):
            program_id = db.session.execute(sa.select(Program.id).where(Program.code == program_code)).scalar_one()
            cohort = Cohort(program_id=program_id, number=2, year=year, mode="blended", quota=32,
                            start_date=date(year, 3, 9), end_date=date(year, 7, 11))
            db.session.add(cohort)
            db.session.flush()
            enrolment = Enrolment(employee_id=employee["id"], cohort_id=cohort.id, status="passed",
                                  certificate_number=f"STTPP-{cohort.id}", certificate_date=date(year, 7, 11),
                                  jp_earned=jp)
            db.session.add(enrolment)
            db.session.flush()
            db.session.add(JpEntry(employee_id=employee["id"], year=year, jp=jp, source="cohort",
                                   enrolment_id=enrolment.id, title=f"{program_code} Angkatan II {year}",
                                   certificate_number=enrolment.certificate_number, completed_on=date(year, 7, 11)))
            ids = cohort.id, enrolment.id
            db.session.commit()
        return ids

    return _make


# --- adding a line --------------------------------------------------------------------------------------


def test_add_elearning_entry_derives_the_year_and_audits(client, malang, make_employee):
    emp = make_employee(malang)
    with audit_events() as events:
        resp = client.post(api(malang, f"/employees/{emp['nip']}/jp-entries"), json=entry())
    assert resp.status_code == 201, resp.get_json()
    line = resp.get_json()
    assert line == {"id": line["id"], "source": "elearning", "title": "MOOC Literasi Digital", "jp": 10,
                    "completed_on": "2024-05-20", "certificate_number": "LD-2024-0001", "enrolment_id": None,
                    "cohort_id": None, "program_code": None}
    assert [(e["action"], e["entity"], e["entity_id"]) for e in events] == [("jp_entry.create", "jp_entries",
                                                                             line["id"])]
    with tenant_context(malang):
        stored = db.session.get(JpEntry, line["id"])
        assert (stored.year, stored.employee_id) == (2024, emp["id"])


def test_add_other_entry_with_explicit_matching_year(client, malang, make_employee):
    emp = make_employee(malang)
    resp = client.post(api(malang, f"/employees/{emp['nip']}/jp-entries"),
                       json=entry(year=2023, completed_on="2023-11-02", source="other", title="Dialog kerja"))
    assert resp.status_code == 201
    assert client.get(api(malang, f"/employees/{emp['nip']}/jp?year=2023")).get_json()["total_jp"] == 10


@pytest.mark.parametrize(("overrides", "field"), [
    ({"jp": 0}, "jp"),
    ({"jp": -3}, "jp"),
    ({"jp": "sepuluh"}, "jp"),
    ({"certificate_number": ""}, "certificate_number"),
    ({"certificate_number": "   "}, "certificate_number"),
    ({"certificate_number": None}, "certificate_number"),
    ({"title": ""}, "title"),
    ({"completed_on": "20/05/2024"}, "completed_on"),
    ({"completed_on": (date.today() + timedelta(days=2)).isoformat(), "year": None}, "completed_on"),
    ({"source": "cohort"}, "source"),
    ({"year": 2023}, "year"),
    ({"year": 1989, "completed_on": "1989-06-01"}, "year"),
    ({"year": None, "completed_on": "1985-06-01"}, "year"),
])
def test_add_entry_validation_errors(client, malang, make_employee, overrides, field):
    emp = make_employee(malang)
    resp = client.post(api(malang, f"/employees/{emp['nip']}/jp-entries"), json=entry(**overrides))
    assert resp.status_code == 422
    assert reasons(resp, field)


@pytest.mark.parametrize("missing", ["jp", "title", "certificate_number", "completed_on"])
def test_add_entry_requires_its_fields(client, malang, make_employee, missing):
    emp = make_employee(malang)
    data = entry()
    del data[missing]
    resp = client.post(api(malang, f"/employees/{emp['nip']}/jp-entries"), json=data)
    assert resp.status_code == 422
    assert reasons(resp, missing)


def test_the_same_certificate_cannot_count_twice(client, malang, make_employee):
    emp = make_employee(malang)
    url = api(malang, f"/employees/{emp['nip']}/jp-entries")
    assert client.post(url, json=entry()).status_code == 201
    resp = client.post(url, json=entry(title="Lagi"))
    assert resp.status_code == 409
    assert reasons(resp, "certificate_number")
    assert client.get(api(malang, f"/employees/{emp['nip']}/jp?year=2024")).get_json()["total_jp"] == 10


def test_add_entry_for_an_unknown_nip_is_404(client, malang):
    resp = client.post(api(malang, "/employees/198503122010011003/jp-entries"), json=entry())
    assert resp.status_code == 404


# --- reading the ledger ---------------------------------------------------------------------------------


def test_total_counts_only_the_years_lines(client, malang, make_employee, passed_cohort_line):
    emp = make_employee(malang)
    cohort_id, enrolment_id = passed_cohort_line(malang, emp, "PKA", 2024, 333)
    passed_cohort_line(malang, emp, "PKP", 2023, 300)
    url = api(malang, f"/employees/{emp['nip']}")
    client.post(url + "/jp-entries", json=entry(jp=6, certificate_number="A", completed_on="2024-01-15"))
    client.post(url + "/jp-entries", json=entry(jp=4, certificate_number="B", completed_on="2023-12-31"))
    client.post(url + "/jp-entries", json=entry(jp=7, certificate_number="C", completed_on="2025-01-01"))

    resp = client.get(url + "/jp?year=2024")
    assert resp.status_code == 200
    data = resp.get_json()
    assert (data["nip"], data["year"], data["total_jp"], data["required_jp"]) == (emp["nip"], 2024, 339, 20)
    assert (data["compliant"], data["shortfall"]) == (True, 0)
    assert [(line["source"], line["jp"], line["completed_on"]) for line in data["lines"]] == [
        ("elearning", 6, "2024-01-15"), ("cohort", 333, "2024-07-11")]
    cohort_line = data["lines"][1]
    assert (cohort_line["cohort_id"], cohort_line["enrolment_id"], cohort_line["program_code"]) == (
        cohort_id, enrolment_id, "PKA")
    assert client.get(url + "/jp?year=2023").get_json()["total_jp"] == 304


@pytest.mark.parametrize(("jps", "compliant", "shortfall"), [
    ((12, 8), True, 0),
    ((12, 7), False, 1),
    ((20,), True, 0),
    ((), False, 20),
])
def test_compliance_is_reached_at_exactly_20_jp(client, malang, make_employee, jps, compliant, shortfall):
    emp = make_employee(malang)
    url = api(malang, f"/employees/{emp['nip']}")
    for i, jp in enumerate(jps):
        assert client.post(url + "/jp-entries", json=entry(jp=jp, certificate_number=f"S-{i}")).status_code == 201
    data = client.get(url + "/jp?year=2024").get_json()
    assert (data["total_jp"], data["compliant"], data["shortfall"]) == (sum(jps), compliant, shortfall)
    assert len(data["lines"]) == len(jps)


@pytest.mark.parametrize("query", ["", "?year=1989", "?year=2101", "?year=dua"])
def test_jp_year_is_required_and_bounded(client, malang, make_employee, query):
    emp = make_employee(malang)
    resp = client.get(api(malang, f"/employees/{emp['nip']}/jp{query}"))
    assert resp.status_code == 422
    assert reasons(resp, "year")


def test_jp_of_an_unknown_nip_is_404(client, malang):
    assert client.get(api(malang, "/employees/198503122010011003/jp?year=2024")).status_code == 404
    assert client.get(api(malang, "/employees/12345/jp?year=2024")).status_code == 404


def test_jp_lookup_is_two_queries_whatever_the_number_of_lines(client, malang, make_employee, passed_cohort_line,
                                                               count_queries):
    few, many = make_employee(malang), make_employee(malang)
    passed_cohort_line(malang, few, "PKP", 2024, 300)
    passed_cohort_line(malang, many, "PKA", 2024, 333)
    for i in range(15):
        client.post(api(malang, f"/employees/{many['nip']}/jp-entries"), json=entry(jp=2, certificate_number=f"M{i}"))
    counts = []
    for emp in (few, many):
        with count_queries() as queries:
            resp = client.get(api(malang, f"/employees/{emp['nip']}/jp?year=2024"))
        assert resp.status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1] <= 2 + AUTH_QUERIES


def test_service_add_external_entry_for_other_helpers(malang, make_employee):
    emp = make_employee(malang)
    with tenant_context(malang):
        line = jp_service.add_external_entry(emp["nip"], None, 5, "Konseling kinerja", "K-77", date(2024, 2, 2),
                                             source="other")
        db.session.commit()
    with tenant_context(malang):
        summary = jp_service.employee_jp(emp["nip"], 2024)
    assert summary["lines"] == [line]
    assert (summary["total_jp"], summary["shortfall"]) == (5, 15)

"""Enrolments: registering within the quota, the state machine, phase results, certificates and the JP ledger."""

from __future__ import annotations

import threading
import time
from datetime import date

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models.cohorts import ENROLMENT_STATUSES, Enrolment
from app.models.employees import JpEntry
from app.problems import Problem
from app.services.cohorts import enrolments as service
from app.tenancy import tenant_context
from tests.fixtures.factories import (
    PKA_PHASES,
    api,
    count_queries,
    enrol_many,
    make_cohort,
    make_employee,
    make_enrolment,
    make_opd,
)

CERTIFICATE = {"certificate_number": "STTPP/PKA-II/2024/017", "certificate_date": "2024-07-15"}


def _enrol(client, tenant, cohort_id, **body):
    return client.post(api(tenant, f"/cohorts/{cohort_id}/enrolments"), json=body)


def _transition(client, tenant, enrolment_id, **body):
    return client.post(api(tenant, f"/enrolments/{enrolment_id}/transition"), json=body)


def _ledger(tenant, enrolment_id=None):
    with tenant_context(tenant):
        stmt = sa.select(JpEntry)
        if enrolment_id is not None:
            stmt = stmt.where(JpEntry.enrolment_id == enrolment_id)
        rows = db.session.execute(stmt).scalars().all()
        return [{"employee_id": r.employee_id, "enrolment_id": r.enrolment_id, "year": r.year, "jp": r.jp,
                 "source": r.source, "title": r.title, "certificate_number": r.certificate_number,
                 "completed_on": r.completed_on} for r in rows]


# --- enrolling ------------------------------------------------------------------------------------------


def test_enrol_by_nip_registers_the_employee_with_opd(client, malang):
    opd = make_opd(malang, "Kelurahan Oro-oro Dowo")
    person = make_employee(malang, opd_id=opd["id"], name="Siti Rahayu", gender="P")
    cohort = make_cohort(malang)

    resp = _enrol(client, malang, cohort["id"], employee_nip=person["nip"])

    assert resp.status_code == 201, resp.json
    body = resp.json
    assert body["status"] == "registered"
    assert body["cohort_id"] == cohort["id"]
    assert body["employee"] == {"id": person["id"], "nip": person["nip"], "name": "Siti Rahayu",
                                "opd_id": opd["id"], "opd_name": "Kelurahan Oro-oro Dowo"}
    assert body["certificate"] is None and body["jp_earned"] is None
    assert client.get(api(malang, f"/enrolments/{body['id']}")).json["status"] == "registered"


def test_enrol_by_employee_id(client, malang):
    person, cohort = make_employee(malang), make_cohort(malang)
    resp = _enrol(client, malang, cohort["id"], employee_id=person["id"])
    assert resp.status_code == 201
    assert resp.json["employee"]["nip"] == person["nip"]


def test_enrolling_the_same_employee_twice_is_409(client, malang):
    person, cohort = make_employee(malang), make_cohort(malang)
    assert _enrol(client, malang, cohort["id"], employee_nip=person["nip"]).status_code == 201
    resp = _enrol(client, malang, cohort["id"], employee_id=person["id"])
    assert resp.status_code == 409
    assert resp.mimetype == "application/problem+json"
    assert resp.json["errors"][0]["field"] == "employee_id"


def test_enrolling_beyond_the_quota_is_422_naming_the_count(client, malang):
    cohort = make_cohort(malang, quota=2)
    enrol_many(malang, cohort["id"], 2)
    resp = _enrol(client, malang, cohort["id"], employee_id=make_employee(malang)["id"])
    assert resp.status_code == 422
    assert resp.json["errors"] == [{"field": "cohort_id", "reason": "kuota angkatan penuh (2/2)"}]


def test_a_withdrawn_participant_frees_a_place(client, malang):
    cohort = make_cohort(malang, quota=2)
    make_enrolment(malang, cohort["id"])
    make_enrolment(malang, cohort["id"], status="withdrawn")
    resp = _enrol(client, malang, cohort["id"], employee_id=make_employee(malang)["id"])
    assert resp.status_code == 201


def test_a_cohort_without_quota_takes_everyone(client, malang):
    cohort = make_cohort(malang, quota=None)
    enrol_many(malang, cohort["id"], 40)
    assert _enrol(client, malang, cohort["id"], employee_id=make_employee(malang)["id"]).status_code == 201


def test_enrolling_an_inactive_employee_is_422(client, malang):
    person, cohort = make_employee(malang, active=False), make_cohort(malang)
    resp = _enrol(client, malang, cohort["id"], employee_nip=person["nip"])
    assert resp.status_code == 422
    assert resp.json["errors"][0] == {"field": "employee_nip", "reason": "pegawai tidak aktif"}


@pytest.mark.parametrize(("body", "field"), [
    ({}, "employee_nip"),
    ({"employee_nip": "1.98503E+17"}, "employee_nip"),
    ({"employee_nip": "198513122010011003"}, "employee_nip"),  # month 13
    ({"employee_id": "abc"}, "employee_id"),
    ({"employee_id": 1, "extra": True}, "extra"),
])
def test_enrol_validation_errors_name_the_field(client, malang, body, field):
    cohort = make_cohort(malang)
    resp = _enrol(client, malang, cohort["id"], **body)
    assert resp.status_code == 422
    assert field in {e["field"] for e in resp.json["errors"]}


def test_enrol_unknown_cohort_or_employee_is_404(client, malang):
    person, cohort = make_employee(malang), make_cohort(malang)
    assert _enrol(client, malang, 999_999, employee_id=person["id"]).status_code == 404
    assert _enrol(client, malang, cohort["id"], employee_id=999_999).status_code == 404
    assert _enrol(client, malang, cohort["id"], employee_nip="198503122010011003").status_code == 404


def test_enrol_with_another_regions_cohort_or_employee_is_404(client, malang, serang):
    serang_cohort = make_cohort(serang)
    serang_person = make_employee(serang)
    malang_cohort = make_cohort(malang, number=serang_cohort["number"] + 1000)
    assert _enrol(client, malang, serang_cohort["id"] + 1000, employee_id=1).status_code == 404
    resp = _enrol(client, malang, malang_cohort["id"], employee_nip=serang_person["nip"])
    assert resp.status_code == 404
    with tenant_context(malang):
        assert db.session.execute(sa.select(sa.func.count()).select_from(Enrolment)).scalar_one() == 0


@pytest.mark.committed  # threads / a subprocess: each needs committed data and its own connection
def test_two_concurrent_enrolments_for_the_last_place_admit_exactly_one(app, malang):
    cohort = make_cohort(malang, quota=3)
    enrol_many(malang, cohort["id"], 2)
    people = [make_employee(malang)["id"] for _ in range(2)]
    barrier = threading.Barrier(2)
    results: list = []

    def worker(employee_id: int) -> None:
        with app.app_context(), tenant_context(malang):
            barrier.wait()
            try:
                service.enrol(cohort["id"], employee_id=employee_id)
                time.sleep(0.3)  # hold the place a while: without the lock the other thread would count 2 too
                db.session.commit()
                results.append("enrolled")
            except Problem as exc:
                db.session.rollback()
                results.append(exc.status)
            except Exception as exc:  # surfaced by the assertion below
                results.append(repr(exc))

    threads = [threading.Thread(target=worker, args=(p,)) for p in people]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)

    assert sorted(results, key=str) == [422, "enrolled"]
    with tenant_context(malang):
        count = db.session.execute(sa.select(sa.func.count()).select_from(Enrolment)
                                   .where(Enrolment.cohort_id == cohort["id"])).scalar_one()
    assert count == 3


# --- roster ---------------------------------------------------------------------------------------------


def test_roster_lists_participants_sorted_by_name_with_opd(client, malang):
    opd = make_opd(malang, "Kecamatan Klojen")
    cohort = make_cohort(malang)
    for name in ("Budi Santoso", "Ani Wijaya", "Citra Lestari"):
        person = make_employee(malang, opd_id=opd["id"], name=name)
        make_enrolment(malang, cohort["id"], person["id"])

    resp = client.get(api(malang, f"/cohorts/{cohort['id']}/enrolments"))

    assert resp.status_code == 200
    body = resp.json
    assert (body["total"], body["limit"], body["offset"]) == (3, 50, 0)
    assert [i["employee"]["name"] for i in body["items"]] == ["Ani Wijaya", "Budi Santoso", "Citra Lestari"]
    assert {i["employee"]["opd_name"] for i in body["items"]} == {"Kecamatan Klojen"}
    assert {i["status"] for i in body["items"]} == {"registered"}


def test_roster_filters_by_status_and_pages(client, malang):
    cohort = make_cohort(malang)
    registered = enrol_many(malang, cohort["id"], 7)
    withdrawn = make_enrolment(malang, cohort["id"], status="withdrawn")
    url = api(malang, f"/cohorts/{cohort['id']}/enrolments")

    only = client.get(url, query_string={"status": "withdrawn"}).json
    assert only["total"] == 1 and only["items"][0]["id"] == withdrawn["id"]

    page = client.get(url, query_string={"limit": 3, "offset": 6, "sort": "id"}).json
    assert page["total"] == 8 and [i["id"] for i in page["items"]] == [registered[6], withdrawn["id"]]


@pytest.mark.parametrize("query", [{"limit": 0}, {"limit": 201}, {"offset": -1}, {"sort": "created_at"},
                                   {"status": "lulus"}])
def test_roster_rejects_bad_list_arguments(client, malang, query):
    cohort = make_cohort(malang)
    resp = client.get(api(malang, f"/cohorts/{cohort['id']}/enrolments"), query_string=query)
    assert resp.status_code == 422
    assert resp.json["errors"][0]["field"] in query


def test_roster_of_another_regions_cohort_is_404(client, malang, serang):
    cohort = make_cohort(serang)
    make_enrolment(serang, cohort["id"])
    assert client.get(api(malang, f"/cohorts/{cohort['id']}/enrolments")).status_code == 404


def test_roster_page_costs_the_same_queries_for_5_and_50_rows(client, malang):
    opd = make_opd(malang)
    cohort = make_cohort(malang, quota=None)
    enrol_many(malang, cohort["id"], 50, opd_id=opd["id"])
    url = api(malang, f"/cohorts/{cohort['id']}/enrolments")
    client.get(url, query_string={"limit": 1})  # warm the tenant registry cache

    counts = {}
    for limit in (5, 50):
        with count_queries() as statements:
            resp = client.get(url, query_string={"limit": limit})
        assert len(resp.json["items"]) == limit
        counts[limit] = len(statements)
    assert counts[5] == counts[50] <= 4


# --- the state machine ----------------------------------------------------------------------------------

ALLOWED = {("registered", "attending"), ("registered", "withdrawn"), ("attending", "passed"),
           ("attending", "failed"), ("attending", "withdrawn")}


def test_the_transition_table_is_exactly_the_domain_rule():
    table = {(a, b) for a, targets in service.ALLOWED_TRANSITIONS.items() for b in targets}
    assert table == ALLOWED
    assert set(service.ALLOWED_TRANSITIONS) == set(ENROLMENT_STATUSES)


@pytest.mark.parametrize("to_status", ENROLMENT_STATUSES)
@pytest.mark.parametrize("from_status", ENROLMENT_STATUSES)
def test_every_transition_is_allowed_or_409(client, malang, from_status, to_status):
    cohort = make_cohort(malang)
    enrolment = make_enrolment(malang, cohort["id"], status=from_status)
    body = {"to": to_status, **(CERTIFICATE if to_status == "passed" else {})}

    resp = _transition(client, malang, enrolment["id"], **body)

    with tenant_context(malang):
        stored = db.session.get(Enrolment, enrolment["id"]).status
    if (from_status, to_status) in ALLOWED:
        assert resp.status_code == 200, resp.json
        assert resp.json["status"] == to_status
        assert stored == to_status
    else:
        assert resp.status_code == 409
        assert resp.mimetype == "application/problem+json"
        assert (resp.json["from_status"], resp.json["to_status"]) == (from_status, to_status)
        assert f"'{from_status}'" in resp.json["detail"] and f"'{to_status}'" in resp.json["detail"]
        assert stored == from_status


def test_passing_without_certificate_is_422_naming_both_fields(client, malang):
    cohort = make_cohort(malang)
    enrolment = make_enrolment(malang, cohort["id"], status="attending")
    resp = _transition(client, malang, enrolment["id"], to="passed")
    assert resp.status_code == 422
    assert {e["field"] for e in resp.json["errors"]} == {"certificate_number", "certificate_date"}
    resp = _transition(client, malang, enrolment["id"], to="passed", certificate_number="STTPP/1")
    assert [e["field"] for e in resp.json["errors"]] == ["certificate_date"]
    assert _ledger(malang) == []


@pytest.mark.parametrize("jp", [0, 334, -5])
def test_jp_earned_outside_one_to_program_jp_is_422(client, malang, jp):
    cohort = make_cohort(malang)
    enrolment = make_enrolment(malang, cohort["id"], status="attending")
    resp = _transition(client, malang, enrolment["id"], to="passed", jp_earned=jp, **CERTIFICATE)
    assert resp.status_code == 422
    assert resp.json["errors"][0]["field"] == "jp_earned"


def test_certificate_on_a_non_pass_is_422(client, malang):
    cohort = make_cohort(malang)
    enrolment = make_enrolment(malang, cohort["id"], status="attending")
    resp = _transition(client, malang, enrolment["id"], to="failed", **CERTIFICATE)
    assert resp.status_code == 422
    assert {e["field"] for e in resp.json["errors"]} == {"certificate_number", "certificate_date"}


def test_unknown_target_status_is_422(client, malang):
    cohort = make_cohort(malang)
    enrolment = make_enrolment(malang, cohort["id"])
    resp = _transition(client, malang, enrolment["id"], to="lulus")
    assert resp.status_code == 422 and resp.json["errors"][0]["field"] == "to"


def test_a_fail_records_the_score(client, malang):
    cohort = make_cohort(malang)
    enrolment = make_enrolment(malang, cohort["id"], status="attending")
    resp = _transition(client, malang, enrolment["id"], to="failed", score="58.5")
    assert resp.status_code == 200
    assert resp.json["score"] == 58.5 and resp.json["certificate"] is None
    assert _ledger(malang) == []


def test_pass_writes_exactly_one_ledger_line_with_the_program_jp(client, malang):
    cohort = make_cohort(malang, number=2, year=2024)
    enrolment = make_enrolment(malang, cohort["id"], status="attending")

    resp = _transition(client, malang, enrolment["id"], to="passed", score=87.25, **CERTIFICATE)

    assert resp.status_code == 200, resp.json
    assert resp.json["certificate"] == {"number": "STTPP/PKA-II/2024/017", "date": "2024-07-15"}
    assert resp.json["jp_earned"] == 333 and resp.json["score"] == 87.25
    assert _ledger(malang) == [{
        "employee_id": enrolment["employee_id"], "enrolment_id": enrolment["id"], "year": 2024, "jp": 333,
        "source": "cohort", "title": "Pelatihan Kepemimpinan Administrator Angkatan II 2024",
        "certificate_number": "STTPP/PKA-II/2024/017", "completed_on": date(2024, 7, 15)}]
    again = _transition(client, malang, enrolment["id"], to="passed", **CERTIFICATE)
    assert again.status_code == 409
    assert len(_ledger(malang)) == 1


def test_pass_with_given_jp_counts_in_the_certificate_year(client, malang):
    cohort = make_cohort(malang, program_code="ORIENTASI-PPPK", number=1, year=2022)
    enrolment = make_enrolment(malang, cohort["id"], status="attending")
    resp = _transition(client, malang, enrolment["id"], to="passed", jp_earned=32,
                       certificate_number="LAN/PPPK/0001", certificate_date="2023-01-10")
    assert resp.status_code == 200
    [line] = _ledger(malang, enrolment["id"])
    assert (line["year"], line["jp"]) == (2023, 32)


def test_writing_the_ledger_line_twice_changes_nothing(malang):
    cohort = make_cohort(malang)
    enrolment = make_enrolment(malang, cohort["id"], status="attending")
    with tenant_context(malang):
        service.transition(enrolment["id"], "passed", certificate_number="STTPP/9", certificate_date=date(2024, 8, 1))
        service.sync_ledger([enrolment["id"]])
        db.session.commit()
    assert len(_ledger(malang)) == 1


def test_pass_with_an_unpassed_graded_phase_is_409_naming_it(client, malang):
    cohort = make_cohort(malang, phases=PKA_PHASES)
    graded = [p for p in cohort["phases"] if p["graded"]]
    enrolment = make_enrolment(malang, cohort["id"], status="attending")
    url = api(malang, f"/enrolments/{enrolment['id']}/phase-results")
    assert client.put(f"{url}/{graded[0]['id']}", json={"passed": True, "score": 82}).status_code == 200
    assert client.put(f"{url}/{graded[1]['id']}", json={"passed": False}).status_code == 200

    resp = _transition(client, malang, enrolment["id"], to="passed", **CERTIFICATE)

    assert resp.status_code == 409
    assert resp.json["detail"] == "fase bernilai belum lulus: Klasikal II"
    assert _ledger(malang) == []
    assert client.put(f"{url}/{graded[1]['id']}", json={"passed": True}).status_code == 200
    assert _transition(client, malang, enrolment["id"], to="passed", **CERTIFICATE).status_code == 200
    assert len(_ledger(malang)) == 1


def test_pass_with_no_phase_result_at_all_names_every_graded_phase(client, malang):
    cohort = make_cohort(malang, phases=PKA_PHASES)
    enrolment = make_enrolment(malang, cohort["id"], status="attending")
    resp = _transition(client, malang, enrolment["id"], to="passed", **CERTIFICATE)
    assert resp.status_code == 409
    assert resp.json["detail"] == "fase bernilai belum lulus: Aksi perubahan, Klasikal II"


def test_transition_of_an_enrolment_that_exists_only_in_another_region_is_404(client, malang, serang):
    cohort = make_cohort(serang)
    enrolment = make_enrolment(serang, cohort["id"], status="attending")
    assert _transition(client, malang, enrolment["id"], to="withdrawn").status_code == 404
    assert client.get(api(malang, f"/enrolments/{enrolment['id']}")).status_code == 404
    assert client.get(api(serang, f"/enrolments/{enrolment['id']}")).status_code == 200
    with tenant_context(serang):
        assert db.session.get(Enrolment, enrolment["id"]).status == "attending"


# --- phase results --------------------------------------------------------------------------------------


def test_phase_result_is_recorded_corrected_and_shown(client, malang):
    cohort = make_cohort(malang, phases=PKA_PHASES)
    aksi = next(p for p in cohort["phases"] if p["name"] == "Aksi perubahan")
    enrolment = make_enrolment(malang, cohort["id"])
    url = api(malang, f"/enrolments/{enrolment['id']}/phase-results/{aksi['id']}")

    first = client.put(url, json={"passed": False, "score": 61})
    second = client.put(url, json={"passed": True, "score": "78.50"})

    assert first.status_code == 200 and first.json["passed"] is False
    assert second.status_code == 200
    assert second.json == {"enrolment_id": enrolment["id"], "phase_id": aksi["id"], "phase_name": "Aksi perubahan",
                           "passed": True, "score": 78.5}
    detail = client.get(api(malang, f"/enrolments/{enrolment['id']}")).json
    assert [(p["phase_name"], p["passed"], p["score"]) for p in detail["phase_results"]] == [
        ("Aksi perubahan", True, 78.5), ("Klasikal II", None, None)]


def test_phase_result_for_an_ungraded_or_foreign_phase_is_422(client, malang):
    cohort = make_cohort(malang, phases=PKA_PHASES)
    other = make_cohort(malang, phases=PKA_PHASES)
    enrolment = make_enrolment(malang, cohort["id"])
    mooc = cohort["phases"][0]
    foreign = other["phases"][4]
    base = api(malang, f"/enrolments/{enrolment['id']}/phase-results")
    for phase_id in (mooc["id"], foreign["id"], 999_999):
        resp = client.put(f"{base}/{phase_id}", json={"passed": True})
        assert resp.status_code == 422, phase_id
        assert resp.json["errors"][0]["field"] == "phase_id"


@pytest.mark.parametrize("body", [{}, {"passed": "maybe"}, {"passed": True, "score": 101}])
def test_phase_result_body_is_validated(client, malang, body):
    cohort = make_cohort(malang, phases=PKA_PHASES)
    enrolment = make_enrolment(malang, cohort["id"])
    resp = client.put(api(malang, f"/enrolments/{enrolment['id']}/phase-results/{cohort['phases'][4]['id']}"),
                      json=body)
    assert resp.status_code == 422


@pytest.mark.parametrize("status", ["passed", "failed", "withdrawn"])
def test_phase_result_of_a_closed_enrolment_is_409(client, malang, status):
    cohort = make_cohort(malang, phases=PKA_PHASES)
    enrolment = make_enrolment(malang, cohort["id"], status=status)
    resp = client.put(api(malang, f"/enrolments/{enrolment['id']}/phase-results/{cohort['phases'][4]['id']}"),
                      json={"passed": True})
    assert resp.status_code == 409


def test_phase_result_of_another_regions_enrolment_is_404(client, malang, serang):
    cohort = make_cohort(serang, phases=PKA_PHASES)
    enrolment = make_enrolment(serang, cohort["id"])
    resp = client.put(api(malang, f"/enrolments/{enrolment['id']}/phase-results/{cohort['phases'][4]['id']}"),
                      json={"passed": True})
    assert resp.status_code == 404


def test_writes_are_audited(client, malang):
    from tests.fixtures.audit import audit_events

    cohort = make_cohort(malang)
    person = make_employee(malang)
    with audit_events() as events:
        eid = _enrol(client, malang, cohort["id"], employee_id=person["id"]).json["id"]
        _transition(client, malang, eid, to="attending")
    seen = [e["action"] for e in events]
    assert seen == ["enrolment.create", "enrolment.transition"]

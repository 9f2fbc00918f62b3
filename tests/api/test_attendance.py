"""Attendance: bulk-marking a cohort day, re-marking it, the day sheet and the per-participant summary."""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models.cohorts import Attendance
from app.tenancy import tenant_context
from tests.fixtures.audit import audit_events
from tests.fixtures.factories import api, count_queries, enrol_many, make_cohort, make_employee, make_enrolment

START, END = date(2017, 9, 25), date(2017, 10, 4)  # Kab. Tuban's 2017 course


@pytest.fixture
def course(malang):
    """A cohort of 25 Sep - 4 Oct 2017 with three participants and one who withdrew."""
    cohort = make_cohort(malang, quota=None, year=2017, start_date=START, end_date=END)
    people = [make_employee(malang, name=n) for n in ("Agus", "Bambang", "Dewi")]
    active = [make_enrolment(malang, cohort["id"], p["id"], status="attending")["id"] for p in people]
    withdrawn = make_enrolment(malang, cohort["id"], status="withdrawn")["id"]
    return {"id": cohort["id"], "active": active, "withdrawn": withdrawn}


def _url(tenant, cohort_id, day=None):
    return api(tenant, f"/cohorts/{cohort_id}/attendance" + (f"/{day}" if day else ""))


def _stored(tenant) -> dict:
    with tenant_context(tenant):
        rows = db.session.execute(sa.select(Attendance.enrolment_id, Attendance.day, Attendance.status)).all()
    return {(r.enrolment_id, r.day): r.status for r in rows}


def test_bulk_mark_applies_the_default_and_the_exceptions(client, malang, course):
    a, b, c = course["active"]
    resp = client.put(_url(malang, course["id"], "2017-09-25"),
                      json={"default_status": "present", "marks": [{"enrolment_id": b, "status": "excused"}]})

    assert resp.status_code == 200, resp.json
    assert resp.json == {"cohort_id": course["id"], "day": "2017-09-25", "marked": 3, "skipped": [],
                         "now_attending": 0}  # the course factory makes them attending already
    day = date(2017, 9, 25)
    assert _stored(malang) == {(a, day): "present", (b, day): "excused", (c, day): "present"}


def test_re_marking_a_day_updates_in_place(client, malang, course):
    a, b, c = course["active"]
    url = _url(malang, course["id"], "2017-09-26")
    assert client.put(url, json={"default_status": "present"}).status_code == 200

    resp = client.put(url, json={"marks": [{"enrolment_id": a, "status": "absent"}]})

    assert resp.status_code == 200 and resp.json["marked"] == 1
    day = date(2017, 9, 26)
    assert _stored(malang) == {(a, day): "absent", (b, day): "present", (c, day): "present"}
    sheet = client.get(url).json
    assert [(i["name"], i["status"]) for i in sheet["items"]] == [
        ("Agus", "absent"), ("Bambang", "present"), ("Dewi", "present")]


def test_marks_without_default_leave_the_others_unmarked(client, malang, course):
    a, b, c = course["active"]
    url = _url(malang, course["id"], "2017-09-27")
    client.put(url, json={"marks": [{"enrolment_id": c, "status": "present"}]})
    sheet = client.get(url).json
    assert {i["enrolment_id"]: i["status"] for i in sheet["items"]} == {a: None, b: None, c: "present"}


def test_withdrawn_participants_are_skipped_and_left_off_the_sheet(client, malang, course):
    url = _url(malang, course["id"], "2017-09-28")
    resp = client.put(url, json={"default_status": "present",
                                 "marks": [{"enrolment_id": course["withdrawn"], "status": "present"}]})
    assert resp.json["marked"] == 3 and resp.json["skipped"] == [course["withdrawn"]]
    assert course["withdrawn"] not in {k[0] for k in _stored(malang)}
    assert course["withdrawn"] not in {i["enrolment_id"] for i in client.get(url).json["items"]}


def test_marking_enrolments_of_another_cohort_is_422_listing_them(client, malang, course):
    other = make_cohort(malang, quota=None)
    strangers = enrol_many(malang, other["id"], 2)
    resp = client.put(_url(malang, course["id"], "2017-09-25"), json={"marks": [
        {"enrolment_id": course["active"][0], "status": "present"},
        *({"enrolment_id": s, "status": "present"} for s in strangers),
        {"enrolment_id": 999_999, "status": "absent"}]})
    assert resp.status_code == 422
    assert resp.json["enrolment_ids"] == [*strangers, 999_999]
    assert resp.json["errors"][0]["field"] == "marks"
    assert _stored(malang) == {}


def test_the_same_enrolment_twice_in_one_request_is_422(client, malang, course):
    a = course["active"][0]
    resp = client.put(_url(malang, course["id"], "2017-09-25"), json={"marks": [
        {"enrolment_id": a, "status": "present"}, {"enrolment_id": a, "status": "absent"}]})
    assert resp.status_code == 422 and resp.json["enrolment_ids"] == [a]


@pytest.mark.parametrize("day", ["2017-09-24", "2017-10-05"])
def test_a_day_outside_the_cohort_dates_is_422(client, malang, course, day):
    for resp in (client.put(_url(malang, course["id"], day), json={"default_status": "present"}),
                 client.get(_url(malang, course["id"], day))):
        assert resp.status_code == 422
        assert resp.json["errors"][0]["field"] == "day"


def test_any_day_is_fine_for_a_cohort_without_dates(client, malang):
    cohort = make_cohort(malang, quota=None)
    enrol_many(malang, cohort["id"], 2)
    resp = client.put(_url(malang, cohort["id"], "2030-01-02"), json={"default_status": "absent"})
    assert resp.status_code == 200 and resp.json["marked"] == 2


@pytest.mark.parametrize("day", ["25-09-2017", "2017-9-25", "2017-02-30", "kemarin"])
def test_a_malformed_day_is_422(client, malang, course, day):
    resp = client.put(_url(malang, course["id"], day), json={"default_status": "present"})
    assert resp.status_code == 422 and resp.json["errors"][0]["field"] == "day"


@pytest.mark.parametrize("body", [
    {"default_status": "hadir"},
    {"marks": [{"enrolment_id": 1, "status": "late"}]},
    {"marks": [{"status": "present"}]},
    {"marks": "all"},
])
def test_bad_bodies_are_422(client, malang, course, body):
    resp = client.put(_url(malang, course["id"], "2017-09-25"), json=body)
    assert resp.status_code == 422
    assert resp.json["errors"]


def test_another_regions_cohort_is_404(client, malang, serang):
    cohort = make_cohort(serang, quota=None)
    enrolment = make_enrolment(serang, cohort["id"])
    body = {"marks": [{"enrolment_id": enrolment["id"], "status": "present"}]}
    assert client.put(_url(malang, cohort["id"] + 500, "2024-01-02"), json=body).status_code == 404
    assert client.get(_url(malang, cohort["id"] + 500, "2024-01-02")).status_code == 404
    assert client.get(_url(malang, cohort["id"] + 500)).status_code == 404
    assert _stored(serang) == {}


def test_summary_counts_each_status_per_participant_within_the_range(client, malang, course):
    a, b, c = course["active"]
    for day in ("2017-09-25", "2017-09-26", "2017-09-27"):
        client.put(_url(malang, course["id"], day), json={"default_status": "present"})
    client.put(_url(malang, course["id"], "2017-09-26"), json={"marks": [{"enrolment_id": a, "status": "absent"}]})
    client.put(_url(malang, course["id"], "2017-09-27"), json={"marks": [{"enrolment_id": a, "status": "excused"}]})

    whole = client.get(_url(malang, course["id"])).json
    part = client.get(_url(malang, course["id"]), query_string={"from": "2017-09-26", "to": "2017-09-26"}).json

    counts = {i["enrolment_id"]: (i["present"], i["excused"], i["absent"]) for i in whole["items"]}
    assert counts == {a: (1, 1, 1), b: (3, 0, 0), c: (3, 0, 0), course["withdrawn"]: (0, 0, 0)}
    assert (part["from"], part["to"]) == ("2017-09-26", "2017-09-26")
    assert {i["enrolment_id"]: (i["present"], i["absent"]) for i in part["items"]}[a] == (0, 1)


def test_summary_with_from_after_to_is_422(client, malang, course):
    resp = client.get(_url(malang, course["id"]), query_string={"from": "2017-10-01", "to": "2017-09-30"})
    assert resp.status_code == 422 and resp.json["errors"][0]["field"] == "from"
    resp = client.get(_url(malang, course["id"]), query_string={"from": "kemarin"})
    assert resp.status_code == 422 and resp.json["errors"][0]["field"] == "from"


def test_sheet_and_summary_queries_do_not_grow_with_the_cohort(client, malang):
    small, large = make_cohort(malang, quota=None), make_cohort(malang, quota=None)
    enrol_many(malang, small["id"], 3)
    enrol_many(malang, large["id"], 60)
    for cohort in (small, large):
        client.put(_url(malang, cohort["id"], "2024-03-01"), json={"default_status": "present"})
    counts = {}
    for name, cohort in (("small", small), ("large", large)):
        with count_queries() as statements:
            assert client.get(_url(malang, cohort["id"], "2024-03-01")).status_code == 200
            assert client.get(_url(malang, cohort["id"])).status_code == 200
            assert client.put(_url(malang, cohort["id"], "2024-03-02"),
                              json={"default_status": "absent"}).status_code == 200
        counts[name] = len(statements)
    assert counts["small"] == counts["large"]


def test_bulk_mark_is_audited_once_with_counts(client, malang, course):
    with audit_events() as calls:
        client.put(_url(malang, course["id"], "2017-10-02"), json={
            "default_status": "present", "marks": [{"enrolment_id": course["active"][0], "status": "absent"}]})
    assert len(calls) == 1
    assert calls[0]["action"] == "attendance.mark"
    assert calls[0]["after"]["marked"] == 3
    assert (calls[0]["after"]["present"], calls[0]["after"]["absent"]) == (2, 1)


def test_the_first_attendance_moves_a_registered_person_to_attending(client, malang):
    cohort = make_cohort(malang, start_date=date(2024, 4, 22), end_date=date(2024, 5, 8))
    present = make_enrolment(malang, cohort["id"])["id"]
    absent = make_enrolment(malang, cohort["id"])["id"]
    resp = client.put(_url(malang, cohort["id"], "2024-04-22"),
                      json={"marks": [{"enrolment_id": present, "status": "present"},
                                      {"enrolment_id": absent, "status": "absent"}]})
    assert resp.status_code == 200 and resp.json["now_attending"] == 1
    assert client.get(api(malang, f"/enrolments/{present}")).json["status"] == "attending"
    assert client.get(api(malang, f"/enrolments/{absent}")).json["status"] == "registered"

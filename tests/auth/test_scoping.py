"""OPD scoping and organisation writes: an operator limited to OPD A never sees or changes OPD B's people or
enrolments (out of scope answers exactly like not found); viewers read but never write; only admins change
OPDs."""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models.cohorts import Attendance
from app.models.employees import JpEntry
from app.tenancy import tenant_context
from tests.fixtures.auth import create_token
from tests.fixtures.factories import count_queries, fresh_nip, make_cohort, make_employee, make_enrolment, make_opd

DAY = date(2024, 3, 12)


def api(tenant, path: str = "") -> str:
    return f"/t/{tenant.slug}/api/v1{path}"


class Caller:
    """Requests as one user (a Bearer token). Each request runs in a fresh app context: the session-wide one
    would hand it the `g` (and so Flask-Login's cached `g._login_user`) of the previous caller."""

    def __init__(self, app, token: str) -> None:
        self.app, self.headers = app, {"Authorization": f"Bearer {token}"}

    def __getattr__(self, method: str):
        if method not in {"get", "post", "put", "patch", "delete"}:
            raise AttributeError(method)

        def call(url, **kw):
            with self.app.app_context():
                return getattr(self.app.test_client(use_cookies=False), method)(url, headers=self.headers, **kw)

        return call


@pytest.fixture
def as_role(app, make_user):
    """`as_role(tenant, "operator", opd_ids=[...])` → a Caller for a new user of that role."""

    def _as(tenant, role: str, **kw) -> Caller:
        user = make_user(tenant, role, password=None, **kw)
        return Caller(app, create_token(tenant, user["id"], role))

    return _as


@pytest.fixture
def admin(as_role, malang):
    """An admin of Kota Malang (unscoped): what everyone else's view is compared with."""
    return as_role(malang, "admin")


@pytest.fixture
def world(malang):
    """OPD A (Kelurahan Arjosari) with two people, OPD B (Kelurahan Bareng) with one, one person without an OPD;
    a cohort (12-14 Mar 2024) in which one person of A and one of B are enrolled."""
    a, b = make_opd(malang, "Kelurahan Arjosari"), make_opd(malang, "Kelurahan Bareng")
    a1 = make_employee(malang, opd_id=a["id"], name="Ahmad Arjosari")
    a2 = make_employee(malang, opd_id=a["id"], name="Aisyah Arjosari", gender="P")
    b1 = make_employee(malang, opd_id=b["id"], name="Budi Bareng")
    loose = make_employee(malang, name="Tanpa OPD")
    cohort = make_cohort(malang, start_date=date(2024, 3, 11), end_date=date(2024, 3, 14))
    ea = make_enrolment(malang, cohort["id"], a1["id"])
    eb = make_enrolment(malang, cohort["id"], b1["id"])
    return {"a": a, "b": b, "a1": a1, "a2": a2, "b1": b1, "loose": loose, "cohort": cohort, "ea": ea, "eb": eb}


@pytest.fixture
def scoped(as_role, malang, world):
    """An operator of Kota Malang limited to OPD A."""
    return as_role(malang, "operator", opd_ids=[world["a"]["id"]])


def _nips(items) -> set[str]:
    return {item["nip"] if "nip" in item else item["employee"]["nip"] for item in items}


# --- employees ------------------------------------------------------------------------------------------------


def test_scoped_operator_lists_only_the_employees_of_their_opds(scoped, malang, world):
    body = scoped.get(api(malang, "/employees")).json
    assert _nips(body["items"]) == {world["a1"]["nip"], world["a2"]["nip"]}
    assert body["total"] == 2
    # Neither a search nor an OPD filter reaches past the scope.
    assert scoped.get(api(malang, f"/employees?q={world['b1']['nip']}")).json["total"] == 0
    assert scoped.get(api(malang, "/employees?q=bareng")).json["items"] == []
    assert scoped.get(api(malang, f"/employees?opd_id={world['b']['id']}")).json["total"] == 0


def test_operator_scoped_to_two_opds_sees_both(as_role, malang, world):
    both = as_role(malang, "operator", opd_ids=[world["a"]["id"], world["b"]["id"]])
    body = both.get(api(malang, "/employees")).json
    assert _nips(body["items"]) == {world["a1"]["nip"], world["a2"]["nip"], world["b1"]["nip"]}


def test_other_opd_employee_is_not_found_for_a_scoped_operator(scoped, admin, malang, world):
    nip = world["b1"]["nip"]
    unknown = scoped.get(api(malang, "/employees/199001012015031999"))
    detail = scoped.get(api(malang, f"/employees/{nip}"))
    assert detail.status_code == unknown.status_code == 404
    assert detail.json["detail"] == f"Pegawai dengan NIP {nip} tidak ditemukan."  # as for a NIP nobody has
    assert scoped.get(api(malang, f"/employees/{world['loose']['nip']}")).status_code == 404
    assert scoped.get(api(malang, f"/employees/{nip}/jp?year=2024")).status_code == 404
    assert scoped.patch(api(malang, f"/employees/{nip}"), json={"name": "Diubah"}).status_code == 404
    assert scoped.post(api(malang, f"/employees/{nip}/deactivate")).status_code == 404
    entry = {"jp": 10, "title": "MOOC Literasi Digital", "certificate_number": "MOOC-1", "completed_on": "2024-02-01"}
    assert scoped.post(api(malang, f"/employees/{nip}/jp-entries"), json=entry).status_code == 404

    untouched = admin.get(api(malang, f"/employees/{nip}")).json
    assert (untouched["name"], untouched["active"]) == ("Budi Bareng", True)
    with tenant_context(malang):
        assert db.session.execute(sa.select(sa.func.count()).select_from(JpEntry)).scalar_one() == 0
        db.session.rollback()


def test_scoped_operator_reads_and_changes_their_own_opds_employees(scoped, malang, world):
    nip = world["a1"]["nip"]
    assert scoped.get(api(malang, f"/employees/{nip}")).json["opd"]["name"] == "Kelurahan Arjosari"
    assert scoped.get(api(malang, f"/employees/{nip}/jp?year=2024")).json["total_jp"] == 0
    assert scoped.patch(api(malang, f"/employees/{nip}"), json={"jabatan": "Kasi Pemerintahan"}).status_code == 200


def test_scoped_operator_creates_employees_only_in_their_opds(scoped, malang, world):
    person = {"nip": fresh_nip(), "name": "Citra Baru", "gender": "L", "employee_type": "PNS"}

    outside = scoped.post(api(malang, "/employees"), json={**person, "opd_id": world["b"]["id"]})
    assert outside.status_code == 422
    assert {"field": "opd_id", "reason": "di luar OPD Anda"} in outside.json["errors"]

    no_opd = scoped.post(api(malang, "/employees"), json=person)
    assert no_opd.status_code == 422
    assert [e["field"] for e in no_opd.json["errors"]] == ["opd_id"]

    inside = scoped.post(api(malang, "/employees"), json={**person, "opd_id": world["a"]["id"]})
    assert inside.status_code == 201, inside.json


def test_scoped_operator_cannot_move_an_employee_out_of_their_opds(scoped, admin, malang, world):
    nip = world["a1"]["nip"]
    for target in (world["b"]["id"], None):
        resp = scoped.patch(api(malang, f"/employees/{nip}"), json={"opd_id": target})
        assert resp.status_code == 422
        assert resp.json["errors"][0]["field"] == "opd_id"
    assert admin.get(api(malang, f"/employees/{nip}")).json["opd_id"] == world["a"]["id"]


def test_scope_filtering_adds_no_queries(scoped, admin, malang, world):
    scoped.get(api(malang, "/employees"))
    admin.get(api(malang, "/employees"))  # warm both tokens' tenant cache
    with count_queries() as as_operator:
        scoped.get(api(malang, "/employees"))
    with count_queries() as as_admin:
        admin.get(api(malang, "/employees"))
    assert len(as_operator) == len(as_admin)


# --- enrolments -------------------------------------------------------------------------------------------------


def test_scoped_operator_cannot_enrol_another_opds_employee(scoped, malang, world):
    other = make_cohort(malang)
    url = api(malang, f"/cohorts/{other['id']}/enrolments")
    by_nip = scoped.post(url, json={"employee_nip": world["b1"]["nip"]})
    by_id = scoped.post(url, json={"employee_id": world["b1"]["id"]})
    assert by_nip.status_code == by_id.status_code == 404
    assert scoped.post(url, json={"employee_nip": world["a2"]["nip"]}).status_code == 201


def test_scoped_roster_lists_only_their_opds_participants(scoped, admin, malang, world):
    url = api(malang, f"/cohorts/{world['cohort']['id']}/enrolments")
    body = scoped.get(url).json
    assert _nips(body["items"]) == {world["a1"]["nip"]}
    assert body["total"] == 1
    assert admin.get(url).json["total"] == 2


def test_other_opds_enrolment_is_not_found_for_a_scoped_operator(scoped, malang, world):
    eb, ea = world["eb"]["id"], world["ea"]["id"]
    assert scoped.get(api(malang, f"/enrolments/{eb}")).status_code == 404
    assert scoped.post(api(malang, f"/enrolments/{eb}/transition"), json={"to": "attending"}).status_code == 404
    phase = api(malang, f"/enrolments/{eb}/phase-results/1")
    assert scoped.put(phase, json={"passed": True}).status_code == 404
    assert scoped.get(api(malang, f"/enrolments/{ea}")).status_code == 200
    assert scoped.post(api(malang, f"/enrolments/{ea}/transition"), json={"to": "attending"}).status_code == 200


# --- attendance -------------------------------------------------------------------------------------------------


def test_scoped_attendance_sheet_and_summary_show_only_their_opds(scoped, malang, world):
    cohort = world["cohort"]["id"]
    sheet = scoped.get(api(malang, f"/cohorts/{cohort}/attendance/{DAY}")).json
    assert [i["enrolment_id"] for i in sheet["items"]] == [world["ea"]["id"]]
    summary = scoped.get(api(malang, f"/cohorts/{cohort}/attendance")).json
    assert [i["enrolment_id"] for i in summary["items"]] == [world["ea"]["id"]]


def test_scoped_operator_cannot_mark_another_opds_participant(scoped, malang, world):
    url = api(malang, f"/cohorts/{world['cohort']['id']}/attendance/{DAY}")
    resp = scoped.put(url, json={"marks": [{"enrolment_id": world["ea"]["id"], "status": "present"},
                                           {"enrolment_id": world["eb"]["id"], "status": "absent"}]})
    assert resp.status_code == 422
    assert resp.json["enrolment_ids"] == [world["eb"]["id"]]
    with tenant_context(malang):
        assert db.session.execute(sa.select(sa.func.count()).select_from(Attendance)).scalar_one() == 0
        db.session.rollback()


def test_default_status_of_a_scoped_operator_marks_only_their_opds(scoped, admin, malang, world):
    url = api(malang, f"/cohorts/{world['cohort']['id']}/attendance/{DAY}")
    resp = scoped.put(url, json={"default_status": "present"})
    assert resp.status_code == 200
    assert resp.json["marked"] == 1
    statuses = {i["enrolment_id"]: i["status"] for i in admin.get(url).json["items"]}
    assert statuses == {world["ea"]["id"]: "present", world["eb"]["id"]: None}


# --- reports ----------------------------------------------------------------------------------------------------


def test_scoped_compliance_report_covers_only_their_opds(scoped, admin, malang, world):
    body = scoped.get(api(malang, "/reports/jp-compliance?year=2024")).json
    assert [o["opd_name"] for o in body["opds"]] == ["Kelurahan Arjosari"]
    assert body["overall"]["active_employees"] == 2
    assert _nips(body["people"]["items"]) == {world["a1"]["nip"], world["a2"]["nip"]}
    assert body["people"]["total"] == 2
    full = admin.get(api(malang, "/reports/jp-compliance?year=2024")).json
    assert full["overall"]["active_employees"] == 4

    other = scoped.get(api(malang, f"/reports/jp-compliance?year=2024&opd_id={world['b']['id']}"))
    assert other.status_code == 404
    csv = scoped.get(api(malang, "/reports/jp-compliance?year=2024&format=csv"), buffered=True)
    assert csv.status_code == 200
    text = csv.get_data(as_text=True)
    assert world["a1"]["nip"] in text and world["b1"]["nip"] not in text and world["loose"]["nip"] not in text


def test_scoped_recap_and_cohort_roster_count_only_their_opds(scoped, admin, malang, world):
    recap = scoped.get(api(malang, "/reports/training-recap?year=2024")).json
    assert recap["totals"]["participants"] == 1
    assert admin.get(api(malang, "/reports/training-recap?year=2024")).json["totals"]["participants"] == 2

    roster = scoped.get(api(malang, f"/reports/cohorts/{world['cohort']['id']}/roster")).json["participants"]
    assert (_nips(roster["items"]), roster["total"]) == ({world["a1"]["nip"]}, 1)
    csv = scoped.get(api(malang, f"/reports/cohorts/{world['cohort']['id']}/roster?format=csv"), buffered=True)
    assert world["b1"]["nip"] not in csv.get_data(as_text=True)


# --- unscoped operators, viewers --------------------------------------------------------------------------------


def test_unscoped_operator_sees_and_changes_every_opd(as_role, malang, world):
    operator = as_role(malang, "operator")
    assert operator.get(api(malang, "/employees")).json["total"] == 4
    assert operator.get(api(malang, f"/cohorts/{world['cohort']['id']}/enrolments")).json["total"] == 2
    resp = operator.patch(api(malang, f"/employees/{world['b1']['nip']}"), json={"opd_id": world["a"]["id"]})
    assert resp.status_code == 200


def test_viewer_reads_everything_but_every_write_is_forbidden(as_role, malang, world):
    viewer = as_role(malang, "viewer")
    cohort, nip = world["cohort"]["id"], world["b1"]["nip"]
    assert viewer.get(api(malang, "/employees")).json["total"] == 4
    assert viewer.get(api(malang, f"/employees/{nip}")).status_code == 200
    assert viewer.get(api(malang, f"/cohorts/{cohort}/enrolments")).json["total"] == 2
    assert viewer.get(api(malang, "/reports/jp-compliance?year=2024")).status_code == 200
    assert viewer.get(api(malang, "/opds")).status_code == 200

    writes = [
        viewer.post(api(malang, "/employees"),
                    json={"nip": fresh_nip(), "name": "Dewi", "gender": "L", "employee_type": "PNS"}),
        viewer.patch(api(malang, f"/employees/{nip}"), json={"name": "Diubah"}),
        viewer.post(api(malang, f"/employees/{nip}/deactivate")),
        viewer.post(api(malang, f"/cohorts/{cohort}/enrolments"), json={"employee_nip": world["a2"]["nip"]}),
        viewer.post(api(malang, f"/enrolments/{world['ea']['id']}/transition"), json={"to": "attending"}),
        viewer.put(api(malang, f"/cohorts/{cohort}/attendance/{DAY}"), json={"default_status": "present"}),
        viewer.post(api(malang, "/opds"), json={"name": "Dinas Baru"}),
    ]
    assert [r.status_code for r in writes] == [403] * len(writes)


# --- organisation writes ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["operator", "viewer"])
def test_only_admins_change_opds(as_role, malang, world, role):
    caller = as_role(malang, role)
    a, b = world["a"]["id"], world["b"]["id"]
    assert caller.get(api(malang, "/opds")).status_code == 200
    assert caller.get(api(malang, f"/opds/{a}")).status_code == 200
    refused = [
        caller.post(api(malang, "/opds"), json={"name": "Dinas Baru"}),
        caller.patch(api(malang, f"/opds/{a}"), json={"name": "Kelurahan Arjosari Baru"}),
        caller.post(api(malang, f"/opds/{b}/merge"), json={"target_id": a}),
        caller.post(api(malang, f"/opds/{b}/deactivate")),
    ]
    assert [r.status_code for r in refused] == [403] * 4
    assert refused[0].json["required"] == "org:manage"


def test_admin_creates_renames_merges_and_deactivates_opds(admin, malang, world):
    created = admin.post(api(malang, "/opds"), json={"name": "Dinas Baru"})
    assert created.status_code == 201
    new_id = created.json["id"]
    assert admin.patch(api(malang, f"/opds/{new_id}"), json={"name": "Dinas Lebih Baru"}).status_code == 200
    merged = admin.post(api(malang, f"/opds/{world['b']['id']}/merge"), json={"target_id": world["a"]["id"]})
    assert merged.status_code == 200 and merged.json["moved_employees"] == 1
    assert admin.post(api(malang, f"/opds/{new_id}/deactivate")).json["active"] is False

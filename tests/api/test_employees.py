"""Employees API: /t/<slug>/api/v1/employees (list and search, create, read, update, deactivate)."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from tests.fixtures.audit import audit_events
from tests.fixtures.auth import AUTH_QUERIES
from tests.fixtures.factories import api, next_nip

VALID_NIP = "198503122010011003"  # born 12 Mar 1985, TMT Jan 2010, male


def body(**overrides) -> dict:
    data = {"nip": next_nip("L"), "name": "Budi Santoso", "gender": "L", "employee_type": "PNS",
            "golongan": "III/b", "jabatan": "Kepala Seksi Pemerintahan", "jabatan_kind": "pengawas"}
    data.update(overrides)
    return data


def reasons(resp, field: str) -> list[dict]:
    return [e for e in resp.get_json().get("errors", []) if e["field"] == field]


@pytest.fixture
def audits():
    with audit_events("employees") as events:  # the factories' own writes (OPDs...) are audited too
        yield events


# --- create ---------------------------------------------------------------------------------------------


def test_create_employee_derives_birth_date_and_returns_its_opd(client, malang, make_opd, audits):
    opd = make_opd(malang, name="Kecamatan Klojen")
    resp = client.post(api(malang, "/employees"), json=body(nip=VALID_NIP, opd_id=opd["id"], golongan="iii / b"))
    assert resp.status_code == 201, resp.get_json()
    data = resp.get_json()
    assert data["nip"] == VALID_NIP
    assert data["birth_date"] == "1985-03-12"
    assert data["golongan"] == "III/b"
    assert data["opd"] == {"id": opd["id"], "name": "Kecamatan Klojen"}
    assert data["active"] is True
    assert data["source_updated_at"] is not None
    assert [(a["action"], a["entity"], a["entity_id"]) for a in audits] == [
        ("employee.create", "employees", data["id"])]
    assert audits[0]["after"]["nip"] == VALID_NIP


def test_create_accepts_a_birth_date_that_agrees_with_the_nip(client, malang):
    resp = client.post(api(malang, "/employees"), json=body(nip=VALID_NIP, birth_date="1985-03-12"))
    assert resp.status_code == 201
    assert resp.get_json()["birth_date"] == "1985-03-12"


def test_create_pppk_with_pppk_golongan_and_no_opd(client, malang):
    resp = client.post(api(malang, "/employees"), json=body(employee_type="PPPK", golongan="ix"))
    assert resp.status_code == 201
    assert resp.get_json()["golongan"] == "IX"
    assert resp.get_json()["opd"] is None


@pytest.mark.parametrize(("nip", "code"), [
    ("19850312201001100", "nip_length"),
    ("1985031220100110031", "nip_length"),
    ("1.98503E+17", "nip_scientific_notation"),
    ("198503122010011003.0", "nip_decimal_suffix"),
    ("19850312201001100x", "nip_not_digits"),
    ("", "nip_empty"),
    ("198502302010011003", "nip_birth_date"),
    ("209903122010011003", "nip_birth_date"),
    ("198503122010131003", "nip_start_month"),
    ("198503121995011003", "nip_start_before_age_15"),
    ("198503122999011003", "nip_start_future"),
    ("198503122010013003", "nip_gender_digit"),
])
def test_create_rejects_a_bad_nip_with_its_code(client, malang, nip, code):
    resp = client.post(api(malang, "/employees"), json=body(nip=nip))
    assert resp.status_code == 422
    assert resp.mimetype == "application/problem+json"
    [error] = reasons(resp, "nip")
    assert error["code"] == code
    assert error["reason"]


def test_create_rejects_a_gender_that_disagrees_with_the_nip(client, malang):
    resp = client.post(api(malang, "/employees"), json=body(nip=VALID_NIP, gender="P"))
    assert resp.status_code == 422
    [error] = reasons(resp, "gender")
    assert error["code"] == "nip_gender_mismatch"


def test_create_rejects_a_birth_date_that_disagrees_with_the_nip(client, malang):
    resp = client.post(api(malang, "/employees"), json=body(nip=VALID_NIP, birth_date="1985-03-13"))
    assert resp.status_code == 422
    [error] = reasons(resp, "birth_date")
    assert error["code"] == "nip_birth_date_mismatch"


@pytest.mark.parametrize(("employee_type", "golongan", "code"), [
    ("PNS", "IX", "golongan_wrong_employee_type"),
    ("PPPK", "III/b", "golongan_wrong_employee_type"),
    ("PNS", "3b", "golongan_invalid"),
    ("PNS", "IV/f", "golongan_invalid"),
])
def test_create_rejects_a_golongan_of_the_wrong_type(client, malang, employee_type, golongan, code):
    resp = client.post(api(malang, "/employees"), json=body(employee_type=employee_type, golongan=golongan))
    assert resp.status_code == 422
    [error] = reasons(resp, "golongan")
    assert error["code"] == code


def test_create_rejects_an_unknown_opd(client, malang):
    resp = client.post(api(malang, "/employees"), json=body(opd_id=999_999))
    assert resp.status_code == 422
    assert reasons(resp, "opd_id")


def test_create_rejects_an_inactive_opd(client, malang, make_opd):
    opd = make_opd(malang)
    client.post(api(malang, f"/opds/{opd['id']}/deactivate"))
    resp = client.post(api(malang, "/employees"), json=body(opd_id=opd["id"]))
    assert resp.status_code == 422
    assert "tidak aktif" in reasons(resp, "opd_id")[0]["reason"]


def test_create_rejects_an_opd_of_another_tenant(client, malang, serang, make_opd):
    opd = make_opd(serang, name="Dinas Khusus Serang")  # Kota Malang has no OPD at all
    resp = client.post(api(malang, "/employees"), json=body(opd_id=opd["id"]))
    assert resp.status_code == 422
    assert reasons(resp, "opd_id")


def test_create_names_every_bad_field_at_once(client, malang):
    resp = client.post(api(malang, "/employees"), json=body(nip=VALID_NIP, gender="P", golongan="XX", opd_id=4242))
    assert resp.status_code == 422
    fields = {e["field"] for e in resp.get_json()["errors"]}
    assert fields == {"gender", "golongan", "opd_id"}


@pytest.mark.parametrize(("overrides", "field"), [
    ({"gender": "X"}, "gender"),
    ({"employee_type": "HONORER"}, "employee_type"),
    ({"jabatan_kind": "eselon"}, "jabatan_kind"),
    ({"birth_date": "12/03/1985"}, "birth_date"),
    ({"name": ""}, "name"),
    ({"nik": "3573011203850001"}, "nik"),
])
def test_create_rejects_malformed_fields(client, malang, overrides, field):
    resp = client.post(api(malang, "/employees"), json=body(**overrides))
    assert resp.status_code == 422
    assert reasons(resp, field)


def test_create_requires_the_core_fields(client, malang):
    resp = client.post(api(malang, "/employees"), json={})
    assert resp.status_code == 422
    fields = {e["field"] for e in resp.get_json()["errors"]}
    assert {"nip", "name", "gender", "employee_type"} <= fields


def test_create_refuses_a_nip_already_in_the_tenant(client, malang, make_employee):
    make_employee(malang, nip=VALID_NIP)
    resp = client.post(api(malang, "/employees"), json=body(nip=VALID_NIP))
    assert resp.status_code == 409
    assert reasons(resp, "nip")


def test_same_nip_may_exist_in_two_tenants(client, malang, serang):
    assert client.post(api(malang, "/employees"), json=body(nip=VALID_NIP)).status_code == 201
    assert client.post(api(serang, "/employees"), json=body(nip=VALID_NIP)).status_code == 201


def test_a_nip_typed_with_spaces_and_apostrophe_is_stored_clean(client, malang):
    resp = client.post(api(malang, "/employees"), json=body(nip="'19850312 201001 1 003"))
    assert resp.status_code == 201
    assert resp.get_json()["nip"] == VALID_NIP


# --- read -----------------------------------------------------------------------------------------------


def test_get_employee_by_nip(client, malang, make_opd, make_employee):
    opd = make_opd(malang, name="Badan Kepegawaian")
    emp = make_employee(malang, opd_id=opd["id"], name="Siti Aminah", gender="P")
    resp = client.get(api(malang, f"/employees/{emp['nip']}"))
    assert resp.status_code == 200
    data = resp.get_json()
    assert (data["name"], data["gender"], data["opd"]) == ("Siti Aminah", "P", {"id": opd["id"],
                                                                                 "name": "Badan Kepegawaian"})


def test_get_unknown_or_malformed_nip_is_404(client, malang):
    assert client.get(api(malang, f"/employees/{VALID_NIP}")).status_code == 404
    assert client.get(api(malang, "/employees/1234")).status_code == 404
    assert client.get(api(malang, "/employees/abc")).status_code == 404


def test_employee_of_another_tenant_is_404_everywhere(client, malang, serang, make_employee):
    emp = make_employee(serang)
    nip = emp["nip"]
    assert client.get(api(serang, f"/employees/{nip}")).status_code == 200
    assert client.get(api(malang, f"/employees/{nip}")).status_code == 404
    assert client.patch(api(malang, f"/employees/{nip}"), json={"name": "X Y"}).status_code == 404
    assert client.post(api(malang, f"/employees/{nip}/deactivate")).status_code == 404
    assert client.get(api(malang, f"/employees/{nip}/jp?year=2024")).status_code == 404
    entry = {"jp": 5, "title": "MOOC", "certificate_number": "C-1", "completed_on": "2024-02-01"}
    assert client.post(api(malang, f"/employees/{nip}/jp-entries"), json=entry).status_code == 404
    assert client.get(api(serang, f"/employees/{nip}")).get_json()["name"] == emp["name"]


# --- update / deactivate --------------------------------------------------------------------------------


def test_patch_changes_fields_and_audits(client, malang, make_opd, make_employee, audits):
    old, new = make_opd(malang, name="Dinas Lama"), make_opd(malang, name="Dinas Baru")
    emp = make_employee(malang, opd_id=old["id"], name="Ahmad Fauzi")
    audits.clear()
    resp = client.patch(api(malang, f"/employees/{emp['nip']}"), json={
        "name": "Ahmad  Fauzi Rahman", "golongan": "iv/a", "jabatan": "Camat", "jabatan_kind": "administrator",
        "opd_id": new["id"]})
    assert resp.status_code == 200, resp.get_json()
    data = resp.get_json()
    assert (data["name"], data["golongan"], data["jabatan_kind"]) == ("Ahmad Fauzi Rahman", "IV/a", "administrator")
    assert data["opd"] == {"id": new["id"], "name": "Dinas Baru"}
    assert datetime.fromisoformat(data["source_updated_at"]) > emp["source_updated_at"]
    [event] = audits
    assert event["action"] == "employee.update"
    assert event["before"]["opd_id"] == old["id"] and event["after"]["opd_id"] == new["id"]


def test_patch_type_change_needs_a_golongan_of_the_new_type(client, malang, make_employee):
    emp = make_employee(malang, golongan="III/a")
    url = api(malang, f"/employees/{emp['nip']}")
    resp = client.patch(url, json={"employee_type": "PPPK"})
    assert resp.status_code == 422
    assert reasons(resp, "golongan")
    resp = client.patch(url, json={"employee_type": "PPPK", "golongan": "VII"})
    assert resp.status_code == 200
    assert (resp.get_json()["employee_type"], resp.get_json()["golongan"]) == ("PPPK", "VII")


@pytest.mark.parametrize(("patch", "field", "status"), [
    ({"gender": "P"}, "gender", 422),
    ({"golongan": "XVII"}, "golongan", 422),
    ({"opd_id": 777}, "opd_id", 422),
    ({"nip": VALID_NIP}, "nip", 422),
    ({"birth_date": "1990-01-01"}, "birth_date", 422),
    ({"jabatan_kind": "menteri"}, "jabatan_kind", 422),
])
def test_patch_validation_errors(client, malang, make_employee, patch, field, status):
    emp = make_employee(malang, gender="L")
    resp = client.patch(api(malang, f"/employees/{emp['nip']}"), json=patch)
    assert resp.status_code == status
    assert reasons(resp, field)


def test_patch_without_changes_writes_nothing(client, malang, make_employee, audits):
    emp = make_employee(malang, name="Dewi Lestari", gender="P")
    audits.clear()
    resp = client.patch(api(malang, f"/employees/{emp['nip']}"), json={"name": "Dewi Lestari", "gender": "P"})
    assert resp.status_code == 200
    assert audits == []
    assert datetime.fromisoformat(resp.get_json()["source_updated_at"]) == emp["source_updated_at"]


def test_deactivate_and_reactivate(client, malang, make_employee, audits):
    emp = make_employee(malang)
    audits.clear()
    url = api(malang, f"/employees/{emp['nip']}")
    resp = client.post(url + "/deactivate")
    assert resp.status_code == 200 and resp.get_json()["active"] is False
    assert client.post(url + "/deactivate").status_code == 200  # repeating changes nothing
    assert [a["action"] for a in audits] == ["employee.deactivate"]
    assert client.patch(url, json={"active": True}).get_json()["active"] is True


# --- list -----------------------------------------------------------------------------------------------


def test_list_returns_only_this_tenants_employees_with_their_opd(client, malang, serang, make_opd, make_employee):
    opd = make_opd(malang, name="Dinas Kesehatan")
    mine = {make_employee(malang, opd_id=opd["id"])["nip"] for _ in range(3)}
    make_employee(serang)
    resp = client.get(api(malang, "/employees"))
    assert resp.status_code == 200
    data = resp.get_json()
    assert data["total"] == 3
    assert {e["nip"] for e in data["items"]} == mine
    assert all(e["opd"] == {"id": opd["id"], "name": "Dinas Kesehatan"} for e in data["items"])


def test_list_sorts_by_name_nip_and_id(client, malang, make_employee):
    made = [make_employee(malang, name=name) for name in ("Citra", "adi", "Bayu")]
    url = api(malang, "/employees")
    assert [e["name"] for e in client.get(url).get_json()["items"]] == ["adi", "Bayu", "Citra"]
    assert [e["name"] for e in client.get(url + "?sort=-name").get_json()["items"]] == ["Citra", "Bayu", "adi"]
    assert [e["nip"] for e in client.get(url + "?sort=nip").get_json()["items"]] == sorted(e["nip"] for e in made)
    assert [e["id"] for e in client.get(url + "?sort=-id").get_json()["items"]] == sorted(
        (e["id"] for e in made), reverse=True)
    resp = client.get(url + "?sort=golongan")
    assert resp.status_code == 422 and reasons(resp, "sort")


def test_list_filters_by_opd_type_golongan_and_active(client, malang, make_opd, make_employee):
    a, b = make_opd(malang), make_opd(malang)
    pns_a = make_employee(malang, opd_id=a["id"], golongan="III/c")
    pppk_a = make_employee(malang, opd_id=a["id"], employee_type="PPPK", golongan="IX")
    gone_b = make_employee(malang, opd_id=b["id"], active=False)
    url = api(malang, "/employees")

    def nips(query: str) -> set[str]:
        resp = client.get(f"{url}?{query}")
        assert resp.status_code == 200, resp.get_json()
        return {e["nip"] for e in resp.get_json()["items"]}

    assert nips(f"opd_id={a['id']}") == {pns_a["nip"], pppk_a["nip"]}
    assert nips("employee_type=PPPK") == {pppk_a["nip"]}
    assert nips("golongan=iii/c") == {pns_a["nip"]}
    assert nips("golongan=IX") == {pppk_a["nip"]}
    assert nips("active=false") == {gone_b["nip"]}
    assert nips(f"active=true&opd_id={b['id']}") == set()


@pytest.mark.parametrize("query", ["employee_type=pns2", "golongan=Z", "opd_id=abc", "active=maybe"])
def test_list_rejects_bad_filters(client, malang, query):
    resp = client.get(api(malang, f"/employees?{query}"))
    assert resp.status_code == 422
    assert resp.get_json()["errors"]


@pytest.mark.parametrize(("search", "stored"), [("Sétiawan", "Agus Setiawan"), ("setiawan", "Agus Sétiawan"),
                                                ("AGUS  SÉTIAWAN", "agus setiawan")])
def test_name_search_ignores_case_and_accents(client, malang, make_employee, search, stored):
    target = make_employee(malang, name=stored)
    make_employee(malang, name="Rina Wati")
    resp = client.get(api(malang, "/employees"), query_string={"q": search})
    assert [e["nip"] for e in resp.get_json()["items"]] == [target["nip"]]


def test_search_by_nip_prefix(client, malang, new_nip, make_employee):
    a = make_employee(malang, nip=new_nip("L", date(1979, 7, 1)))
    b = make_employee(malang, nip=new_nip("P", date(1979, 7, 2)), gender="P")
    make_employee(malang, nip=new_nip("L", date(1981, 1, 1)))
    url = api(malang, "/employees")
    assert {e["nip"] for e in client.get(url, query_string={"q": "197907"}).get_json()["items"]} == {
        a["nip"], b["nip"]}
    assert [e["nip"] for e in client.get(url, query_string={"q": a["nip"]}).get_json()["items"]] == [a["nip"]]
    assert client.get(url, query_string={"q": "19790703"}).get_json()["total"] == 0
    # spaces typed inside a NIP are ignored
    assert client.get(url, query_string={"q": "1979 07"}).get_json()["total"] == 2


@pytest.mark.parametrize(("query", "field"), [("limit=0", "limit"), ("limit=201", "limit"), ("offset=-1", "offset")])
def test_pagination_bounds_are_422(client, malang, query, field):
    resp = client.get(api(malang, f"/employees?{query}"))
    assert resp.status_code == 422
    assert reasons(resp, field)


def test_pages_and_offset_beyond_total(client, malang, make_employee):
    for _ in range(7):
        make_employee(malang)
    url = api(malang, "/employees")
    first = client.get(url + "?limit=5&sort=id").get_json()
    second = client.get(url + "?limit=5&offset=5&sort=id").get_json()
    assert (first["total"], len(first["items"]), second["total"], len(second["items"])) == (7, 5, 7, 2)
    assert {e["id"] for e in first["items"]}.isdisjoint({e["id"] for e in second["items"]})
    beyond = client.get(url + "?limit=5&offset=100").get_json()
    assert beyond == {"items": [], "total": 7, "total_estimated": False, "limit": 5, "offset": 100,
                      "next_cursor": None, "prev_cursor": None}


def test_list_query_count_does_not_grow_with_page_size(client, malang, make_opd, make_employee, count_queries):
    opds = [make_opd(malang) for _ in range(5)]
    for i in range(60):
        make_employee(malang, opd_id=opds[i % 5]["id"])
    url = api(malang, "/employees")
    client.get(url + "?limit=1")  # warm the tenant registry cache
    counts = {}
    for size in (5, 50):
        with count_queries() as queries:
            resp = client.get(url, query_string={"limit": size, "q": "pegawai"})
        assert resp.status_code == 200 and len(resp.get_json()["items"]) == size
        assert all(e["opd"]["name"] for e in resp.get_json()["items"])
        counts[size] = len(queries)
    assert counts[5] == counts[50] <= 2 + AUTH_QUERIES


def test_employees_are_in_the_openapi_document(client, malang):
    spec = client.get(api(malang, "/openapi.json")).get_json()
    paths = {p for p in spec["paths"] if "employees" in p}
    assert any(p.endswith("/employees/{nip}/jp") for p in paths)
    assert any(p.endswith("/employees/{nip}/jp-entries") for p in paths)

"""Cohorts (angkatan) with ordered phases; angkatan numbers as files write them."""

from __future__ import annotations

import copy

import pytest

from app.extensions import db
from app.services.cohorts.schedule import cohort_capacity, cohort_label, parse_angkatan, to_roman
from app.tenancy import tenant_context
from tests.fixtures.auth import AUTH_QUERIES
from tests.fixtures.factories import (
    add_phase_result,
    api,
    count_queries,
    enrol,
    make_cohorts,
    make_employees,
    partner_id,
    program_id,
)

# Kota Malang's PKA Angkatan II 2024 (DOMAIN.md): Klasikal I with its field study is one phase, 22 Apr-8 May.
PKA_II_2024_PHASES = [
    {"name": "MOOC", "start_date": "2024-03-09", "end_date": "2024-03-22", "graded": False},
    {"name": "E-learning", "start_date": "2024-03-23", "end_date": "2024-04-06", "graded": False},
    {"name": "Commitment building", "start_date": "2024-04-17", "end_date": "2024-04-20", "graded": False},
    {"name": "Klasikal I", "start_date": "2024-04-22", "end_date": "2024-05-08", "graded": False},
    {"name": "Aksi perubahan", "start_date": "2024-05-09", "end_date": "2024-07-07", "graded": True},
    {"name": "Klasikal II", "start_date": "2024-07-08", "end_date": "2024-07-11", "graded": False},
]


def pka_ii_2024(tenant, **overrides) -> dict:
    body = {"program_id": program_id(tenant, "PKA"), "number": "II", "year": 2024,
            "partner_id": partner_id(tenant, "BPSDM-JATIM") if tenant.slug == "kota-malang" else None,
            "mode": "blended", "quota": 32, "phases": copy.deepcopy(PKA_II_2024_PHASES)}
    body.update(overrides)
    return body


def create(client, tenant, **overrides):
    return client.post(api(tenant, "cohorts"), json=pka_ii_2024(tenant, **overrides))


def errors_of(resp) -> dict[str, str]:
    assert resp.mimetype == "application/problem+json", resp.get_data(as_text=True)
    return {e["field"]: e["reason"] for e in resp.get_json()["errors"]}


# --- angkatan numbers -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(("value", "number"), [
    (2, 2), ("2", 2), ("02", 2), (" 7 ", 7), ("II", 2), ("ii", 2), ("VII", 7), ("vii", 7), ("XII", 12),
    ("Angkatan II", 2), ("angkatan 2", 2), ("ANGKATAN VI", 6), ("Angk. IV", 4), ("XL", 40), (3.0, 3),
])
def test_parse_angkatan_accepts_the_ways_files_write_it(value, number):
    assert parse_angkatan(value) == number


@pytest.mark.parametrize("value", [
    None, "", "  ", "0", 0, -1, "IIII", "IIV", "VV", "2a", "II-A", "Angkatan", "dua", 2.5, True, "1000", "１２", [2],
])
def test_parse_angkatan_refuses_anything_else(value):
    with pytest.raises(ValueError, match="angkatan"):
        parse_angkatan(value)


@pytest.mark.parametrize(("n", "roman"), [(1, "I"), (2, "II"), (4, "IV"), (6, "VI"), (7, "VII"), (9, "IX"),
                                          (14, "XIV"), (40, "XL"), (99, "XCIX"), (2024, "MMXXIV")])
def test_to_roman_round_trips_with_parse_angkatan(n, roman):
    assert to_roman(n) == roman
    if n <= 999:
        assert parse_angkatan(roman) == n


def test_to_roman_refuses_zero():
    with pytest.raises(ValueError):
        to_roman(0)


def test_cohort_label_reads_like_the_partners_write_it():
    assert cohort_label("PKA", 2, 2024) == "PKA Angkatan II 2024"
    assert cohort_label("PKP", 7, 2023) == "PKP Angkatan VII 2023"


# --- create ---------------------------------------------------------------------------------------------------


def test_malang_pka_angkatan_ii_2024_with_its_six_phases(client, malang, audited):
    resp = create(client, malang)
    assert resp.status_code == 201, resp.get_json()
    body = resp.get_json()
    assert body["label"] == "PKA Angkatan II 2024"
    assert (body["number"], body["year"], body["mode"], body["quota"]) == (2, 2024, "blended", 32)
    assert (body["start_date"], body["end_date"]) == ("2024-03-09", "2024-07-11")  # derived from the phases
    assert body["program"] == {"id": program_id(malang, "PKA"), "code": "PKA",
                               "name": "Pelatihan Kepemimpinan Administrator", "jp": 333}
    assert body["partner"]["code"] == "BPSDM-JATIM"
    assert body["enrolled"] == 0
    assert body["status_counts"] == {"registered": 0, "attending": 0, "passed": 0, "failed": 0, "withdrawn": 0}
    got = [{k: p[k] for k in ("name", "start_date", "end_date", "graded")} for p in body["phases"]]
    assert got == PKA_II_2024_PHASES
    assert [p["position"] for p in body["phases"]] == [1, 2, 3, 4, 5, 6]
    assert [e["action"] for e in audited] == ["cohort.create"]
    assert audited[0]["entity_id"] == body["id"] and len(audited[0]["after"]["phases"]) == 6

    again = client.get(api(malang, f"cohorts/{body['id']}"))
    assert again.status_code == 200
    assert again.get_json() == body


def test_cohort_number_may_be_an_integer_and_dates_may_be_given(client, malang):
    resp = create(client, malang, number=3, start_date="2024-03-01", end_date="2024-07-31", partner_id=None,
                  quota=None)
    assert resp.status_code == 201
    body = resp.get_json()
    assert (body["label"], body["start_date"], body["end_date"]) == ("PKA Angkatan III 2024", "2024-03-01",
                                                                     "2024-07-31")
    assert body["partner"] is None and body["quota"] is None


def test_cohort_without_phases_keeps_its_dates(client, malang):
    resp = create(client, malang, phases=[], start_date="2023-09-25", end_date="2023-10-04", mode="klasikal",
                  program_id=program_id(malang, "PKP"), number="Angkatan VI", year=2023)
    assert resp.status_code == 201
    body = resp.get_json()
    assert body["label"] == "PKP Angkatan VI 2023" and body["phases"] == []


def test_a_phase_may_start_the_day_after_the_previous_one_ends(client, malang):
    phases = [{"name": "A", "start_date": "2024-01-01", "end_date": "2024-01-10"},
              {"name": "B", "start_date": "2024-01-11", "end_date": "2024-01-11"}]
    resp = create(client, malang, phases=phases)
    assert resp.status_code == 201
    assert [p["graded"] for p in resp.get_json()["phases"]] == [False, False]


def test_overlapping_phases_are_422_naming_both(client, malang):
    phases = copy.deepcopy(PKA_II_2024_PHASES)
    phases[3]["start_date"] = "2024-04-20"  # Klasikal I starts on the last day of commitment building
    resp = create(client, malang, phases=phases)
    assert resp.status_code == 422
    errors = errors_of(resp)
    assert list(errors) == ["phases.3.start_date"]
    reason = errors["phases.3.start_date"]
    assert "tahap 4 (Klasikal I)" in reason and "tahap 3 (Commitment building)" in reason
    assert "2024-04-20" in reason


def test_a_phase_overlapping_a_non_neighbour_is_422(client, malang):
    phases = copy.deepcopy(PKA_II_2024_PHASES)
    phases[5].update(start_date="2024-03-10", end_date="2024-03-12")  # inside MOOC
    errors = errors_of(create(client, malang, phases=phases))
    assert "tahap 1 (MOOC)" in errors["phases.5.start_date"]


def test_phases_out_of_date_order_are_422(client, malang):
    phases = [{"name": "Klasikal", "start_date": "2024-02-01", "end_date": "2024-02-05"},
              {"name": "MOOC", "start_date": "2024-01-01", "end_date": "2024-01-10"}]
    resp = create(client, malang, phases=phases)
    assert resp.status_code == 422 and "urutan" in errors_of(resp)["phases.1.start_date"]


def test_a_phase_ending_before_it_starts_is_422(client, malang):
    phases = copy.deepcopy(PKA_II_2024_PHASES)
    phases[2].update(start_date="2024-04-20", end_date="2024-04-17")
    resp = create(client, malang, phases=phases)
    assert resp.status_code == 422
    assert list(errors_of(resp)) == ["phases.2.end_date"]


def test_phases_outside_the_cohort_dates_are_422(client, malang):
    resp = create(client, malang, start_date="2024-03-10", end_date="2024-07-10")
    assert resp.status_code == 422
    errors = errors_of(resp)
    assert set(errors) == {"phases.0.start_date", "phases.5.end_date"}
    assert "MOOC" in errors["phases.0.start_date"] and "Klasikal II" in errors["phases.5.end_date"]


def test_cohort_ending_before_it_starts_is_422(client, malang):
    resp = create(client, malang, phases=[], start_date="2024-07-11", end_date="2024-03-09")
    assert resp.status_code == 422 and list(errors_of(resp)) == ["end_date"]


def test_duplicate_program_year_number_is_409(client, malang):
    assert create(client, malang).status_code == 201
    resp = create(client, malang, number=2)
    assert resp.status_code == 409
    assert "PKA Angkatan II 2024" in resp.get_json()["detail"]
    assert create(client, malang, year=2025).status_code == 201  # another year is another cohort


@pytest.mark.parametrize(("overrides", "field"), [
    ({"program_id": 9999}, "program_id"),
    ({"partner_id": 9999}, "partner_id"),
    ({"program_id": "PKA"}, "program_id"),
    ({"number": 0}, "number"),
    ({"number": "IIII"}, "number"),
    ({"number": "Angkatan"}, "number"),
    ({"number": None}, "number"),
    ({"year": 1900}, "year"),
    ({"year": "2024"}, "year"),
    ({"mode": "daring"}, "mode"),
    ({"quota": 0}, "quota"),
    ({"start_date": "09/03/2024"}, "start_date"),
    ({"phases": [{"name": "MOOC", "start_date": "2024-03-09"}]}, "phases.0.end_date"),
    ({"phases": [{"start_date": "2024-03-09", "end_date": "2024-03-10"}]}, "phases.0.name"),
    ({"phases": [{"name": "X", "start_date": "2024-03-09", "end_date": "2024-03-10", "graded": "ya"}]},
     "phases.0.graded"),
])
def test_cohort_create_validation_errors_are_422(client, malang, overrides, field):
    resp = create(client, malang, **overrides)
    assert resp.status_code == 422
    assert field in errors_of(resp)


def test_cohort_create_requires_program_number_and_year(client, malang):
    resp = client.post(api(malang, "cohorts"), json={})
    assert resp.status_code == 422 and set(errors_of(resp)) == {"program_id", "number", "year"}


# --- read -----------------------------------------------------------------------------------------------------


def test_cohort_detail_counts_enrolments_per_status(client, malang):
    cohort = create(client, malang).get_json()
    people = make_employees(malang, 6)
    enrol(malang, cohort["id"], people[:3], "registered")
    enrol(malang, cohort["id"], people[3:5], "attending")
    enrol(malang, cohort["id"], people[5:], "withdrawn")
    body = client.get(api(malang, f"cohorts/{cohort['id']}")).get_json()
    assert body["status_counts"] == {"registered": 3, "attending": 2, "passed": 0, "failed": 0, "withdrawn": 1}
    assert body["enrolled"] == 5


def test_cohort_of_another_region_is_404(client, malang, serang):
    resp = create(client, serang)
    assert resp.status_code == 201
    serang_only = resp.get_json()["id"]
    assert client.get(api(malang, "cohorts")).get_json()["total"] == 0  # the id exists only in kab-serang
    for call in (client.get(api(malang, f"cohorts/{serang_only}")),
                 client.patch(api(malang, f"cohorts/{serang_only}"), json={"quota": 10}),
                 client.put(api(malang, f"cohorts/{serang_only}/phases"), json={"phases": []})):
        assert call.status_code == 404 and call.mimetype == "application/problem+json"
    assert client.get(api(serang, f"cohorts/{serang_only}")).status_code == 200


def test_cohorts_list_shows_program_partner_quota_and_seats_taken(client, malang):
    pka = create(client, malang).get_json()
    pkp = make_cohorts(malang, "PKP", 2, year=2023)
    people = make_employees(malang, 4)
    enrol(malang, pka["id"], people[:3])
    enrol(malang, pka["id"], people[3:], "withdrawn")
    resp = client.get(api(malang, "cohorts?sort=year"))
    assert resp.status_code == 200
    page = resp.get_json()
    assert page["total"] == 3
    assert [c["id"] for c in page["items"]] == [*pkp, pka["id"]]
    item = page["items"][-1]
    assert item["label"] == "PKA Angkatan II 2024" and item["enrolled"] == 3 and item["quota"] == 32
    assert item["program"]["code"] == "PKA" and item["program"]["jp"] == 333
    assert item["partner"] == {"id": partner_id(malang, "BPSDM-JATIM"), "code": "BPSDM-JATIM",
                               "name": "BPSDM Provinsi Jawa Timur"}
    assert "phases" not in item
    assert [c["label"] for c in page["items"][:2]] == ["PKP Angkatan I 2023", "PKP Angkatan II 2023"]


def test_cohorts_list_filters(client, malang):
    pka = create(client, malang).get_json()["id"]
    pkp = make_cohorts(malang, "PKP", 2, year=2023)
    lan = make_cohorts(malang, "ORIENTASI-PPPK", 1, year=2022, partner_code="LAN-RI")

    def ids(query):
        resp = client.get(api(malang, f"cohorts?{query}"))
        assert resp.status_code == 200
        return sorted(c["id"] for c in resp.get_json()["items"])

    assert ids(f"program_id={program_id(malang, 'PKP')}") == pkp
    assert ids("program_code=pka") == [pka]
    assert ids("year=2022") == lan
    assert ids(f"partner_id={partner_id(malang, 'LAN-RI')}") == lan
    assert ids("mode=blended") == [pka]
    assert ids("program_code=PKP&year=2024") == []


def test_cohorts_list_sorts(client, malang):
    pka = create(client, malang).get_json()["id"]
    pkp = make_cohorts(malang, "PKP", 2, year=2023)

    def ids(sort):
        return [c["id"] for c in client.get(api(malang, f"cohorts?sort={sort}")).get_json()["items"]]

    assert ids("-year") == [pka, *pkp]
    assert ids("-id") == sorted([pka, *pkp], reverse=True)
    assert ids("start_date") == [*pkp, pka]


@pytest.mark.parametrize("query", ["limit=0", "limit=201", "offset=-1", "sort=number", "year=abc",
                                   "mode=daring", "program_id=x"])
def test_cohorts_list_rejects_bad_arguments(client, malang, query):
    resp = client.get(api(malang, f"cohorts?{query}"))
    assert resp.status_code == 422 and resp.mimetype == "application/problem+json"


def test_cohorts_list_pages(client, malang):
    made = make_cohorts(malang, "PKP", 7)
    page = client.get(api(malang, "cohorts?sort=id&limit=3&offset=3")).get_json()
    assert (page["total"], page["limit"], page["offset"]) == (7, 3, 3)
    assert [c["id"] for c in page["items"]] == made[3:6]
    assert client.get(api(malang, "cohorts?offset=7")).get_json()["items"] == []


def test_cohorts_list_costs_the_same_queries_for_5_and_50_items(client, malang):
    lan = make_cohorts(malang, "ORIENTASI-PPPK", 30, partner_code="LAN-RI")
    bpsdm = make_cohorts(malang, "PKP", 30, partner_code="BPSDM-JATIM")
    people = make_employees(malang, 60)
    for i, cohort in enumerate(lan + bpsdm):
        enrol(malang, cohort, people[i:i + 1])
    client.get(api(malang, "cohorts?limit=5"))  # warm the tenant registry cache
    counts = {}
    for limit in (5, 50):
        with count_queries() as n:
            resp = client.get(api(malang, f"cohorts?limit={limit}&sort=id"))
        items = resp.get_json()["items"]
        assert len(items) == limit and all(c["enrolled"] == 1 and c["partner"] for c in items)
        counts[limit] = len(n)
    assert counts[5] == counts[50] <= 5 + AUTH_QUERIES


# --- patch ----------------------------------------------------------------------------------------------------


def test_cohort_patch_changes_mode_quota_partner_and_dates(client, malang, audited):
    cohort = create(client, malang).get_json()
    lan = partner_id(malang, "LAN-RI")
    resp = client.patch(api(malang, f"cohorts/{cohort['id']}"),
                        json={"mode": "klasikal", "quota": 40, "partner_id": lan, "start_date": "2024-03-01"})
    assert resp.status_code == 200
    body = resp.get_json()
    assert (body["mode"], body["quota"], body["partner"]["code"], body["start_date"], body["end_date"]) == (
        "klasikal", 40, "LAN-RI", "2024-03-01", "2024-07-11")
    assert len(body["phases"]) == 6
    assert audited[-1]["action"] == "cohort.update"
    assert audited[-1]["before"]["quota"] == 32 and audited[-1]["after"]["quota"] == 40
    cleared = client.patch(api(malang, f"cohorts/{cohort['id']}"), json={"quota": None, "partner_id": None})
    assert cleared.status_code == 200
    assert cleared.get_json()["quota"] is None and cleared.get_json()["partner"] is None


def test_cohort_quota_below_the_seats_taken_is_422(client, malang):
    cohort = create(client, malang).get_json()
    people = make_employees(malang, 5)
    enrol(malang, cohort["id"], people[:4])
    enrol(malang, cohort["id"], people[4:], "withdrawn")
    resp = client.patch(api(malang, f"cohorts/{cohort['id']}"), json={"quota": 3})
    assert resp.status_code == 422
    assert "(4)" in errors_of(resp)["quota"]
    assert client.patch(api(malang, f"cohorts/{cohort['id']}"), json={"quota": 4}).status_code == 200


def test_cohort_capacity_counts_seats_not_withdrawn(client, malang):
    cohort = create(client, malang).get_json()
    people = make_employees(malang, 5)
    enrol(malang, cohort["id"], people[:2], "attending")
    enrol(malang, cohort["id"], people[2:3], "failed")
    enrol(malang, cohort["id"], people[3:], "withdrawn")
    with tenant_context(malang):
        assert cohort_capacity(cohort["id"]) == (32, 3)
        assert cohort_capacity(cohort["id"], lock=True) == (32, 3)
        db.session.rollback()


@pytest.mark.parametrize(("body", "field"), [
    ({"start_date": "2024-03-15"}, "start_date"),  # MOOC starts on 9 Mar
    ({"end_date": "2024-07-01"}, "end_date"),  # Klasikal II ends on 11 Jul
    ({"start_date": "2024-08-01", "end_date": "2024-07-01"}, "end_date"),
    ({"partner_id": 9999}, "partner_id"),
    ({"quota": 0}, "quota"),
    ({"mode": "daring"}, "mode"),
    ({"number": 3}, "number"),
])
def test_cohort_patch_validation_errors_are_422(client, malang, body, field):
    cohort = create(client, malang).get_json()
    resp = client.patch(api(malang, f"cohorts/{cohort['id']}"), json=body)
    assert resp.status_code == 422
    assert field in errors_of(resp)


def test_cohort_unknown_id_is_404(client, malang):
    assert client.get(api(malang, "cohorts/999")).status_code == 404
    assert client.patch(api(malang, "cohorts/999"), json={"quota": 3}).status_code == 404
    assert client.put(api(malang, "cohorts/999/phases"), json={"phases": []}).status_code == 404


# --- replace phases ---------------------------------------------------------------------------------------------


def test_replace_phases_keeps_named_phases_and_reorders(client, malang, audited):
    cohort = create(client, malang).get_json()
    old = cohort["phases"]
    new = [{"id": p["id"], **{k: p[k] for k in ("name", "start_date", "end_date", "graded")}} for p in old[1:]]
    new[0]["name"] = "E-learning mandiri"
    new.insert(0, {"name": "MOOC ulang", "start_date": "2024-03-10", "end_date": "2024-03-20"})
    resp = client.put(api(malang, f"cohorts/{cohort['id']}/phases"), json={"phases": new})
    assert resp.status_code == 200, resp.get_json()
    phases = resp.get_json()["phases"]
    assert [p["name"] for p in phases] == ["MOOC ulang", "E-learning mandiri", "Commitment building", "Klasikal I",
                                           "Aksi perubahan", "Klasikal II"]
    assert [p["position"] for p in phases] == [1, 2, 3, 4, 5, 6]
    assert [p["id"] for p in phases[1:]] == [p["id"] for p in old[1:]]
    assert phases[0]["id"] not in {p["id"] for p in old}
    assert audited[-1]["action"] == "cohort.phases.replace"
    assert client.get(api(malang, f"cohorts/{cohort['id']}")).get_json()["phases"] == phases


def test_replace_phases_can_swap_positions(client, malang):
    cohort = create(client, malang, phases=[
        {"name": "A", "start_date": "2024-03-09", "end_date": "2024-03-10"},
        {"name": "B", "start_date": "2024-03-11", "end_date": "2024-03-12"}]).get_json()
    a, b = cohort["phases"]
    swapped = [{"id": b["id"], "name": "B", "start_date": "2024-03-09", "end_date": "2024-03-10"},
               {"id": a["id"], "name": "A", "start_date": "2024-03-11", "end_date": "2024-03-12"}]
    resp = client.put(api(malang, f"cohorts/{cohort['id']}/phases"), json={"phases": swapped})
    assert resp.status_code == 200
    assert [(p["id"], p["position"]) for p in resp.get_json()["phases"]] == [(b["id"], 1), (a["id"], 2)]


def test_replace_phases_validates_like_create(client, malang):
    cohort = create(client, malang).get_json()
    phases = copy.deepcopy(PKA_II_2024_PHASES)
    phases[1]["start_date"] = "2024-03-22"
    resp = client.put(api(malang, f"cohorts/{cohort['id']}/phases"), json={"phases": phases})
    assert resp.status_code == 422 and "tahap 1 (MOOC)" in errors_of(resp)["phases.1.start_date"]
    late = copy.deepcopy(PKA_II_2024_PHASES)
    late[5]["end_date"] = "2024-07-20"  # past the cohort's end (11 Jul)
    resp = client.put(api(malang, f"cohorts/{cohort['id']}/phases"), json={"phases": late})
    assert resp.status_code == 422 and list(errors_of(resp)) == ["phases.5.end_date"]
    missing = client.put(api(malang, f"cohorts/{cohort['id']}/phases"), json={})
    assert missing.status_code == 422 and "phases" in errors_of(missing)


def test_replace_phases_refuses_ids_of_other_cohorts(client, malang):
    first = create(client, malang).get_json()
    second = create(client, malang, number=3).get_json()
    foreign = dict(PKA_II_2024_PHASES[0], id=first["phases"][0]["id"])
    resp = client.put(api(malang, f"cohorts/{second['id']}/phases"), json={"phases": [foreign]})
    assert resp.status_code == 422 and list(errors_of(resp)) == ["phases.0.id"]
    own = second["phases"][0]["id"]
    twice = [dict(PKA_II_2024_PHASES[0], id=own), dict(PKA_II_2024_PHASES[1], id=own)]
    resp = client.put(api(malang, f"cohorts/{second['id']}/phases"), json={"phases": twice})
    assert resp.status_code == 422 and list(errors_of(resp)) == ["phases.1.id"]


def test_removing_a_phase_with_results_is_409(client, malang):
    cohort = create(client, malang).get_json()
    aksi = cohort["phases"][4]
    [enrolment] = enrol(malang, cohort["id"], make_employees(malang, 1), "attending")
    add_phase_result(malang, enrolment, aksi["id"])
    keep_all_but_aksi = [{"id": p["id"], **{k: p[k] for k in ("name", "start_date", "end_date", "graded")}}
                         for p in cohort["phases"] if p["id"] != aksi["id"]]
    resp = client.put(api(malang, f"cohorts/{cohort['id']}/phases"), json={"phases": keep_all_but_aksi})
    assert resp.status_code == 409 and "Aksi perubahan" in resp.get_json()["detail"]
    # without ids, every phase would be replaced: also refused
    resp = client.put(api(malang, f"cohorts/{cohort['id']}/phases"), json={"phases": PKA_II_2024_PHASES})
    assert resp.status_code == 409
    # removing a phase without results is fine
    keep_aksi = [p for p in keep_all_but_aksi if p["name"] != "MOOC"]
    keep_aksi.insert(3, {"id": aksi["id"], "name": aksi["name"], "start_date": aksi["start_date"],
                         "end_date": aksi["end_date"], "graded": True})
    resp = client.put(api(malang, f"cohorts/{cohort['id']}/phases"), json={"phases": keep_aksi})
    assert resp.status_code == 200
    assert [p["name"] for p in resp.get_json()["phases"]] == ["E-learning", "Commitment building", "Klasikal I",
                                                              "Aksi perubahan", "Klasikal II"]


def test_replace_phases_on_a_cohort_without_dates_derives_them(client, malang):
    cohort = create(client, malang, phases=[]).get_json()
    assert cohort["start_date"] is None
    resp = client.put(api(malang, f"cohorts/{cohort['id']}/phases"), json={"phases": PKA_II_2024_PHASES})
    assert resp.status_code == 200
    assert (resp.get_json()["start_date"], resp.get_json()["end_date"]) == ("2024-03-09", "2024-07-11")


def test_cohorts_are_listed_by_timing_as_of_today(client, malang):
    """`timing` (also the cohort list page's status filter): upcoming, running or finished on today's date."""
    from datetime import date, timedelta

    from tests.fixtures.factories import make_cohort

    today = date.today()
    ended = make_cohort(malang, start_date=today - timedelta(days=60), end_date=today - timedelta(days=1))
    running = make_cohort(malang, start_date=today, end_date=today + timedelta(days=5))
    later = make_cohort(malang, start_date=today + timedelta(days=1), end_date=today + timedelta(days=9))
    undated = make_cohort(malang)

    def ids(timing):
        resp = client.get(api(malang, f"cohorts?timing={timing}"))
        assert resp.status_code == 200, resp.get_json()
        return {c["id"] for c in resp.get_json()["items"]}

    assert ids("finished") == {ended["id"]}
    assert ids("running") == {running["id"]}
    assert ids("upcoming") == {later["id"], undated["id"]}
    assert client.get(api(malang, "cohorts?timing=kemarin")).status_code == 422

"""Regression tests for what the API fuzzer found (tests/reliability/test_api_fuzz.py), one per bug."""

from __future__ import annotations

import gc
import sys

import pytest

from app.web.inputs import PG_INT_MAX

API = "/t/kota-malang/api/v1"


def _problem(resp, status: int) -> dict:
    assert resp.status_code == status, resp.get_data(as_text=True)
    assert resp.content_type == "application/problem+json"
    return resp.get_json()


@pytest.mark.parametrize("path", ["/cohorts/7790818344085572", "/opds/2147483648", "/users/99999999999/sessions",
                                  "/imports/406114558513331765248/errors", "/reports/cohorts/36902878471872/roster"])
def test_an_id_beyond_postgresql_integer_is_not_found_not_a_server_error(client, tenants, path):
    body = _problem(client.get(API + path), 404)
    assert body["status"] == 404


def test_the_largest_integer_id_is_still_routed(client, tenants):
    assert client.get(f"{API}/opds/{PG_INT_MAX}").status_code == 404  # routed to the view: "OPD not found"
    assert "tidak ditemukan" in client.get(f"{API}/opds/{PG_INT_MAX}").get_json()["detail"]


def test_a_nul_character_in_a_query_is_a_422_naming_the_field(client, tenants):
    body = _problem(client.get(f"{API}/opds", query_string={"q": "a\x00b"}), 422)
    assert body["errors"] == [{"field": "q", "reason": "teks tidak boleh berisi karakter NUL (\\u0000)",
                               "location": "query"}]


def test_a_nul_character_in_a_json_body_is_a_422_naming_the_field(client, tenants):
    body = _problem(client.post(f"{API}/opds", json={"name": "Dinas\x00Uji"}), 422)
    assert [e["field"] for e in body["errors"]] == ["name"]


def test_an_integer_too_large_in_a_query_is_a_422(client, tenants):
    body = _problem(client.get(f"{API}/reports/jp-compliance",
                               query_string={"year": 2024, "opd_id": 793645261551154}), 422)
    assert [e["field"] for e in body["errors"]] == ["opd_id"]


def test_an_integer_too_large_inside_a_list_is_a_422_naming_its_position(client, tenants):
    body = _problem(client.post(f"{API}/users", json={"username": "operator-baru", "full_name": "Operator Baru",
                                                       "role": "operator", "opd_ids": [5, -(2**100)]}), 422)
    assert [e["field"] for e in body["errors"]] == ["opd_ids.1"]


@pytest.mark.parametrize(("path", "body"), [
    ("/programs", {"code": "UJI-1", "name": "\x1d\u00ed", "program_type": "pppk_orientation",
                   "competency_type": "manajerial", "jp": 10}),
    ("/partners", {"code": "UJI-2", "name": "\u00ed ", "kind": "bpsdm"}),
    ("/opds", {"name": "  X  "}),
])
def test_a_name_is_checked_for_length_after_its_spaces_are_stripped(client, tenants, path, body):
    errors = _problem(client.post(API + path, json=body), 422)["errors"]
    assert [e["field"] for e in errors] == ["name"]


def test_a_name_with_surrounding_spaces_is_stored_stripped(client, tenants):
    resp = client.post(f"{API}/opds", json={"name": "  Dinas Uji  "})
    assert resp.status_code == 201 and resp.get_json()["name"] == "Dinas Uji"


def test_the_openapi_document_describes_errors_as_problem_documents(client, tenants):
    doc = client.get(f"{API}/openapi.json").get_json()
    for name in ("UNPROCESSABLE_ENTITY", "DEFAULT_ERROR"):
        content = doc["components"]["responses"][name]["content"]
        assert list(content) == ["application/problem+json"], name
    problem = doc["components"]["schemas"]["Problem"]
    assert problem["properties"]["status"]["type"] == "integer"
    assert set(problem["required"]) == {"type", "title", "status"}
    params = doc["paths"]["/t/{tenant_slug}/api/v1/opds/{opd_id}"]["parameters"]
    param = next(p for p in params if p["name"] == "opd_id")
    assert param["schema"]["maximum"] == PG_INT_MAX


def test_score_bounds_are_numbers_in_the_openapi_document(client, tenants):
    text = client.get(f"{API}/openapi.json").get_data(as_text=True)
    assert '"100.00"' not in text


def test_a_download_closes_its_file_once_the_response_is_closed(client, tenants):
    leaks: list = []
    hook, sys.unraisablehook = sys.unraisablehook, leaks.append
    try:
        resp = client.get(f"{API}/reports/training-recap", query_string={"year": 2024, "format": "xlsx"},
                          buffered=False)
        assert resp.status_code == 200
        resp.get_data()
        resp.close()  # what the WSGI server does after sending it
        del resp
        gc.collect()
    finally:
        sys.unraisablehook = hook
    assert not leaks


def test_the_import_error_report_documents_its_csv_and_xlsx_bodies(client, tenants):
    doc = client.get(f"{API}/openapi.json").get_json()
    content = doc["paths"]["/t/{tenant_slug}/api/v1/imports/{run_id}/errors"]["get"]["responses"]["200"]["content"]
    assert {"application/json", "text/csv",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"} <= set(content)


def test_an_unknown_member_with_an_empty_name_is_named_in_the_422(client, tenants):
    errors = _problem(client.post(f"{API}/opds", json={"name": "Dinas Uji", "": 1}), 422)["errors"]
    assert errors == [{"field": '""', "reason": "Unknown field.", "location": "json"}]


def test_a_name_longer_than_documented_is_refused_even_if_it_fits_once_stripped(client, tenants):
    body = {"username": "operator-dua", "full_name": " " * 10 + "x" * 195, "role": "operator"}
    errors = _problem(client.post(f"{API}/users", json=body), 422)["errors"]
    assert [e["field"] for e in errors] == ["full_name"]

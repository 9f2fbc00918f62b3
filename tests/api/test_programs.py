"""The catalogue API: partners and programs."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models.catalogue import Partner, Program
from app.problems import Problem
from app.services.catalogue.programs import insert_unique
from app.tenancy import tenant_context
from tests.fixtures.auth import AUTH_QUERIES
from tests.fixtures.factories import api, count_queries, ids_of, partner_id, program_id


def new_program(**overrides) -> dict:
    return {"code": "PK-KASI-PEM", "name": "Peningkatan Kapasitas Kasi Pemerintahan", "program_type": "technical",
            "competency_type": "teknis", "jp": 64, **overrides}


def fields_of(resp) -> set[str]:
    assert resp.mimetype == "application/problem+json"
    return {e["field"] for e in resp.get_json()["errors"]}


# --- partners ---------------------------------------------------------------------------------------------


def test_partners_list_shows_lan_and_the_regions_own_partner(client, malang):
    resp = client.get(api(malang, "partners"))
    assert resp.status_code == 200
    body = resp.get_json()
    assert [p["code"] for p in body["items"]] == ["BPSDM-JATIM", "LAN-RI"]
    assert body["total"] == 2 and body["limit"] == 50 and body["offset"] == 0


def test_partners_list_filters_by_kind_and_q(client, malang):
    assert [p["code"] for p in client.get(api(malang, "partners?kind=lan")).get_json()["items"]] == ["LAN-RI"]
    assert [p["code"] for p in client.get(api(malang, "partners?q=jawa timur")).get_json()["items"]] == [
        "BPSDM-JATIM"]


def test_partners_list_pagination_bounds(client, malang):
    assert client.get(api(malang, "partners?limit=0")).status_code == 422
    assert client.get(api(malang, "partners?limit=201")).status_code == 422
    assert client.get(api(malang, "partners?offset=-1")).status_code == 422
    assert client.get(api(malang, "partners?sort=name")).status_code == 422
    page = client.get(api(malang, "partners?limit=1&offset=1")).get_json()
    assert page["total"] == 2 and [p["code"] for p in page["items"]] == ["LAN-RI"]
    assert client.get(api(malang, "partners?offset=10")).get_json()["items"] == []


def test_partner_get_by_id(client, malang):
    pid = partner_id(malang, "LAN-RI")
    resp = client.get(api(malang, f"partners/{pid}"))
    assert resp.status_code == 200
    assert resp.get_json() == {"id": pid, "code": "LAN-RI", "kind": "lan", "active": True,
                               "name": "Lembaga Administrasi Negara Republik Indonesia"}


def test_partner_of_another_region_is_404(client, malang, serang):
    resp = client.post(api(serang, "partners"), json={"code": "LMS-BANTEN", "name": "Banten Ceria", "kind": "other"})
    assert resp.status_code == 201
    serang_only = resp.get_json()["id"]
    assert serang_only not in ids_of(malang, Partner).values()
    resp = client.get(api(malang, f"partners/{serang_only}"))
    assert resp.status_code == 404 and resp.mimetype == "application/problem+json"


def test_partner_create_upper_cases_the_code_and_audits(client, malang, audited):
    resp = client.post(api(malang, "partners"), json={"code": " bpsdm-jambi ", "name": "BPSDM Jambi", "kind": "bpsdm"})
    assert resp.status_code == 201
    body = resp.get_json()
    assert body["code"] == "BPSDM-JAMBI" and body["active"] is True
    assert [(e["action"], e["entity_id"]) for e in audited] == [("partner.create", body["id"])]
    assert audited[0]["after"]["code"] == "BPSDM-JAMBI"


def test_partner_duplicate_code_is_409(client, malang):
    resp = client.post(api(malang, "partners"), json={"code": "lan-ri", "name": "LAN lagi", "kind": "lan"})
    assert resp.status_code == 409 and fields_of(resp) == {"code"}


@pytest.mark.parametrize(("body", "field"), [
    ({"code": "X", "name": "Satu huruf", "kind": "other"}, "code"),
    ({"code": "BAD CODE", "name": "Spasi", "kind": "other"}, "code"),
    ({"code": "OK-1", "name": "Jenis salah", "kind": "university"}, "kind"),
    ({"code": "OK-1", "kind": "other"}, "name"),
    ({"code": "OK-1", "name": "Tambahan", "kind": "other", "extra": 1}, "extra"),
])
def test_partner_create_validation_errors_are_422(client, malang, body, field):
    resp = client.post(api(malang, "partners"), json=body)
    assert resp.status_code == 422 and field in fields_of(resp)


# --- programs: reads ---------------------------------------------------------------------------------------


def test_programs_list_shows_the_seeded_catalogue_with_providers(client, malang):
    resp = client.get(api(malang, "programs"))
    assert resp.status_code == 200
    items = {p["code"]: p for p in resp.get_json()["items"]}
    assert list(items) == sorted(items)  # default sort: code
    assert items["PKA"]["jp"] == 333 and items["PKA"]["provider"] is None
    lan = partner_id(malang, "LAN-RI")
    assert items["PKN-I"]["provider"] == {"id": lan, "code": "LAN-RI",
                                          "name": "Lembaga Administrasi Negara Republik Indonesia"}
    assert items["PKN-I"]["provider_partner_id"] == lan


@pytest.mark.parametrize(("query", "codes"), [
    ("program_type=pka", ["PKA"]),
    ("competency_type=sosial_kultural", ["LATSAR-CPNS", "ORIENTASI-PPPK"]),
    ("q=kepemimpinan&sort=-code", ["PKP", "PKN-II", "PKN-I", "PKA"]),
    ("q=pkn", ["PKN-I", "PKN-II"]),
    ("q=100%25", []),
    ("active=false", []),
    ("sort=name&program_type=pkn", ["PKN-I", "PKN-II"]),
])
def test_programs_list_filters_and_sorts(client, malang, query, codes):
    resp = client.get(api(malang, f"programs?{query}"))
    assert resp.status_code == 200
    assert [p["code"] for p in resp.get_json()["items"]] == codes


@pytest.mark.parametrize("query", ["limit=0", "limit=201", "offset=-1", "sort=jp", "program_type=mooc",
                                   "competency_type=x", "active=maybe"])
def test_programs_list_rejects_bad_arguments(client, malang, query):
    resp = client.get(api(malang, f"programs?{query}"))
    assert resp.status_code == 422 and resp.mimetype == "application/problem+json"


def test_programs_list_pages(client, malang):
    page = client.get(api(malang, "programs?limit=2&offset=4")).get_json()
    assert page["total"] == 6 and page["limit"] == 2 and page["offset"] == 4
    assert [p["code"] for p in page["items"]] == ["PKN-II", "PKP"]
    assert client.get(api(malang, "programs?offset=6")).get_json()["items"] == []


def test_programs_list_costs_the_same_queries_for_5_and_50_items(client, malang):
    partners = [client.post(api(malang, "partners"), json={"code": f"MITRA-{i}", "name": f"Mitra {i}",
                                                          "kind": "other"}).get_json()["id"] for i in range(10)]
    for i in range(50):
        resp = client.post(api(malang, "programs"), json=new_program(code=f"TEKNIS-{i:02d}", name=f"Teknis {i}",
                                                                    provider_partner_id=partners[i % 10]))
        assert resp.status_code == 201
    client.get(api(malang, "programs?limit=5"))  # warm the tenant registry cache
    counts = {}
    for limit in (5, 50):
        with count_queries() as n:
            resp = client.get(api(malang, f"programs?limit={limit}&q=teknis"))
        assert len(resp.get_json()["items"]) == limit
        assert all(p["provider"]["code"].startswith("MITRA-") for p in resp.get_json()["items"])
        counts[limit] = len(n)
    assert counts[5] == counts[50] <= 3 + AUTH_QUERIES


def test_program_get_by_id(client, malang):
    pid = program_id(malang, "PKA")
    resp = client.get(api(malang, f"programs/{pid}"))
    assert resp.status_code == 200
    assert resp.get_json()["code"] == "PKA" and resp.get_json()["provider"] is None


def test_program_of_another_region_is_404(client, malang, serang):
    resp = client.post(api(serang, "programs"), json=new_program(code="LMS-BANTEN-CERIA"))
    serang_only = resp.get_json()["id"]
    assert serang_only not in ids_of(malang, Program).values()
    assert client.get(api(malang, f"programs/{serang_only}")).status_code == 404
    assert client.patch(api(malang, f"programs/{serang_only}"), json={"jp": 10}).status_code == 404


# --- programs: writes --------------------------------------------------------------------------------------


def test_program_create_run_by_the_region(client, malang, audited):
    resp = client.post(api(malang, "programs"), json=new_program(code="pk-kasi-pem"))
    assert resp.status_code == 201
    body = resp.get_json()
    assert body["code"] == "PK-KASI-PEM" and body["provider"] is None and body["provider_partner_id"] is None
    assert body["jp"] == 64 and body["active"] is True
    assert audited[-1]["action"] == "program.create" and audited[-1]["after"]["code"] == "PK-KASI-PEM"
    assert client.get(api(malang, f"programs/{body['id']}")).get_json() == body


def test_program_create_run_by_a_partner(client, malang):
    bpsdm = partner_id(malang, "BPSDM-JATIM")
    resp = client.post(api(malang, "programs"), json=new_program(code="MOOC-ASN", program_type="elearning",
                                                                competency_type="manajerial", jp=20,
                                                                provider_partner_id=bpsdm))
    assert resp.status_code == 201
    assert resp.get_json()["provider"] == {"id": bpsdm, "code": "BPSDM-JATIM", "name": "BPSDM Provinsi Jawa Timur"}


def test_program_duplicate_code_is_409_whatever_the_case(client, malang):
    resp = client.post(api(malang, "programs"), json=new_program(code="pka"))
    assert resp.status_code == 409 and fields_of(resp) == {"code"}


def test_program_with_unknown_provider_is_422(client, malang):
    resp = client.post(api(malang, "programs"), json=new_program(provider_partner_id=9999))
    assert resp.status_code == 422 and fields_of(resp) == {"provider_partner_id"}


@pytest.mark.parametrize(("overrides", "field"), [
    ({"code": "P"}, "code"),
    ({"code": "PK_KASI"}, "code"),
    ({"code": "X" * 41}, "code"),
    ({"name": ""}, "name"),
    ({"program_type": "mooc"}, "program_type"),
    ({"competency_type": "umum"}, "competency_type"),
    ({"jp": 0}, "jp"),
    ({"jp": -5}, "jp"),
    ({"jp": 12.5}, "jp"),
    ({"jp": "20"}, "jp"),
    ({"provider_partner_id": "LAN-RI"}, "provider_partner_id"),
])
def test_program_create_validation_errors_are_422(client, malang, overrides, field):
    resp = client.post(api(malang, "programs"), json=new_program(**overrides))
    assert resp.status_code == 422 and field in fields_of(resp)


def test_program_create_requires_every_field(client, malang):
    resp = client.post(api(malang, "programs"), json={})
    assert resp.status_code == 422
    assert fields_of(resp) == {"code", "name", "program_type", "competency_type", "jp"}


def test_program_patch_changes_only_what_is_given(client, malang, audited):
    pid = program_id(malang, "PKN-I")
    resp = client.patch(api(malang, f"programs/{pid}"), json={"jp": 520, "provider_partner_id": None,
                                                              "name": " PKN Tingkat I "})
    assert resp.status_code == 200
    body = resp.get_json()
    assert (body["jp"], body["provider"], body["name"], body["code"]) == (520, None, "PKN Tingkat I", "PKN-I")
    assert audited[-1]["action"] == "program.update"
    assert audited[-1]["before"]["jp"] == 519 and audited[-1]["after"]["jp"] == 520


def test_program_patch_deactivates_and_renames_code(client, malang):
    pid = program_id(malang, "PKP")
    resp = client.patch(api(malang, f"programs/{pid}"), json={"active": False, "code": "pkp-2024"})
    assert resp.status_code == 200 and resp.get_json()["code"] == "PKP-2024"
    assert [p["code"] for p in client.get(api(malang, "programs?active=false")).get_json()["items"]] == ["PKP-2024"]


def test_program_patch_to_an_existing_code_is_409(client, malang):
    pid = program_id(malang, "PKP")
    resp = client.patch(api(malang, f"programs/{pid}"), json={"code": "PKA"})
    assert resp.status_code == 409 and fields_of(resp) == {"code"}
    # keeping its own code is no conflict
    assert client.patch(api(malang, f"programs/{pid}"), json={"code": "PKP"}).status_code == 200


@pytest.mark.parametrize(("body", "field"), [
    ({"provider_partner_id": 9999}, "provider_partner_id"),
    ({"jp": 0}, "jp"),
    ({"program_type": "x"}, "program_type"),
    ({"provider": {"id": 1}}, "provider"),
])
def test_program_patch_validation_errors_are_422(client, malang, body, field):
    resp = client.patch(api(malang, f"programs/{program_id(malang, 'PKA')}"), json=body)
    assert resp.status_code == 422 and field in fields_of(resp)


def test_program_unknown_id_is_404(client, malang):
    assert client.get(api(malang, "programs/424242")).status_code == 404
    assert client.patch(api(malang, "programs/424242"), json={"jp": 1}).status_code == 404


def test_a_code_taken_between_check_and_insert_is_409_not_500(malang):
    """The unique index backs the pre-check: a concurrent insert of the same code is a 409 conflict."""
    with tenant_context(malang):
        with pytest.raises(Problem) as caught:
            insert_unique(Partner(code="LAN-RI", name="Balapan", kind="lan"), Problem(409, "Conflict"))
        assert caught.value.status == 409
        assert db.session.execute(sa.select(sa.func.count()).select_from(Partner)).scalar_one() == 2
        db.session.rollback()


def test_openapi_documents_the_catalogue_and_cohort_paths(client, malang):
    paths = client.get(api(malang, "openapi.json")).get_json()["paths"]
    prefix = "/t/{tenant_slug}/api/v1"
    for path, methods in {"/partners": {"get", "post"}, "/partners/{partner_id}": {"get"},
                          "/programs": {"get", "post"}, "/programs/{program_id}": {"get", "patch"},
                          "/cohorts": {"get", "post"}, "/cohorts/{cohort_id}": {"get", "patch"},
                          "/cohorts/{cohort_id}/phases": {"put"}}.items():
        assert methods <= set(paths[prefix + path]), path

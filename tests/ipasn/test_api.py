"""The IP ASN API and pages as the region's people drive them: the report (JSON, CSV, XLSX), who lacks what, one's
own items, and the admin's weights, exemptions and program mapping (audited)."""

from __future__ import annotations

import io

import openpyxl
import sqlalchemy as sa

from app.extensions import db
from app.models.audit import AuditEntry
from app.models.employees import Employee, JpEntry
from app.tenancy import tenant_context
from tests.fixtures.factories import api
from tests.ipasn.conftest import YEAR
from tests.web.conftest import browser_for  # noqa: F401 (fixture)


def _auth(token_for, tenant, role, **kw) -> dict:
    return {"Authorization": f"Bearer {token_for(tenant, role, **kw)}"}


def _audit(tenant, action: str) -> list[AuditEntry]:
    with tenant_context(tenant):
        return list(db.session.execute(sa.select(AuditEntry).where(AuditEntry.action == action)).scalars())


def _nip(tenant, employee_id: int) -> str:
    with tenant_context(tenant):
        return db.session.get(Employee, employee_id).nip


def test_the_report_and_people_lists_as_json_csv_and_xlsx(client, people, token_for):
    staff = people.employee("Pelaksana Api", "Pengadministrasi", "pelaksana")
    people.line(staff, 18, "technical")
    people.line(staff, 4, "seminar")
    headers = _auth(token_for, people.tenant, "viewer")
    base = f"year={YEAR}&opd_id={people.opd_id}"

    resp = client.get(api(people.tenant, f"/ipasn/report?{base}"), headers=headers)
    assert resp.status_code == 200, resp.get_json()
    body = resp.get_json()
    assert body["overall"]["assessed"] == 1 and body["overall"]["average_score"] == 15.0
    assert body["one_away"][0]["item"] == "technical"

    resp = client.get(api(people.tenant, f"/ipasn/people?{base}&missing=technical"), headers=headers)
    person = resp.get_json()["items"][0]
    assert person["employee_id"] == staff and person["items"]["technical"]["jp"] == 18
    assert client.get(api(people.tenant, f"/ipasn/people?{base}&missing=nothing"), headers=headers).status_code == 422

    resp = client.get(api(people.tenant, f"/ipasn/report?{base}&format=csv&part=people&one_away=true"),
                      headers=headers, buffered=True)
    assert resp.status_code == 200 and resp.mimetype == "text/csv"
    text = resp.get_data().decode("utf-8-sig")
    assert _nip(people.tenant, staff) in text and "technical" in text and "Skor kompetensi" in text

    resp = client.get(api(people.tenant, f"/ipasn/report?{base}&format=xlsx"), headers=headers, buffered=True)
    sheet = openpyxl.load_workbook(io.BytesIO(resp.get_data()), read_only=True).worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    assert "Rata-rata skor" in rows[0] and [r[1] for r in rows[1:]] == [1]  # one OPD, one ASN assessed

    nip = _nip(people.tenant, staff)
    resp = client.get(api(people.tenant, f"/ipasn/employees/{nip}?year={YEAR}"), headers=headers)
    assert resp.status_code == 200 and resp.get_json()["score"] == 15


def test_an_operator_of_another_opd_sees_neither_the_opd_nor_its_people(client, people, token_for, make_opd):
    staff = people.employee("Pelaksana Lain", "Pengadministrasi", "pelaksana")
    other = make_opd(people.tenant)
    headers = _auth(token_for, people.tenant, "operator", opd_ids=[other["id"]])
    resp = client.get(api(people.tenant, f"/ipasn/report?year={YEAR}&opd_id={people.opd_id}"), headers=headers)
    assert resp.status_code == 404
    resp = client.get(api(people.tenant, f"/ipasn/people?year={YEAR}"), headers=headers)
    assert staff not in [p["employee_id"] for p in resp.get_json()["items"]]
    nip = _nip(people.tenant, staff)
    assert client.get(api(people.tenant, f"/ipasn/employees/{nip}?year={YEAR}"), headers=headers).status_code == 404


def test_an_admin_sets_a_years_weights_audited_and_a_sum_above_40_is_refused(client, malang, token_for):
    admin = _auth(token_for, malang, "admin")
    url = api(malang, "/ipasn/weights/2025/pelaksana")
    resp = client.put(url, json={"leadership": 0, "functional": 0, "technical": 30, "seminar": 11}, headers=admin)
    assert resp.status_code == 422
    assert any(e["field"] == "seminar" for e in resp.get_json()["errors"])
    resp = client.put(url, json={"leadership": 0, "functional": 0, "technical": 30, "seminar": 10,
                                 "source": "SE Kepala BKN (uji)"}, headers=admin)
    assert resp.status_code == 200, resp.get_json()
    assert resp.get_json()["total"] == 40
    entries = _audit(malang, "ipasn.weights.set")
    assert [(e.entity_id, e.after["technical"], e.before) for e in entries] == [("2025/pelaksana", 30, None)]
    listed = client.get(api(malang, "/ipasn/weights?year=2026"), headers=admin).get_json()["items"]
    assert {w["post_kind"]: (w["year"], w["technical"]) for w in listed}["pelaksana"] == (2025, 30)
    viewer = _auth(token_for, malang, "viewer")
    assert client.put(url, json={"leadership": 0, "functional": 0, "technical": 1, "seminar": 1},
                      headers=viewer).status_code == 403


def test_exemption_keywords_are_data_the_admin_keeps(client, people, token_for):
    admin = _auth(token_for, people.tenant, "admin")
    vet = people.employee("Medik Veteriner", "Medik Veteriner Ahli Pertama", "fungsional")
    keywords = [x["keyword"] for x in client.get(api(people.tenant, "/ipasn/exemptions"),
                                                 headers=admin).get_json()["items"]]
    assert set(keywords) >= {"dokter", "guru", "apoteker", "perawat", "bidan", "asesor", "psikolog"}
    resp = client.post(api(people.tenant, "/ipasn/exemptions"), json={"keyword": " Veteriner "}, headers=admin)
    assert resp.status_code == 201 and resp.get_json()["keyword"] == "veteriner"
    nip = _nip(people.tenant, vet)
    got = client.get(api(people.tenant, f"/ipasn/employees/{nip}?year={YEAR}"), headers=admin).get_json()
    assert got["items"]["functional"]["status"] == "exempt"
    assert client.post(api(people.tenant, "/ipasn/exemptions"), json={"keyword": "veteriner"},
                       headers=admin).status_code == 409
    resp = client.delete(api(people.tenant, f"/ipasn/exemptions/{resp.get_json()['id']}"), headers=admin)
    assert resp.status_code == 204
    assert [e.before["keyword"] for e in _audit(people.tenant, "ipasn.exemption.delete")] == ["veteriner"]


def test_mapping_a_program_relabels_its_lines_already_in_the_ledger(client, people, token_for):
    admin = _auth(token_for, people.tenant, "admin")
    staff = people.employee("Pelaksana Peta", "Pengadministrasi", "pelaksana")
    program_id = people.program("WS-UJI", "technical", 8)
    enrolment = people.passed(staff, "WS-UJI", 8)
    assert people.jp_line_of(enrolment).activity_kind == "technical"
    resp = client.put(api(people.tenant, f"/ipasn/programs/{program_id}/mapping"),
                      json={"activity_kind": "seminar"}, headers=admin)
    assert resp.status_code == 200, resp.get_json()
    assert resp.get_json()["lines_relabelled"] == 1
    assert people.jp_line_of(enrolment).activity_kind == "seminar"
    assert [e.after["activity_kind"] for e in _audit(people.tenant, "ipasn.program.map")] == ["seminar"]
    resp = client.put(api(people.tenant, f"/ipasn/programs/{program_id}/mapping"),
                      json={"activity_kind": "technical", "leadership_level": "PKA"}, headers=admin)
    assert resp.status_code == 422


def test_the_database_refuses_an_unknown_activity_kind(people):
    staff = people.employee("Pelaksana Cek", "Pengadministrasi", "pelaksana")
    import pytest
    from sqlalchemy.exc import IntegrityError

    with pytest.raises(IntegrityError, match="ck_jp_entries_activity_kind"):
        people.line(staff, 5, "hiburan")
    with tenant_context(people.tenant):
        db.session.rollback()
        assert db.session.execute(sa.select(sa.func.count()).select_from(JpEntry)
                                  .where(JpEntry.employee_id == staff)).scalar_one() == 0


def test_an_employee_sees_their_own_items_and_staff_see_the_pages(client, people, token_for, browser_for):  # noqa: F811
    staff = people.employee("Pelaksana Saya", "Pengadministrasi", "pelaksana")
    people.line(staff, 25, "technical")
    nip = _nip(people.tenant, staff)
    me = browser_for(people.tenant, "employee", nip=nip)
    resp = me.get(f"/api/v1/me/ipasn?year={YEAR}")
    assert resp.status_code == 200, resp.get_data(as_text=True)
    body = resp.get_json()
    assert body["assessed"] is True and body["person"]["score"] == 25
    assert body["person"]["items"]["technical"]["evidence"][0]["jp"] == 25

    page = me.get(f"/saya/ipasn?year={YEAR}")
    assert page.status_code == 200 and "Kursus 25 JP" in page.get_data(as_text=True)

    viewer = browser_for(people.tenant, "viewer")
    page = viewer.get(f"/ipasn?year={YEAR}&opd_id={people.opd_id}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "Dimensi kompetensi IP ASN" in html and "Pelaksana Saya" in html
    assert viewer.get("/ipasn/bobot").status_code == 200
    assert viewer.post("/ipasn/bobot", {"year": "2025", "post_kind": "jpt"}).status_code == 403

    admin = browser_for(people.tenant, "admin")
    resp = admin.post("/ipasn/bobot", {"year": "2027", "post_kind": "jpt", "leadership": "20", "functional": "0",
                                       "technical": "10", "seminar": "10"})
    assert resp.status_code == 303
    page = admin.get("/ipasn/bobot?year=2027").get_data(as_text=True)
    assert "Ubah bobot" in page
    resp = admin.post("/ipasn/bobot", {"year": "2027", "post_kind": "jpt", "leadership": "30", "functional": "0",
                                       "technical": "10", "seminar": "10"})
    assert resp.status_code == 422 and "paling banyak 40" in resp.get_data(as_text=True)


def test_with_the_demo_data_the_pages_show_figures_and_never_print_none(malang, browser_for):  # noqa: F811
    from tests.reconciliation.conftest import seed_demo

    seed_demo()
    viewer = browser_for(malang, "viewer")
    for path in (f"/ipasn?year={YEAR}", "/ipasn/bobot"):
        page = viewer.get(path)
        html = page.get_data(as_text=True)
        assert page.status_code == 200, path
        assert ">None<" not in html and " None " not in html and "None</" not in html, path
    with tenant_context(malang):
        from app.services.ipasn import report

        assert report.region_report(YEAR)["overall"]["assessed"] > 0

"""Bulk enrolment's `verified_need` filter: a verified need for the cohort's program in the cohort's year — one's
own, one merged into a verified need, or one's position's in one's OPD; not a submitted or rejected one, not
another program's or another year's. The roster page offers the same pick."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from app.domain.dates import today_wib
from app.extensions import db
from app.models.employees import Employee
from app.tenancy import tenant_context
from tests.fixtures.factories import api, make_cohort, make_employee, make_opd, program_id
from tests.web.conftest import text_of


def _need(client, malang, year, **body) -> int:
    resp = client.post(api(malang, f"/planning/rounds/{year}/needs"), json={
        "gap": "Kepemimpinan", "kind": "manajerial", "reason": "Pengawas baru", **body})
    assert resp.status_code == 201, resp.get_json()
    return resp.get_json()["id"]


def _decide(client, malang, need_id, decision, **body) -> None:
    resp = client.post(api(malang, f"/planning/needs/{need_id}/decision"), json={"decision": decision, **body})
    assert resp.status_code == 200, resp.get_json()


def test_the_filter_picks_exactly_the_people_with_a_verified_need(client, malang, browser_for):
    year = today_wib().year + 3
    assert client.post(api(malang, "/planning/rounds"), json={
        "year": year, "deadline": str(today_wib() + timedelta(days=5))}).status_code == 201
    assert client.post(api(malang, "/planning/rounds"), json={
        "year": year + 1, "deadline": str(today_wib() + timedelta(days=5))}).status_code == 201
    opd, other_opd = make_opd(malang, "Dinas Saring Uji"), make_opd(malang, "Dinas Saring Lain")
    pkp, pka = program_id(malang, "PKP"), program_id(malang, "PKA")
    own, merged, by_position, submitted, rejected, other_program, other_year, elsewhere = (
        make_employee(malang, opd_id=opd["id"], name=f"Saring {n}") for n in range(8))
    with tenant_context(malang):  # a position's holders: jabatan "Kepala Seksi" in the OPD (and one elsewhere)
        db.session.execute(sa.update(Employee).where(Employee.id.in_([by_position["id"], elsewhere["id"]]))
                           .values(jabatan="Kepala Seksi"))
        db.session.execute(sa.update(Employee).where(Employee.id == elsewhere["id"]).values(opd_id=other_opd["id"]))
        db.session.commit()
    _decide(client, malang, _need(client, malang, year, employee_nip=own["nip"], program_id=pkp), "verify")
    target = _need(client, malang, year, position_name="Kepala Seksi", people=3, opd_id=opd["id"], program_id=pkp)
    _decide(client, malang, target, "verify")
    _decide(client, malang, _need(client, malang, year, employee_nip=merged["nip"], program_id=pkp), "merge",
            merged_into_id=target, note="Sudah termasuk kebutuhan jabatan")
    _need(client, malang, year, employee_nip=submitted["nip"], program_id=pkp)
    _decide(client, malang, _need(client, malang, year, employee_nip=rejected["nip"], program_id=pkp), "reject",
            note="Sudah pernah")
    _decide(client, malang, _need(client, malang, year, employee_nip=other_program["nip"], program_id=pka), "verify")
    _decide(client, malang, _need(client, malang, year + 1, employee_nip=other_year["nip"], program_id=pkp),
            "verify")
    cohort = make_cohort(malang, program_code="PKP", year=year, quota=None)

    preview = client.post(api(malang, f"/cohorts/{cohort['id']}/enrolments/bulk"),
                          json={"filters": {"verified_need": True}})
    assert preview.status_code == 200, preview.get_json()
    assert {p["nip"] for p in preview.get_json()["enrol"]} == {own["nip"], merged["nip"], by_position["nip"]}
    # without the flag everyone active is a candidate, so the flag is what narrows it
    assert len(client.post(api(malang, f"/cohorts/{cohort['id']}/enrolments/bulk"),
                           json={"filters": {"opd_id": opd["id"]}}).get_json()["enrol"]) == 7

    # the roster page: preview the same people, then confirm
    admin = browser_for(malang, "admin")
    page = admin.post(f"/angkatan/{cohort['id']}/peserta/banyak", {"verified_need": "1"})
    assert page.status_code == 200
    text = text_of(page.text)
    assert "3 pegawai akan didaftarkan" in text
    token = page.text.split('name="token" value="', 1)[1].split('"', 1)[0]
    nips = page.text.split('name="nips" value="', 1)[1].split('"', 1)[0]
    done = admin.post(f"/angkatan/{cohort['id']}/peserta/banyak", {"confirm": "1", "token": token, "nips": nips})
    assert done.status_code == 303
    roster = client.get(api(malang, f"/cohorts/{cohort['id']}/enrolments?limit=50")).get_json()
    assert {r["employee"]["nip"] for r in roster["items"]} == {own["nip"], merged["nip"], by_position["nip"]}

    # the person whose need was merged still sees it on their page, now enrolled
    mine = client.get(api(malang, f"/planning/employees/{merged['nip']}/needs")).get_json()["items"]
    assert [(n["program_code"], n["trained"], n["training"]["status"]) for n in mine] == [
        ("PKP", False, "registered")]

"""Reports: 20 JP compliance against a hand-computed fixture, training recap, cohort roster; JSON, CSV, XLSX.

The data is inserted straight into the tables (not through the other areas' services) so that every number
below can be checked by hand.

Kota Malang, 2024 (threshold 20 JP; only active employees count):

    OPD               employee            2024 JP                2023 JP   shortfall 2024
    Dinas Pendidikan  Ahmad Fauzi          12 + 8 = 20 (exact)    30        0
                      Dewi Lestari         19                     -         1
                      Budi Santoso         0                      25        20
                      Eko Prasetyo (inactive) 40                  -         (not counted)
    Kecamatan Klojen  Fitri Handayani      30 (PKP cohort) + 3    -         0
                      Gunawan              5                      -         15
                      Hana Pertiwi         20                     -         0
    Bagian Umum       Agus Salim           0                      40        20

    2024 overall: 7 active, 3 compliant (42.86 %), 97 JP; Pendidikan 3/1 (33.33 %) 39 JP;
    Klojen 3/2 (66.67 %) 58 JP; Umum 1/0 (0 %) 0 JP. Below 20: Agus Salim 20, Budi Santoso 20,
    Gunawan 15, Dewi Lestari 1.
    2023 overall: 7 active, 3 compliant, 95 JP.
"""

from __future__ import annotations

import csv
import io
from datetime import date

import openpyxl
import pytest
import sqlalchemy as sa

from app.domain.nip import make_nip
from app.extensions import db
from app.models.catalogue import Program
from app.models.cohorts import Cohort, Enrolment
from app.models.employees import Employee, JpEntry, Opd
from app.services.text import name_key
from app.tenancy import TenantInfo, tenant_context
from tests.fixtures.auth import AUTH_QUERIES

BASE = "/t/kota-malang/api/v1/reports"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

# name, opd key, gender, active, 2024 e-learning JP lines, 2023 JP lines
PEOPLE = [
    ("Ahmad Fauzi", "pendidikan", "L", True, [12, 8], [30]),
    ("Dewi Lestari", "pendidikan", "P", True, [19], []),
    ("Budi Santoso", "pendidikan", "L", True, [], [25]),
    ("Eko Prasetyo", "pendidikan", "L", False, [40], []),
    ("Fitri Handayani", "klojen", "P", True, [3], []),
    ("Gunawan", "klojen", "L", True, [5], []),
    ("Hana Pertiwi", "klojen", "P", True, [20], []),
    ("Agus Salim", "umum", "L", True, [], [40]),
]
OPDS = {"pendidikan": "Dinas Pendidikan", "klojen": "Kecamatan Klojen", "umum": "Bagian Umum"}


def _nip(i: int, gender: str) -> str:
    born = date(1960 + i % 40, 1 + i % 12, 1 + i % 28)
    return make_nip(born, born.year + 25, 3, gender, i + 1)


def _employee(i: int, name: str, gender: str, opd_id: int | None, active: bool = True) -> Employee:
    nip = _nip(i, gender)
    return Employee(nip=nip, name=name, name_key=name_key(name), gender=gender,
                    birth_date=date(int(nip[:4]), int(nip[4:6]), int(nip[6:8])), employee_type="PNS",
                    golongan="III/a", jabatan="Analis" if i % 2 else "=Kepala Seksi", jabatan_kind="pelaksana",
                    opd_id=opd_id, active=active)


def _elearning(employee: Employee, year: int, jp: int) -> JpEntry:
    return JpEntry(employee_id=employee.id, year=year, jp=jp, source="elearning", title=f"MOOC {jp} JP",
                   completed_on=date(year, 6, 1))


@pytest.fixture
def malang_data(malang: TenantInfo) -> dict:
    """The hand-computed fixture above, plus cohorts for the recap and the roster. Returns ids."""
    with tenant_context(malang):
        opds = {key: Opd(name=name, name_key=name_key(name)) for key, name in OPDS.items()}
        db.session.add_all(opds.values())
        db.session.flush()
        people = {}
        for i, (name, opd, gender, active, jp2024, jp2023) in enumerate(PEOPLE):
            person = _employee(i, name, gender, opds[opd].id, active)
            db.session.add(person)
            db.session.flush()
            people[name] = person
            db.session.add_all([_elearning(person, 2024, jp) for jp in jp2024])
            db.session.add_all([_elearning(person, 2023, jp) for jp in jp2023])
        programs = dict(db.session.execute(sa.select(Program.code, Program.id)).all())
        pkp = Cohort(program_id=programs["PKP"], number=6, year=2024, mode="klasikal", quota=40,
                     start_date=date(2024, 5, 1), end_date=date(2024, 8, 30))
        pka = Cohort(program_id=programs["PKA"], number=2, year=2024, mode="blended", quota=32)
        pkp_2023 = Cohort(program_id=programs["PKP"], number=7, year=2023, mode="klasikal")
        db.session.add_all([pkp, pka, pkp_2023])
        db.session.flush()
        passed = Enrolment(employee_id=people["Fitri Handayani"].id, cohort_id=pkp.id, status="passed",
                           certificate_number="STTPP/PKP-VI/2024/001", certificate_date=date(2024, 9, 2), jp_earned=30)
        db.session.add_all([
            passed,
            Enrolment(employee_id=people["Gunawan"].id, cohort_id=pkp.id, status="failed"),
            Enrolment(employee_id=people["Dewi Lestari"].id, cohort_id=pkp.id, status="withdrawn"),
            Enrolment(employee_id=people["Ahmad Fauzi"].id, cohort_id=pkp.id, status="attending"),
            Enrolment(employee_id=people["Agus Salim"].id, cohort_id=pka.id, status="registered"),
            Enrolment(employee_id=people["Budi Santoso"].id, cohort_id=pkp_2023.id, status="attending"),
        ])
        db.session.flush()
        db.session.add(JpEntry(employee_id=people["Fitri Handayani"].id, year=2024, jp=30, source="cohort",
                               enrolment_id=passed.id, title="PKP Angkatan VI 2024",
                               certificate_number=passed.certificate_number, completed_on=date(2024, 9, 2)))
        out = {"opds": {key: opd.id for key, opd in opds.items()}, "people": {n: p.id for n, p in people.items()},
               "cohorts": {"pkp": pkp.id, "pka": pka.id, "pkp_2023": pkp_2023.id}}
        db.session.commit()
    return out


def _get_file(client, url: str):
    """GET a download, buffered so that the response (and its spooled file) is closed."""
    return client.get(url, buffered=True)


def _csv_rows(resp, delimiter: str = ",") -> list[dict]:
    assert resp.data.startswith(b"\xef\xbb\xbf"), "CSV must start with a UTF-8 BOM"
    return list(csv.DictReader(io.StringIO(resp.data.decode("utf-8-sig")), delimiter=delimiter))


def _xlsx_rows(resp) -> list[tuple]:
    wb = openpyxl.load_workbook(io.BytesIO(resp.data), read_only=True)
    return [tuple(row) for row in wb.worksheets[0].iter_rows(values_only=True)]


# --- 20 JP compliance: the numbers -------------------------------------------------------------------------


def test_compliance_2024_matches_the_hand_computed_figures(client, malang_data):
    resp = client.get(f"{BASE}/jp-compliance?year=2024")
    assert resp.status_code == 200, resp.json
    body = resp.json
    assert body["year"] == 2024 and body["threshold"] == 20 and body["opd_id"] is None
    assert body["overall"] == {"active_employees": 7, "compliant": 3, "below": 4, "share_pct": 42.86, "total_jp": 97}
    opds = {o["opd_name"]: {k: o[k] for k in ("active_employees", "compliant", "below", "share_pct", "total_jp")}
            for o in body["opds"]}
    assert opds == {
        "Dinas Pendidikan": {"active_employees": 3, "compliant": 1, "below": 2, "share_pct": 33.33, "total_jp": 39},
        "Kecamatan Klojen": {"active_employees": 3, "compliant": 2, "below": 1, "share_pct": 66.67, "total_jp": 58},
        "Bagian Umum": {"active_employees": 1, "compliant": 0, "below": 1, "share_pct": 0.0, "total_jp": 0},
    }
    assert [o["opd_name"] for o in body["opds"]] == ["Bagian Umum", "Dinas Pendidikan", "Kecamatan Klojen"]


def test_compliance_lists_everyone_active_sorted_by_shortfall(client, malang_data):
    people = client.get(f"{BASE}/jp-compliance?year=2024").json["people"]
    assert people["total"] == 7
    assert [(p["name"], p["jp"], p["shortfall"]) for p in people["items"]] == [
        ("Agus Salim", 0, 20), ("Budi Santoso", 0, 20), ("Gunawan", 5, 15), ("Dewi Lestari", 19, 1),
        ("Ahmad Fauzi", 20, 0), ("Fitri Handayani", 33, 0), ("Hana Pertiwi", 20, 0),
    ]
    assert "Eko Prasetyo" not in {p["name"] for p in people["items"]}  # inactive, 40 JP: not counted


def test_compliance_below_only_lists_who_is_below_20_jp_and_how_far(client, malang_data):
    people = client.get(f"{BASE}/jp-compliance?year=2024&below_only=true").json["people"]
    assert people["total"] == 4
    assert [(p["name"], p["opd_name"], p["jp"], p["shortfall"]) for p in people["items"]] == [
        ("Agus Salim", "Bagian Umum", 0, 20), ("Budi Santoso", "Dinas Pendidikan", 0, 20),
        ("Gunawan", "Kecamatan Klojen", 5, 15), ("Dewi Lestari", "Dinas Pendidikan", 19, 1),
    ]
    assert people["items"][0]["nip"] == _nip(7, "L")


def test_compliance_counts_only_the_asked_year(client, malang_data):
    body = client.get(f"{BASE}/jp-compliance?year=2023&below_only=true").json
    assert body["overall"] == {"active_employees": 7, "compliant": 3, "below": 4, "share_pct": 42.86, "total_jp": 95}
    assert {p["name"]: p["shortfall"] for p in body["people"]["items"]} == {
        "Dewi Lestari": 20, "Fitri Handayani": 20, "Gunawan": 20, "Hana Pertiwi": 20}


def test_compliance_of_one_opd(client, malang_data):
    opd_id = malang_data["opds"]["pendidikan"]
    body = client.get(f"{BASE}/jp-compliance?year=2024&opd_id={opd_id}&below_only=true").json
    assert body["opd_id"] == opd_id
    assert body["overall"] == {"active_employees": 3, "compliant": 1, "below": 2, "share_pct": 33.33, "total_jp": 39}
    assert [o["opd_id"] for o in body["opds"]] == [opd_id]
    assert [(p["name"], p["shortfall"]) for p in body["people"]["items"]] == [("Budi Santoso", 20), ("Dewi Lestari", 1)]


def test_compliance_of_a_year_without_training_has_everyone_below(client, malang_data):
    body = client.get(f"{BASE}/jp-compliance?year=2030").json
    assert body["overall"] == {"active_employees": 7, "compliant": 0, "below": 7, "share_pct": 0.0, "total_jp": 0}
    assert {p["shortfall"] for p in body["people"]["items"]} == {20}


def test_compliance_of_an_empty_tenant_is_zero_not_an_error(client, tenants):
    body = client.get(f"{BASE}/jp-compliance?year=2024").json
    assert body["overall"] == {"active_employees": 0, "compliant": 0, "below": 0, "share_pct": None, "total_jp": 0}
    assert body["opds"] == [] and body["people"]["items"] == [] and body["people"]["total"] == 0


def test_compliance_ignores_another_tenants_people(client, malang_data, serang):
    with tenant_context(serang):
        db.session.add(_employee(20, "Orang Serang", "L", None))
        db.session.commit()
    assert client.get(f"{BASE}/jp-compliance?year=2024").json["overall"]["active_employees"] == 7
    serang_body = client.get("/t/kab-serang/api/v1/reports/jp-compliance?year=2024").json
    assert serang_body["overall"]["active_employees"] == 1
    assert serang_body["opds"] == [{"opd_id": None, "opd_name": None, "active_employees": 1, "compliant": 0,
                                    "below": 1, "share_pct": 0.0, "total_jp": 0}]


# --- 20 JP compliance: pages, validation, downloads ----------------------------------------------------------


def test_compliance_pages_the_people_list(client, malang_data):
    first = client.get(f"{BASE}/jp-compliance?year=2024&limit=3").json["people"]
    second = client.get(f"{BASE}/jp-compliance?year=2024&limit=3&offset=3").json["people"]
    beyond = client.get(f"{BASE}/jp-compliance?year=2024&limit=3&offset=100").json["people"]
    assert [len(first["items"]), len(second["items"]), len(beyond["items"])] == [3, 3, 0]
    assert first["total"] == second["total"] == beyond["total"] == 7
    assert {p["name"] for p in first["items"]}.isdisjoint({p["name"] for p in second["items"]})


@pytest.mark.parametrize("query, field", [
    ("", "year"), ("year=abc", "year"), ("year=1999", "year"), ("year=2101", "year"),
    ("year=2024&format=pdf", "format"), ("year=2024&delimiter=%7C", "delimiter"), ("year=2024&limit=0", "limit"),
    ("year=2024&limit=201", "limit"), ("year=2024&offset=-1", "offset"), ("year=2024&opd_id=0", "opd_id"),
    ("year=2024&part=all", "part"), ("year=2024&below_only=maybe", "below_only"),
])
def test_compliance_rejects_bad_parameters_with_422_naming_the_field(client, tenants, query, field):
    resp = client.get(f"{BASE}/jp-compliance?{query}")
    assert resp.status_code == 422
    assert resp.mimetype == "application/problem+json"
    assert field in {e["field"] for e in resp.json["errors"]}


def test_compliance_of_an_unknown_opd_is_404(client, malang_data, serang):
    with tenant_context(serang):
        db.session.add_all([Opd(name=f"OPD Serang {i}", name_key=f"opd serang {i}") for i in range(10)])
        db.session.commit()
    resp = client.get(f"{BASE}/jp-compliance?year=2024&opd_id=10")  # exists in Serang only
    assert resp.status_code == 404 and resp.mimetype == "application/problem+json"
    assert _get_file(client, f"{BASE}/jp-compliance?year=2024&opd_id=10&format=csv").status_code == 404


def test_compliance_json_takes_the_same_queries_for_5_or_50_people(client, malang, count_queries):
    with tenant_context(malang):
        opd = Opd(name="Dinas Besar", name_key="dinas besar")
        db.session.add(opd)
        db.session.flush()
        db.session.add_all([_employee(i, f"Pegawai {i:02d}", "L", opd.id) for i in range(60)])
        db.session.commit()
    client.get(f"{BASE}/jp-compliance?year=2024")  # warm the tenant cache
    with count_queries() as small:
        assert len(client.get(f"{BASE}/jp-compliance?year=2024&limit=5").json["people"]["items"]) == 5
    with count_queries() as large:
        assert len(client.get(f"{BASE}/jp-compliance?year=2024&limit=50").json["people"]["items"]) == 50
    assert len(small) == len(large) <= 2 + AUTH_QUERIES


def test_compliance_csv_holds_every_row_of_the_json_list(client, malang_data):
    resp = _get_file(client, f"{BASE}/jp-compliance?year=2024&format=csv&below_only=true")
    assert resp.status_code == 200
    assert resp.mimetype == "text/csv"
    assert resp.headers["Content-Disposition"] == (
        "attachment; filename=kepatuhan-jp-2024-kota-malang-di-bawah-20-jp.csv")
    rows = _csv_rows(resp)
    items = client.get(f"{BASE}/jp-compliance?year=2024&below_only=true&limit=200").json["people"]["items"]
    assert list(rows[0]) == ["NIP", "Nama", "Jenis ASN", "Golongan", "Jabatan", "OPD", "JP", "Kekurangan JP"]
    assert [(r["NIP"], r["Nama"], r["OPD"], int(r["JP"]), int(r["Kekurangan JP"])) for r in rows] == [
        (p["nip"], p["name"], p["opd_name"], p["jp"], p["shortfall"]) for p in items]


def test_compliance_csv_defuses_text_a_spreadsheet_would_run_as_a_formula(client, malang_data):
    rows = _csv_rows(_get_file(client, f"{BASE}/jp-compliance?year=2024&format=csv"))
    assert {r["Jabatan"] for r in rows} == {"Analis", "'=Kepala Seksi"}


def test_compliance_per_opd_csv_with_semicolons_uses_decimal_commas(client, malang_data):
    resp = _get_file(client, f"{BASE}/jp-compliance?year=2024&format=csv&part=opds&delimiter=%3B")
    assert resp.status_code == 200
    assert "kepatuhan-jp-per-opd-2024-kota-malang.csv" in resp.headers["Content-Disposition"]
    rows = _csv_rows(resp, delimiter=";")
    assert [(r["OPD"], r["ASN aktif"], r["Memenuhi 20 JP"], r["Persentase memenuhi (%)"], r["Total JP"])
            for r in rows] == [("Bagian Umum", "1", "0", "0,0", "0"), ("Dinas Pendidikan", "3", "1", "33,33", "39"),
                               ("Kecamatan Klojen", "3", "2", "66,67", "58")]


def test_compliance_xlsx_opens_with_header_and_rows(client, malang_data):
    opd_id = malang_data["opds"]["klojen"]
    resp = _get_file(client, f"{BASE}/jp-compliance?year=2024&format=xlsx&opd_id={opd_id}")
    assert resp.status_code == 200
    assert resp.mimetype == XLSX
    assert resp.headers["Content-Disposition"] == (
        "attachment; filename=kepatuhan-jp-2024-kota-malang-kecamatan-klojen.xlsx")
    assert resp.headers["Cache-Control"] == "private, no-store"
    rows = _xlsx_rows(resp)
    assert rows[0] == ("NIP", "Nama", "Jenis ASN", "Golongan", "Jabatan", "OPD", "JP", "Kekurangan JP")
    assert [(r[1], r[5], r[6], r[7]) for r in rows[1:]] == [
        ("Gunawan", "Kecamatan Klojen", 5, 15), ("Fitri Handayani", "Kecamatan Klojen", 33, 0),
        ("Hana Pertiwi", "Kecamatan Klojen", 20, 0)]
    assert all(isinstance(r[0], str) and len(r[0]) == 18 for r in rows[1:])  # NIPs stay text, never 1.98E+17
    assert {r[4] for r in rows[1:]} == {"Analis", "=Kepala Seksi"}  # stored as text, not a formula


def test_compliance_xlsx_per_opd_has_the_summary(client, malang_data):
    rows = _xlsx_rows(_get_file(client, f"{BASE}/jp-compliance?year=2024&format=xlsx&part=opds"))
    assert rows[0][0] == "OPD"
    assert [r[:6] for r in rows[1:]] == [("Bagian Umum", 1, 0, 1, 0, 0), ("Dinas Pendidikan", 3, 1, 2, 33.33, 39),
                                         ("Kecamatan Klojen", 3, 2, 1, 66.67, 58)]


# --- training recap ---------------------------------------------------------------------------------------


def test_training_recap_per_program_with_rollups(client, malang_data):
    resp = client.get(f"{BASE}/training-recap?year=2024")
    assert resp.status_code == 200, resp.json
    body = resp.json
    counts = ("cohorts", "participants", "passed", "failed", "withdrawn", "in_progress", "jp_delivered")
    assert [(p["program_code"], p["program_type"], p["competency_type"], *(p[k] for k in counts))
            for p in body["programs"]] == [
        ("PKA", "pka", "manajerial", 1, 1, 0, 0, 0, 1, 0),
        ("PKP", "pkp", "manajerial", 1, 4, 1, 1, 1, 1, 30),
    ]
    assert body["totals"] == {"cohorts": 2, "participants": 5, "passed": 1, "failed": 1, "withdrawn": 1,
                              "in_progress": 2, "jp_delivered": 30}
    assert [(t["program_type"], t["participants"]) for t in body["by_program_type"]] == [("pka", 1), ("pkp", 4)]
    assert [(c["competency_type"], c["cohorts"], c["jp_delivered"]) for c in body["by_competency_type"]] == [
        ("manajerial", 2, 30)]
    # e-learning 2024 outside cohorts: 12 + 8 + 19 + 40 (inactive still trained) + 3 + 5 + 20
    assert body["outside_cohorts"] == {"entries": 7, "employees": 6, "jp": 107}


def test_training_recap_of_an_empty_year(client, malang_data):
    body = client.get(f"{BASE}/training-recap?year=2022").json
    assert body["programs"] == [] and body["by_program_type"] == [] and body["by_competency_type"] == []
    assert body["totals"]["cohorts"] == 0 and body["outside_cohorts"] == {"entries": 0, "employees": 0, "jp": 0}


def test_training_recap_csv_and_xlsx(client, malang_data):
    resp = _get_file(client, f"{BASE}/training-recap?year=2024&format=csv")
    assert "rekap-pelatihan-2024-kota-malang.csv" in resp.headers["Content-Disposition"]
    rows = _csv_rows(resp)
    assert [(r["Kode program"], r["Peserta"], r["Lulus"], r["JP"]) for r in rows] == [
        ("PKA", "1", "0", "0"), ("PKP", "4", "1", "30")]
    xlsx = _xlsx_rows(_get_file(client, f"{BASE}/training-recap?year=2024&format=xlsx"))
    assert xlsx[0][:2] == ("Kode program", "Program") and [r[0] for r in xlsx[1:]] == ["PKA", "PKP"]


@pytest.mark.parametrize("query", ["", "year=20x4", "year=2024&format=docx"])
def test_training_recap_rejects_bad_parameters(client, tenants, query):
    resp = client.get(f"{BASE}/training-recap?{query}")
    assert resp.status_code == 422 and resp.json["errors"]


# --- cohort roster ----------------------------------------------------------------------------------------


def test_cohort_roster_json(client, malang_data):
    cohort_id = malang_data["cohorts"]["pkp"]
    resp = client.get(f"{BASE}/cohorts/{cohort_id}/roster")
    assert resp.status_code == 200, resp.json
    body = resp.json
    assert body["cohort"]["program_code"] == "PKP" and body["cohort"]["number"] == 6
    assert body["cohort"]["start_date"] == "2024-05-01"
    assert body["participants"]["total"] == 4
    lines = {p["name"]: p for p in body["participants"]["items"]}
    assert [p["name"] for p in body["participants"]["items"]] == [
        "Ahmad Fauzi", "Dewi Lestari", "Fitri Handayani", "Gunawan"]
    assert lines["Fitri Handayani"]["status"] == "passed"
    assert lines["Fitri Handayani"]["certificate_number"] == "STTPP/PKP-VI/2024/001"
    assert lines["Fitri Handayani"]["certificate_date"] == "2024-09-02"
    assert lines["Fitri Handayani"]["jp_earned"] == 30 and lines["Fitri Handayani"]["opd_name"] == "Kecamatan Klojen"
    assert lines["Gunawan"]["status"] == "failed" and lines["Gunawan"]["certificate_number"] is None


def test_cohort_roster_pages_and_sorts(client, malang_data):
    cohort_id = malang_data["cohorts"]["pkp"]
    page = client.get(f"{BASE}/cohorts/{cohort_id}/roster?limit=2&offset=2&sort=-name").json["participants"]
    assert page["total"] == 4 and [p["name"] for p in page["items"]] == ["Dewi Lestari", "Ahmad Fauzi"]
    resp = client.get(f"{BASE}/cohorts/{cohort_id}/roster?sort=score")
    assert resp.status_code == 422 and resp.json["errors"][0]["field"] == "sort"


def test_cohort_roster_csv_and_xlsx(client, malang_data):
    cohort_id = malang_data["cohorts"]["pkp"]
    resp = _get_file(client, f"{BASE}/cohorts/{cohort_id}/roster?format=csv")
    assert resp.headers["Content-Disposition"] == "attachment; filename=peserta-pkp-vi-2024-kota-malang.csv"
    rows = _csv_rows(resp)
    assert list(rows[0]) == ["NIP", "Nama", "OPD", "Jabatan", "Status", "Nomor STTPP", "Tanggal STTPP", "JP",
                            "Kode verifikasi STTPP"]  # the code is empty until the STTPP is issued
    fitri = next(r for r in rows if r["Nama"] == "Fitri Handayani")
    assert (fitri["Status"], fitri["Nomor STTPP"], fitri["Tanggal STTPP"], fitri["JP"]) == (
        "passed", "STTPP/PKP-VI/2024/001", "2024-09-02", "30")
    resp = _get_file(client, f"{BASE}/cohorts/{cohort_id}/roster?format=xlsx")
    assert resp.headers["Content-Disposition"] == "attachment; filename=peserta-pkp-vi-2024-kota-malang.xlsx"
    xlsx = _xlsx_rows(resp)
    assert len(xlsx) == 5 and xlsx[0][0] == "NIP"
    fitri_row = next(r for r in xlsx if r[1] == "Fitri Handayani")
    assert fitri_row[6].date() == date(2024, 9, 2) and fitri_row[7] == 30


def test_cohort_roster_of_another_tenants_cohort_is_404(client, tenants, malang, serang):
    with tenant_context(serang):
        program_id = db.session.execute(sa.select(Program.id).where(Program.code == "ORIENTASI-PPPK")).scalar_one()
        cohort = Cohort(program_id=program_id, number=1, year=2022, mode="elearning")
        db.session.add(cohort)
        db.session.flush()
        cohort_id = cohort.id
        db.session.commit()
    assert client.get(f"/t/kab-serang/api/v1/reports/cohorts/{cohort_id}/roster").status_code == 200
    for fmt in ("json", "csv", "xlsx"):
        resp = _get_file(client, f"{BASE}/cohorts/{cohort_id}/roster?format={fmt}")
        assert resp.status_code == 404 and resp.mimetype == "application/problem+json"


def test_cohort_roster_takes_the_same_queries_for_5_or_50_people(client, malang, count_queries):
    with tenant_context(malang):
        program_id = db.session.execute(sa.select(Program.id).where(Program.code == "PKP")).scalar_one()
        cohort = Cohort(program_id=program_id, number=1, year=2024, mode="klasikal")
        db.session.add(cohort)
        people = [_employee(i, f"Peserta {i:02d}", "P", None) for i in range(60)]
        db.session.add_all(people)
        db.session.flush()
        db.session.add_all([Enrolment(employee_id=p.id, cohort_id=cohort.id) for p in people])
        cohort_id = cohort.id
        db.session.commit()
    client.get(f"{BASE}/cohorts/{cohort_id}/roster")
    with count_queries() as small:
        assert len(client.get(f"{BASE}/cohorts/{cohort_id}/roster?limit=5").json["participants"]["items"]) == 5
    with count_queries() as large:
        assert len(client.get(f"{BASE}/cohorts/{cohort_id}/roster?limit=50").json["participants"]["items"]) == 50
    assert len(small) == len(large) <= 3 + AUTH_QUERIES


def test_reports_are_in_the_openapi_document_with_their_downloads(client, tenants):
    spec = client.get("/t/kota-malang/api/v1/openapi.json").json
    operation = spec["paths"]["/t/{tenant_slug}/api/v1/reports/jp-compliance"]["get"]
    assert {"application/json", "text/csv", XLSX} <= set(operation["responses"]["200"]["content"])
    assert "/t/{tenant_slug}/api/v1/reports/cohorts/{cohort_id}/roster" in spec["paths"]

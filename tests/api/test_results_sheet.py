"""Results for a whole cohort: the results sheet down and up (preview → confirm → row report), and the bulk
status change with STTPP numbers from a pattern."""

from __future__ import annotations

import io
from datetime import date

import openpyxl
import sqlalchemy as sa

from app.extensions import db
from app.tenancy import tenant_context
from tests.api.enrolment_factories import PKA_PHASES, api, make_cohort, make_employee

END = date(2024, 7, 11)
PATTERN = "STTPP/{seq:03}/PKA-II/BPSDM/2024"


def _cohort_with(client, malang, n):
    cohort = make_cohort(malang, start_date=date(2024, 3, 9), end_date=END, phases=PKA_PHASES, quota=None)
    people = [make_employee(malang, name=f"Peserta {chr(65 + i)}") for i in range(n)]
    url = api(malang, f"/cohorts/{cohort['id']}/enrolments/bulk")
    token = client.post(url, json={"nips": [p["nip"] for p in people]}).json["token"]
    assert client.post(url, json={"nips": [p["nip"] for p in people], "confirm": True,
                                  "token": token}).json["enrolled"] == n
    return cohort, people


def _ledger(malang, cohort_id):
    with tenant_context(malang):
        return db.session.execute(sa.text(
            "SELECT e.nip, j.jp, j.certificate_number FROM jp_entries j JOIN enrolments n ON n.id = j.enrolment_id "
            "JOIN employees e ON e.id = n.employee_id WHERE n.cohort_id = :c ORDER BY j.certificate_number"),
            {"c": cohort_id}).all()


def _filled(sheet_bytes: bytes, fill) -> bytes:
    book = openpyxl.load_workbook(io.BytesIO(sheet_bytes))
    ws = book.active
    header = [c.value for c in ws[1]]
    for row in ws.iter_rows(min_row=2):
        values = dict(zip(header, (c.value for c in row), strict=True))
        for key, value in fill(values).items():
            row[header.index(key)].value = value
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_the_results_sheet_goes_down_and_up_with_a_row_report(client, malang):
    cohort, people = _cohort_with(client, malang, 5)
    down = client.get(api(malang, f"/cohorts/{cohort['id']}/results-sheet"))
    data = down.data
    down.close()
    assert down.status_code == 200 and data[:2] == b"PK"
    header = [c.value for c in openpyxl.load_workbook(io.BytesIO(data)).active[1]]
    assert header == ["NIP", "NAMA", "OPD", "STATUS SAAT INI", "HASIL AKSI PERUBAHAN", "NILAI AKSI PERUBAHAN",
                      "HASIL KLASIKAL II", "NILAI KLASIKAL II", "HASIL", "NILAI", "NO_STTPP", "TGL_STTPP", "JP"]

    def fill(v):
        if v["NAMA"] == "Peserta E":  # failed aksi perubahan
            return {"HASIL AKSI PERUBAHAN": "TIDAK LULUS", "NILAI AKSI PERUBAHAN": "57,36", "HASIL": "TIDAK LULUS"}
        if v["NAMA"] == "Peserta D":  # a pass whose graded phase says not passed: refused
            return {"HASIL AKSI PERUBAHAN": "TIDAK LULUS", "HASIL KLASIKAL II": "LULUS", "HASIL": "LULUS"}
        return {"HASIL AKSI PERUBAHAN": "LULUS", "NILAI AKSI PERUBAHAN": 82.5, "HASIL KLASIKAL II": "LULUS",
                "HASIL": "LULUS", "NILAI": "80"}

    sheet = _filled(data, fill)
    url = api(malang, f"/cohorts/{cohort['id']}/results-sheet")
    form = {"sttpp_pattern": PATTERN, "certificate_date": END.isoformat()}
    preview = client.post(url, data={"file": (io.BytesIO(sheet), "hasil.xlsx"), **form},
                          content_type="multipart/form-data")
    assert preview.status_code == 200, preview.json
    report = {r["name"]: r for r in preview.json["report"]}
    assert preview.json["actions"] == {"passed": 3, "failed": 1} and preview.json["invalid"] == 1
    assert report["Peserta D"]["errors"] == ["fase bernilai belum lulus: Aksi perubahan"]
    assert [report[n]["certificate_number"] for n in ("Peserta A", "Peserta B", "Peserta C")] == [
        "STTPP/001/PKA-II/BPSDM/2024", "STTPP/002/PKA-II/BPSDM/2024", "STTPP/003/PKA-II/BPSDM/2024"]
    assert _ledger(malang, cohort["id"]) == []
    done = client.post(url, data={"file": (io.BytesIO(sheet), "hasil.xlsx"), "confirm": "true",
                                  "token": preview.json["token"], **form}, content_type="multipart/form-data")
    assert done.status_code == 200 and done.json["confirmed"] and done.json["written"] == 4
    ledger = _ledger(malang, cohort["id"])
    assert [(jp, number) for _, jp, number in ledger] == [(333, f"STTPP/00{i}/PKA-II/BPSDM/2024") for i in (1, 2, 3)]
    with tenant_context(malang):
        statuses = dict(db.session.execute(sa.text(
            "SELECT e.name, n.status FROM enrolments n JOIN employees e ON e.id = n.employee_id "
            "WHERE n.cohort_id = :c"), {"c": cohort["id"]}).all())
        [(after,)] = db.session.execute(sa.text(
            "SELECT after FROM audit_log WHERE action = 'enrolment.results_upload'")).all()
    assert statuses["Peserta E"] == "failed" and statuses["Peserta D"] == "registered"
    assert after["actions"] == {"passed": 3, "failed": 1} and len(after["written"]) == 4
    # the same sheet again: finished rows are unchanged, nothing is written twice
    again = client.post(url, data={"file": (io.BytesIO(sheet), "hasil.xlsx"), **form},
                        content_type="multipart/form-data").json
    assert again["actions"].get("passed") is None


def test_bulk_attending_then_passed_with_numbers_from_a_pattern(client, malang):
    cohort, people = _cohort_with(client, malang, 3)
    url = api(malang, f"/cohorts/{cohort['id']}/enrolments/bulk-status")
    preview = client.post(url, json={"to": "attending"}).json
    assert preview["actions"] == {"attending": 3}
    assert client.post(url, json={"to": "attending", "confirm": True, "token": preview["token"]}).json["written"] == 3
    body = {"to": "passed", "sttpp_pattern": PATTERN, "certificate_date": END.isoformat()}
    preview = client.post(url, json=body).json
    assert preview["invalid"] == 3 and "fase bernilai belum lulus" in preview["report"][0]["errors"][0]
    with tenant_context(malang):
        db.session.execute(sa.text(
            "INSERT INTO phase_results (enrolment_id, phase_id, passed) SELECT n.id, p.id, true FROM enrolments n "
            "JOIN cohort_phases p ON p.cohort_id = n.cohort_id AND p.graded WHERE n.cohort_id = :c"),
            {"c": cohort["id"]})
        db.session.commit()
    preview = client.post(url, json=body).json
    assert preview["actions"] == {"passed": 3}
    assert client.post(url, json={**body, "sttpp_pattern": "STTPP/tanpa-nomor"}).status_code == 422
    future = client.post(url, json={**body, "certificate_date": "2024-06-01"}).json
    assert "sebelum angkatan selesai" in future["report"][0]["errors"][0]
    done = client.post(url, json={**body, "confirm": True, "token": preview["token"]}).json
    assert done["written"] == 3
    assert [n for _, _, n in _ledger(malang, cohort["id"])] == [PATTERN.format(seq=i) for i in (1, 2, 3)]

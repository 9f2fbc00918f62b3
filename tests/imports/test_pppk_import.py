"""PPPK enrolment imports end to end: upload → a real RQ worker on the real Redis → the tenant's tables."""

from __future__ import annotations

import csv
import io
import re
import zipfile

import openpyxl

from tests.imports.conftest import SAMPLE, count, csv_bytes, generated_rows, upload

EXPECTED_ERRORS = {  # file line → code (samples/README.md lists these on purpose)
    5: "nip_scientific_notation",
    9: "nip_length",
    13: "nip_birth_date",
    17: "nip_gender_mismatch",
    21: "program_unknown",
    25: "dates_order",
    42: "duplicate_row",
}


def _run(client, slug: str, data: bytes, run_worker, **kwargs) -> dict:
    resp = upload(client, slug, data, **kwargs)
    assert resp.status_code == 202, resp.get_json()
    assert resp.headers["Location"].endswith(f"/imports/{resp.get_json()['id']}")
    assert resp.get_json()["state"] == "queued"
    run_worker()
    return client.get(f"/t/{slug}/api/v1/imports/{resp.get_json()['id']}").get_json()


def test_the_serang_sample_imports_34_rows_and_reports_each_bad_one(client, serang_units, run_worker):
    run = _run(client, "kab-serang", SAMPLE.read_bytes(), run_worker)
    assert run["state"] == "done" and run["progress"] == 1.0
    assert run["rows"] == {"read": 41, "valid": 34, "invalid": 6, "duplicate": 1, "created": 34, "updated": 0,
                           "unchanged": 0}
    assert run["details"]["employees_created"] == 34
    assert count(serang_units, "enrolments") == 34 and count(serang_units, "employees") == 34
    errors = client.get(f"/t/kab-serang/api/v1/imports/{run['id']}/errors?limit=200").get_json()["items"]
    assert {e["row_number"]: e["code"] for e in errors} == EXPECTED_ERRORS
    gender = next(e for e in errors if e["code"] == "nip_gender_mismatch")
    assert gender["column"] == "JENIS_KELAMIN" and gender["reason"]


def test_the_apostrophe_nip_is_cleaned_and_imported(client, serang_units, run_worker):
    _run(client, "kab-serang", SAMPLE.read_bytes(), run_worker)
    assert client.get("/t/kab-serang/api/v1/employees/197612112022101323").status_code == 200


def test_the_same_file_twice_is_recognised_and_changes_nothing(client, serang_units, run_worker):
    first = _run(client, "kab-serang", SAMPLE.read_bytes(), run_worker)
    second = _run(client, "kab-serang", SAMPLE.read_bytes(), run_worker)
    assert second["same_file_as_run_id"] == first["id"]
    assert second["rows"]["created"] == 0 and second["rows"]["updated"] == 0 and second["rows"]["unchanged"] == 34
    assert count(serang_units, "enrolments") == 34 and count(serang_units, "employees") == 34
    assert second["details"]["cohorts_created"] == 0


def test_an_overlapping_file_adds_only_what_is_new(client, serang_units, run_worker):
    _run(client, "kab-serang", csv_bytes(generated_rows(10)), run_worker)
    run = _run(client, "kab-serang", csv_bytes(generated_rows(15, start=5)), run_worker)
    assert (run["rows"]["created"], run["rows"]["unchanged"]) == (10, 5)
    assert count(serang_units, "enrolments") == 20


def test_a_newer_file_updates_known_people(client, serang_units, run_worker):
    _run(client, "kab-serang", csv_bytes(generated_rows(3)), run_worker)
    changed = [r.replace("Guru Ahli Pertama", "Guru Ahli Muda") for r in generated_rows(3)]
    run = _run(client, "kab-serang", csv_bytes(changed), run_worker)
    assert run["rows"]["updated"] == 3 and run["details"]["employees_updated"] == 3
    nip = changed[0].split(";")[0]
    assert client.get(f"/t/kab-serang/api/v1/employees/{nip}").get_json()["jabatan"] == "Guru Ahli Muda"


def test_all_or_nothing_writes_nothing_when_any_row_is_bad(client, serang_units, run_worker):
    run = _run(client, "kab-serang", SAMPLE.read_bytes(), run_worker, mode="all-or-nothing")
    assert run["state"] == "failed" and "all-or-nothing" in run["error"]
    assert run["rows"]["invalid"] == 6 and run["report_available"]
    assert count(serang_units, "employees") == 0 and count(serang_units, "enrolments") == 0


def test_a_dry_run_reports_and_writes_nothing(client, serang_units, run_worker):
    run = _run(client, "kab-serang", SAMPLE.read_bytes(), run_worker, dry_run=True)
    assert run["state"] == "done" and run["rows"]["valid"] == 34 and run["rows"]["created"] == 0
    assert count(serang_units, "employees") == 0 and count(serang_units, "import_staged_rows") == 0


def test_a_queued_run_can_be_cancelled_and_the_worker_then_does_nothing(client, serang_units, run_worker):
    run = upload(client, "kab-serang", SAMPLE.read_bytes()).get_json()
    resp = client.post(f"/t/kab-serang/api/v1/imports/{run['id']}/cancel")
    assert resp.status_code == 200 and resp.get_json()["state"] == "cancelled"
    run_worker()
    assert client.get(f"/t/kab-serang/api/v1/imports/{run['id']}").get_json()["state"] == "cancelled"
    assert count(serang_units, "employees") == 0
    assert client.post(f"/t/kab-serang/api/v1/imports/{run['id']}/cancel").status_code == 409


def test_the_error_report_downloads_as_csv_and_xlsx(client, serang_units, run_worker):
    run = _run(client, "kab-serang", SAMPLE.read_bytes(), run_worker)
    resp = client.get(f"/t/kab-serang/api/v1/imports/{run['id']}/errors?format=csv", buffered=True)
    rows = list(csv.DictReader(io.StringIO(resp.data.decode("utf-8-sig"))))
    assert resp.headers["Content-Disposition"].startswith("attachment")
    assert {int(r["Baris"]): r["Kode"] for r in rows} == EXPECTED_ERRORS
    resp = client.get(f"/t/kab-serang/api/v1/imports/{run['id']}/errors?format=xlsx", buffered=True)
    sheet = openpyxl.load_workbook(io.BytesIO(resp.data), read_only=True).active
    values = list(sheet.iter_rows(values_only=True))
    assert values[0] == ("Baris", "Kolom", "Nilai", "Alasan", "Kode") and len(values) == 1 + len(EXPECTED_ERRORS)


def test_xlsx_with_an_exact_integer_nip_imports_and_a_float_nip_is_refused(client, serang_units, run_worker, tmp_path):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["NIP", "NAMA", "JENIS_KELAMIN", "UNIT_KERJA", "PELATIHAN", "ANGKATAN", "TAHUN", "TGL_MULAI",
                  "TGL_SELESAI", "GOLONGAN"])
    good = generated_rows(1)[0].split(";")
    sheet.append(["NIPCELL", good[1], good[2], "Dinas Kesehatan", "ORIENTASI-PPPK", 1, 2022, "2022-11-01",
                  "30/11/2022", "IX"])
    sheet.append([1.98503e17, "Hadi", "L", "Dinas Kesehatan", "ORIENTASI-PPPK", 1, 2022, "2022-11-01", "2022-11-30",
                  "IX"])
    path = tmp_path / "f.xlsx"
    book.save(path)
    data = path.read_bytes()
    # Excel itself stores an 18-digit number as a double; other exporters write the exact integer cell.
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            body = src.read(item.filename)
            if item.filename == "xl/sharedStrings.xml" or item.filename == "xl/worksheets/sheet1.xml":
                body = re.sub(rb'<c r="A2" t="(s|inlineStr)"><(v|is)>.*?</(v|is)></c>',
                              f'<c r="A2" t="n"><v>{good[0]}</v></c>'.encode(), body)
            dst.writestr(item, body)
    run = _run(client, "kab-serang", out.getvalue(), run_worker, name="f.xlsx")
    assert run["rows"]["created"] == 1 and run["rows"]["invalid"] == 1
    errors = client.get(f"/t/kab-serang/api/v1/imports/{run['id']}/errors").get_json()["items"]
    assert [e["code"] for e in errors] == ["nip_float"]


def test_a_file_missing_required_columns_fails_with_a_clear_error(client, serang_units, run_worker):
    run = _run(client, "kab-serang", b"NIP;NAMA\n198503122010011003;Budi\n", run_worker)
    assert run["state"] == "failed" and "TGL_MULAI" in run["error"]


def test_unknown_columns_are_reported(client, serang_units, run_worker):
    data = csv_bytes(generated_rows(2)).replace(b"TGL_SELESAI\n", b"TGL_SELESAI;CATATAN\n", 1)
    run = _run(client, "kab-serang", data, run_worker)
    assert run["details"]["unknown_columns"] == ["CATATAN"]


def test_another_tenants_run_is_404(client, serang_units, malang, run_worker):
    run = _run(client, "kab-serang", csv_bytes(generated_rows(1)), run_worker)
    assert client.get(f"/t/kota-malang/api/v1/imports/{run['id']}").status_code == 404
    assert client.get(f"/t/kota-malang/api/v1/imports/{run['id']}/errors").status_code == 404


def test_an_opd_scoped_operator_may_neither_run_nor_read_imports(client, serang_units, make_user, run_worker, app):
    from tests.fixtures.auth import create_token

    run = _run(client, "kab-serang", csv_bytes(generated_rows(2)), run_worker)
    scoped = make_user(serang_units, "operator", opd_ids=[1])
    headers = {"Authorization": f"Bearer {create_token(serang_units, scoped['id'], 'operator')}"}
    anon = app.test_client()
    resp = anon.post("/t/kab-serang/api/v1/imports/pppk-enrolments", headers=headers,
                     data={"file": (io.BytesIO(b"NIP\n"), "f.csv")}, content_type="multipart/form-data")
    assert resp.status_code == 403 and resp.get_json()["type"].endswith("forbidden-scoped")
    assert anon.get(f"/t/kab-serang/api/v1/imports/{run['id']}", headers=headers).status_code == 403
    assert anon.get(f"/t/kab-serang/api/v1/imports/{run['id']}/errors", headers=headers).status_code == 403
    assert anon.get("/t/kab-serang/api/v1/imports", headers=headers).status_code == 403

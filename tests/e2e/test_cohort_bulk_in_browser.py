"""In a real browser, on a cohort's roster page: paste NIPs, see the preview, confirm (a large list: the worker
enrols them and the progress page follows it), then download the results sheet, fill it, upload it with an STTPP
pattern, read the row report and confirm (issue 18's "done when")."""

from __future__ import annotations

import io
from datetime import date

import openpyxl
import pytest
import sqlalchemy as sa

from app.extensions import db
from app.tenancy import tenant_context
from tests.api.enrolment_factories import PKA_PHASES, make_cohort, make_employee
from tests.e2e.harness import click_and_wait_for_next_page, fetch_with_session, wait_for

pytestmark = pytest.mark.e2e
PATTERN = "STTPP/{seq:03}/PKA-II/BPSDM/2024"
END = date(2024, 7, 11)


def _statuses(malang, cohort_id) -> dict:
    with tenant_context(malang):
        return dict(db.session.execute(sa.text(
            "SELECT e.name, n.status || coalesce(' ' || n.certificate_number, '') FROM enrolments n "
            "JOIN employees e ON e.id = n.employee_id WHERE n.cohort_id = :c"), {"c": cohort_id}).all())


def test_an_operator_enrols_a_cohort_and_uploads_its_results_through_the_pages(
        logged_in, live_server, rq_worker, malang, app, monkeypatch, tmp_path):
    from selenium.webdriver.common.by import By

    monkeypatch.setitem(app.config, "COHORT_BULK_JOB_ROWS", 5)  # 6 lines pasted: a "large" list, for a worker
    cohort = make_cohort(malang, start_date=date(2024, 3, 9), end_date=END, phases=PKA_PHASES, quota=None)
    people = [make_employee(malang, name=f"Peserta Peramban {chr(65 + i)}") for i in range(5)]
    driver = logged_in(malang, "operator")
    roster = f"{live_server}/t/{malang.slug}/angkatan/{cohort['id']}/peserta"
    driver.get(roster)
    driver.get_log("browser")  # forget what earlier pages logged

    paste = "\n".join(p["nip"] for p in people) + "\n199001012015011999"
    driver.find_element(By.ID, "f-nips").send_keys(paste)
    click_and_wait_for_next_page(driver, driver.find_element(By.CSS_SELECTOR, "#banyak button[type=submit]"))
    section = driver.find_element(By.ID, "banyak").text
    assert "5 pegawai akan didaftarkan" in section and "1 ditolak" in section
    assert "pegawai tidak ditemukan" in driver.find_element(By.ID, "ditolak").text
    click_and_wait_for_next_page(driver, driver.find_element(By.CSS_SELECTOR, "#banyak form button[type=submit]"))
    assert "/proses/" in driver.current_url  # the progress page reloads itself until the worker is done
    wait_for(lambda: driver.find_element(By.ID, "run-state").get_attribute("data-state") == "done", timeout=90)
    assert "5 pegawai didaftarkan; 1 ditolak." in driver.find_element(By.ID, "run-result").text
    assert set(_statuses(malang, cohort["id"]).values()) == {"registered"}

    driver.get(roster)
    link = driver.find_element(By.LINK_TEXT, "lembar hasil (XLSX)").get_attribute("href")
    status, content_type, body = fetch_with_session(driver, link)
    assert status == 200 and "spreadsheetml" in content_type
    book = openpyxl.load_workbook(io.BytesIO(body))
    ws = book.active
    header = [c.value for c in ws[1]]
    for row in ws.iter_rows(min_row=2):
        name = row[header.index("NAMA")].value
        fill = {"HASIL AKSI PERUBAHAN": "LULUS", "HASIL KLASIKAL II": "LULUS", "HASIL": "LULUS",
                "TGL_STTPP": "15/07/2024"}
        if name == "Peserta Peramban E":
            fill = {"HASIL AKSI PERUBAHAN": "TIDAK LULUS", "NILAI AKSI PERUBAHAN": "57,36", "HASIL": "TIDAK LULUS"}
        for key, value in fill.items():
            row[header.index(key)].value = value
    sheet = tmp_path / "hasil.xlsx"
    book.save(sheet)

    driver.find_element(By.ID, "f-sheet").send_keys(str(sheet))
    driver.find_element(By.ID, "f-pattern").send_keys(PATTERN)
    click_and_wait_for_next_page(driver, driver.find_element(By.CSS_SELECTOR, "#form-lembar button[type=submit]"))
    summary = driver.find_element(By.ID, "pratinjau").text
    assert "5 baris; 5 akan diproses, 0 salah" in summary
    report = driver.find_element(By.ID, "laporan-baris").text
    assert "STTPP STTPP/001/PKA-II/BPSDM/2024" in report and "Tidak lulus" in report
    assert set(_statuses(malang, cohort["id"]).values()) == {"registered"}  # a preview writes nothing
    click_and_wait_for_next_page(driver, driver.find_element(By.CSS_SELECTOR, "#form-konfirmasi button"))
    assert "5 peserta diperbarui (lulus 4, tidak lulus 1)." in driver.find_element(By.CSS_SELECTOR, ".notice").text
    after = _statuses(malang, cohort["id"])
    assert after["Peserta Peramban E"] == "failed"
    assert sorted(v for k, v in after.items() if k != "Peserta Peramban E") == [
        f"passed {PATTERN.format(seq=i)}" for i in (1, 2, 3, 4)]
    refused = [e["message"] for e in driver.get_log("browser") if "Content Security Policy" in e["message"]]
    assert refused == []

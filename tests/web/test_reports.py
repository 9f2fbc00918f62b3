"""The reports page: compliance per OPD with a chart, overall figures, the recap, and downloads."""

from __future__ import annotations

import io

from openpyxl import load_workbook

from tests.fixtures.factories import add_jp, make_employee, make_opd
from tests.web.conftest import text_of


def test_compliance_per_opd_with_a_chart_and_overall_figures(browser_for, malang):
    health, school = make_opd(malang, "Dinas Kesehatan"), make_opd(malang, "Dinas Pendidikan")
    for opd, jps in ((health, (20, 30, 0)), (school, (5,))):
        for jp in jps:
            person = make_employee(malang, opd_id=opd["id"])
            if jp:
                add_jp(malang, person["id"], jp, year=2024)
    page = browser_for(malang, "viewer").get("/laporan?year=2024")
    assert page.status_code == 200
    assert "<svg" in page.text and "Persentase ASN memenuhi 20 JP per OPD" in page.text
    assert 'style="' not in page.text  # the CSP forbids inline styles
    text = text_of(page.text)
    assert "Dinas Kesehatan 3 2 1 66,7" in text and "Dinas Pendidikan 1 0 1 0,0" in text
    assert "50,0%" in text and "memenuhi, dari 4 ASN aktif" in text


def test_the_download_links_give_xlsx_and_csv(browser_for, malang):
    opd = make_opd(malang, "Inspektorat")
    add_jp(malang, make_employee(malang, opd_id=opd["id"])["id"], 21, year=2024)
    viewer = browser_for(malang, "viewer")
    page = viewer.get("/laporan?year=2024").text
    xlsx_link = page.split('Unduh per OPD: <a href="')[1].split('"')[0].replace("&amp;", "&")
    xlsx = viewer.client.get(xlsx_link, buffered=True)
    assert xlsx.status_code == 200 and "spreadsheetml" in xlsx.content_type
    rows = list(load_workbook(io.BytesIO(xlsx.data)).active.iter_rows(values_only=True))
    assert any("Inspektorat" in row for row in rows)
    csv_link = page.split("Semua pegawai: <a")[1].split('· <a href="')[1].split('"')[0].replace("&amp;", "&")
    assert viewer.client.get(csv_link, buffered=True).content_type.startswith("text/csv")


def test_a_bad_year_is_said_next_to_the_field(browser_for, malang):
    page = browser_for(malang, "viewer").get("/laporan?year=dua-ribu")
    assert page.status_code == 200
    assert 'id="year-error"' in page.text and "tahun harus berupa bilangan bulat" in page.text


def test_a_scoped_operator_reports_only_their_opds(browser_for, malang):
    mine, other = make_opd(malang, "Kelurahan Oro-oro Dowo"), make_opd(malang, "Kelurahan Penanggungan")
    make_employee(malang, opd_id=mine["id"])
    make_employee(malang, opd_id=other["id"])
    text = text_of(browser_for(malang, "operator", opd_ids=[mine["id"]]).get("/laporan?year=2024").text)
    assert "Oro-oro Dowo" in text and "Penanggungan" not in text


def test_employees_may_not_open_reports(browser_for, malang):
    assert browser_for(malang, "employee", nip=make_employee(malang)["nip"]).get("/laporan").status_code == 403


def test_the_reports_page_opens_on_the_latest_year_with_jp(browser_for, malang):
    opd = make_opd(malang, "Dinas Kesehatan")
    add_jp(malang, make_employee(malang, opd_id=opd["id"])["id"], 30, year=2023)
    page = browser_for(malang, "viewer").get("/laporan")
    assert "Laporan kepatuhan 20 JP · 2023" in text_of(page.text) and '<option value="2023" selected>' in page.text
    assert "100,0%" in text_of(page.text)


def test_an_operator_opens_on_the_latest_year_of_their_own_opds(browser_for, malang):
    mine, other = make_opd(malang, "Kecamatan Klojen"), make_opd(malang, "Kecamatan Blimbing")
    add_jp(malang, make_employee(malang, opd_id=mine["id"])["id"], 25, year=2021)
    add_jp(malang, make_employee(malang, opd_id=other["id"])["id"], 25, year=2024)
    page = browser_for(malang, "operator", opd_ids=[mine["id"]]).get("/laporan")
    assert "Laporan kepatuhan 20 JP · 2021" in text_of(page.text)

"""The dashboard (/t/<slug>/): this year's figures for staff, scoped to an operator's OPDs; an employee's own JP."""

from __future__ import annotations

from tests.fixtures.factories import add_jp, make_cohort, make_employee, make_opd
from tests.web.conftest import text_of


def test_admin_sees_this_years_compliance_people_trained_and_open_cohorts(browser_for, malang):
    from app.web.filters import this_year

    opd = make_opd(malang, "Dinas Kesehatan")
    done, short = make_employee(malang, opd_id=opd["id"]), make_employee(malang, opd_id=opd["id"])
    add_jp(malang, done["id"], 20)
    add_jp(malang, short["id"], 5)
    make_cohort(malang, year=this_year(), start_date=None, end_date=None)
    page = browser_for(malang, "admin").get("/")
    assert page.status_code == 200
    text = text_of(page.text)
    assert "50,0%" in text and "1 dari 2" in text  # share and count of 20 JP compliance
    assert "2 pegawai dilatih tahun ini" in text
    assert "1 angkatan berjalan atau akan datang" in text
    assert "impor sedang berjalan" in text


def test_an_operator_scoped_to_one_opd_sees_only_its_figures(browser_for, malang):
    mine, other = make_opd(malang, "Kecamatan Klojen"), make_opd(malang, "Kecamatan Blimbing")
    add_jp(malang, make_employee(malang, opd_id=mine["id"])["id"], 25)
    for _ in range(3):
        make_employee(malang, opd_id=other["id"])
    text = text_of(browser_for(malang, "operator", opd_ids=[mine["id"]]).get("/").text)
    assert "100,0%" in text and "1 dari 1" in text
    assert "1 pegawai dilatih" in text
    assert "impor sedang berjalan" not in text  # imports are for unscoped staff only
    assert "Kecamatan Klojen" in text


def test_an_employee_sees_their_own_jp_instead(browser_for, malang):
    me = make_employee(malang, name="Siti Aminah")
    add_jp(malang, me["id"], 12)
    page = browser_for(malang, "employee", nip=me["nip"]).get("/")
    text = text_of(page.text)
    assert "12 / 20 JP" in text and "kurang 8 JP" in text and "Siti Aminah" in text
    assert "pegawai dilatih" not in text and "ASN memenuhi 20 JP" not in text


def test_an_employee_account_without_a_record_is_told_so(browser_for, malang):
    text = text_of(browser_for(malang, "employee").get("/").text)
    assert "belum terhubung" in text


def test_the_dashboard_opens_on_the_latest_year_with_jp_and_picks_other_years(browser_for, malang):
    """Data that ends in 2024 (as the demo's): the first screen shows 2024's figures, not this year's zeros."""
    opd = make_opd(malang, "Dinas Kesehatan")
    add_jp(malang, make_employee(malang, opd_id=opd["id"])["id"], 24, year=2024)
    add_jp(malang, make_employee(malang, opd_id=opd["id"])["id"], 8, year=2022)
    admin = browser_for(malang, "admin")

    first = text_of(admin.get("/").text)
    earlier = text_of(admin.get("/?year=2022").text)
    bad = admin.get("/?year=dua-ribu")

    assert "Beranda · 2024" in first and "1 dari 2" in first and "1 pegawai dilatih tahun 2024" in first
    assert "Tahun" in first and '<option value="2024" selected>' in admin.get("/").text
    assert "Beranda · 2022" in earlier and "0 dari 2" in earlier and "1 pegawai dilatih tahun 2022" in earlier
    assert bad.status_code == 200 and "tahun harus berupa bilangan bulat" in bad.text
    assert "Beranda · 2024" in text_of(bad.text)


def test_with_no_jp_at_all_the_dashboard_opens_on_this_year(browser_for, malang):
    from app.web.filters import this_year

    make_employee(malang, opd_id=make_opd(malang)["id"])
    assert f"Beranda · {this_year()}" in text_of(browser_for(malang, "viewer").get("/").text)

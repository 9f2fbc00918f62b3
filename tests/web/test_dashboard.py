"""The dashboard (/t/<slug>/): this year's figures for staff, scoped to an operator's OPDs; an employee's own JP."""

from __future__ import annotations

import pytest

from tests.fixtures.factories import add_jp, make_cohort, make_employee, make_opd
from tests.web.conftest import text_of


@pytest.fixture(autouse=True)
def _no_summary_yet(malang):
    """This year's figures come from the region's rollup summary once one exists (a committed test on this worker
    may have left one): each test starts without, inside its own transaction."""
    import sqlalchemy as sa

    from app.extensions import db
    from app.tenancy import no_tenant

    with no_tenant():
        db.session.execute(sa.text("DELETE FROM platform.tenant_summaries WHERE tenant_id = :t"), {"t": malang.id})
        db.session.execute(sa.text("DELETE FROM platform.tenant_refresh WHERE tenant_id = :t"), {"t": malang.id})
        db.session.commit()


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


def _write_summary(tenant, year: int, *, stale: bool = False, **figures) -> None:
    """The region's rollup summary as a refresh writes it (platform rows, in the test's transaction)."""
    from datetime import UTC, datetime

    from app.extensions import db
    from app.models.rollups import TenantRefresh, TenantSummary
    from app.tenancy import no_tenant

    now = datetime(2026, 12, 8, 3, 0, tzinfo=UTC)
    with no_tenant():
        for metric, value in figures.items():
            db.session.merge(TenantSummary(tenant_id=tenant.id, year=year, metric=metric, value=value,
                                           refreshed_at=now))
        db.session.merge(TenantRefresh(tenant_id=tenant.id, last_success_at=now, last_attempt_at=now, stale=stale))
        db.session.commit()


def test_this_years_figures_come_from_the_regions_summary_with_its_time(browser_for, malang):
    from app.web.filters import this_year

    opd = make_opd(malang, "Dinas Kesehatan")
    add_jp(malang, make_employee(malang, opd_id=opd["id"])["id"], 20, year=this_year())
    _write_summary(malang, this_year(), asn_pns=900, asn_pppk=100, asn_meeting_20jp=250, people_trained=400,
                   jp_delivered=9000)
    admin = browser_for(malang, "admin")
    text = text_of(admin.get("/").text)
    assert "25,0%" in text and "250 dari 1.000" in text and "400 pegawai dilatih tahun ini" in text
    assert "ringkasan per 08-12-2026 10:00 WIB" in text
    # An operator limited to one OPD sees that OPD computed now, never the region's summary.
    scoped = text_of(browser_for(malang, "operator", opd_ids=[opd["id"]]).get("/").text)
    assert "1 dari 1" in scoped and "ringkasan per" not in scoped


def test_a_stale_or_missing_summary_is_not_shown_the_figures_are_computed(browser_for, malang):
    from app.web.filters import this_year

    opd = make_opd(malang, "Dinas Kesehatan")
    add_jp(malang, make_employee(malang, opd_id=opd["id"])["id"], 20, year=this_year())
    make_employee(malang, opd_id=opd["id"])
    admin = browser_for(malang, "admin")
    assert "1 dari 2" in text_of(admin.get("/").text)  # no summary yet
    _write_summary(malang, this_year(), stale=True, asn_pns=900, asn_pppk=100, asn_meeting_20jp=250,
                   people_trained=400, jp_delivered=9000)
    text = text_of(admin.get("/").text)
    assert "1 dari 2" in text and "ringkasan per" not in text

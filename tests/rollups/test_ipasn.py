"""The province view shows the IP ASN competency figures of its regions: written by a region's refresh as counts
(tenant_summaries), summed for the province, with no NIP or name anywhere in the answer."""

from __future__ import annotations

import pytest

from app.extensions import db
from app.models.employees import Employee, Opd
from app.services.rollups.refresh import refresh_tenant_summaries, this_year
from app.services.text import name_key
from app.tenancy import tenant_context
from tests.ipasn.conftest import People
from tests.rollups.test_read import rollup_tables  # noqa: F401 (fixture)


@pytest.fixture
def built(malang, tuban):
    """Kota Malang: a camat with PKA (leadership met), a teacher (exempt), a pelaksana with 18 JP technical and a
    seminar this year; Kab. Tuban: one pelaksana with 20 JP technical."""
    year = this_year()
    out = {}
    for tenant in (malang, tuban):
        with tenant_context(tenant):
            opd = Opd(name="Kecamatan Rekap Uji", name_key=name_key("Kecamatan Rekap Uji"))
            db.session.add(opd)
            db.session.commit()
            out[tenant.slug] = People(tenant, opd.id)
    m = out["kota-malang"]
    camat = m.employee("Camat Rekap", "Camat Lowokwaru", "administrator")
    m.passed(camat, "PKA", 333, year=year)
    m.employee("Guru Rekap", "Guru Ahli Pertama", "fungsional")
    staff = m.employee("Pelaksana Rekap", "Pengadministrasi", "pelaksana")
    m.line(staff, 18, "technical", year=year)
    m.line(staff, 4, "seminar", year=year)
    t = out["kab-tuban"]
    t.line(t.employee("Pelaksana Tuban", "Pengadministrasi", "pelaksana"), 20, "technical", year=year)
    return year


@pytest.fixture
def tuban(tenants):
    return tenants["kab-tuban"]


def _names_and_nips(*tenants) -> tuple[set[str], set[str]]:
    names, nips = set(), set()
    for tenant in tenants:
        with tenant_context(tenant):
            for nip, name in db.session.query(Employee.nip, Employee.name):
                names.add(name)
                nips.add(nip)
    return names, nips


def test_the_province_view_shows_each_regions_ipasn_figures_and_their_total(
        malang, tuban, built, rollup_tables, platform_client):  # noqa: F811
    year = built
    for tenant in (malang, tuban):
        with tenant_context(tenant):
            refresh_tenant_summaries([year])
            db.session.commit()
    client = platform_client("province", "35")
    resp = client.get(f"/p/35/api/v1/rollups?year={year}")
    assert resp.status_code == 200
    body = resp.get_json()
    regions = {t["slug"]: t["figures"]["ipasn"] for t in body["tenants"]}
    m = regions["kota-malang"]
    assert m["assessed"] == 3
    assert (m["leadership_due"], m["leadership_met"]) == (1, 1)
    assert (m["functional_due"], m["functional_met"], m["functional_exempt"]) == (1, 1, 1)
    assert (m["technical_due"], m["technical_met"], m["seminar_due"], m["seminar_met"]) == (3, 0, 3, 1)
    # camat 15 (PKA), guru 15 (exempt), pelaksana 15 (seminar): average 15
    assert m["score_total"] == 45 and m["average_score"] == 15.0
    assert m["one_away"] == 1 and m["one_away_gain"] == 25  # the pelaksana, lacking only technical
    assert regions["kab-tuban"]["assessed"] == 1 and regions["kab-tuban"]["technical_met"] == 1
    total = body["total"]["ipasn"]
    assert total["assessed"] == 4 and total["score_total"] == 45 + 25
    assert total["average_score"] == round(70 / 4, 2) and total["technical_share"] == 25.0

    page = client.get(f"/p/35/?year={year}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "Dimensi kompetensi IP ASN" in html
    csv = client.get(f"/p/35/api/v1/rollups?year={year}&format=csv", buffered=True).get_data().decode("utf-8-sig")
    assert "IP ASN: rata-rata skor kompetensi" in csv
    names, nips = _names_and_nips(malang, tuban)
    for text in (resp.get_data(as_text=True), html, csv):
        assert not [n for n in names if n in text]
        assert not [n for n in nips if n in text]

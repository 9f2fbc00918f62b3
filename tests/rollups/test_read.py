"""Reading the rollups (app.services.rollups.read and its JSON, CSV/XLSX and HTML routes): province scoping,
figures as written, totals as sums, staleness, tenants without summaries, and reads that stay on the platform
table (two queries, never a tenant schema).

Summaries are written straight into platform.tenant_summaries here, so the figures are known exactly; the write
side has its own tests, and tests/rollups/test_no_personal_data.py runs the real refresh on the demo data."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime
from decimal import Decimal

import openpyxl
import pytest
import sqlalchemy as sa

from app.extensions import db
from app.services.rollups import read
from app.services.rollups.metrics import IPASN_METRICS
from app.tenancy import no_tenant
from tests.fixtures.factories import count_queries
from tests.rollups.conftest import FreshContextClient

YEAR = 2022
JATIM = {"kota-malang", "kab-tuban"}
ALL = {"kota-malang", "kab-tuban", "kab-serang", "kota-jambi"}
WRITTEN = {
    "kota-malang": {"asn_pns": 100, "asn_pppk": 20, "people_trained": 50, "jp_delivered": Decimal("812.50"),
                    "asn_meeting_20jp": 30, "pppk_oriented": 5, "cohorts:PKA": 2, "cohorts:LATSAR": 1,
                    "target_people": 40},
    "kab-tuban": {"asn_pns": 200, "asn_pppk": 0, "people_trained": 10, "jp_delivered": 100,
                  "asn_meeting_20jp": 0, "pppk_oriented": 0, "cohorts:PKA": 1},
    "kab-serang": {"asn_pns": 3000, "asn_pppk": 1000, "people_trained": 4000, "jp_delivered": 90000,
                   "asn_meeting_20jp": 3500, "pppk_oriented": 600, "cohorts:PKP": 3, "target_people": 500},
    # kota-jambi: nothing refreshed yet
}
REFRESHED = datetime(2026, 11, 20, 3, 0, tzinfo=UTC)


def clear_rollups() -> None:
    with no_tenant():
        db.session.execute(sa.text("DELETE FROM platform.tenant_summaries"))
        db.session.execute(sa.text("DELETE FROM platform.tenant_refresh"))
        db.session.commit()
    read.bump_version()  # written behind the refresh's back: the cached answers must go


@pytest.fixture
def rollup_tables(app):
    """Empty rollup tables for the test (platform rows are not wiped with tenant data)."""
    clear_rollups()
    yield
    clear_rollups()


def write_summaries(tenants, written=WRITTEN, *, year=YEAR, at=REFRESHED) -> None:
    with no_tenant():
        for slug, metrics in written.items():
            for metric, value in metrics.items():
                db.session.execute(sa.text(
                    "INSERT INTO platform.tenant_summaries (tenant_id, year, metric, value, refreshed_at) "
                    "VALUES (:t, :y, :m, :v, :at)"), {"t": tenants[slug].id, "y": year, "m": metric, "v": value,
                                                      "at": at})
            db.session.execute(sa.text(
                "INSERT INTO platform.tenant_refresh (tenant_id, last_success_at, last_attempt_at, stale) "
                "VALUES (:t, :at, :at, false) ON CONFLICT (tenant_id) DO NOTHING"), {"t": tenants[slug].id, "at": at})
        db.session.commit()
    read.bump_version()  # written behind the refresh's back: the cached answers must go


@pytest.fixture
def written(tenants, rollup_tables):
    write_summaries(tenants)
    return tenants


def expected_figures(metrics: dict) -> dict:
    asn_total = metrics["asn_pns"] + metrics["asn_pppk"]
    target = metrics.get("target_people")
    return {
        "asn_pns": metrics["asn_pns"], "asn_pppk": metrics["asn_pppk"], "asn_total": asn_total,
        "people_trained": metrics["people_trained"], "jp_delivered": float(metrics["jp_delivered"])
        if isinstance(metrics["jp_delivered"], Decimal) else metrics["jp_delivered"],
        "asn_meeting_20jp": metrics["asn_meeting_20jp"],
        "share_meeting_20jp": round(100 * metrics["asn_meeting_20jp"] / asn_total, 1) if asn_total else None,
        "pppk_oriented": metrics["pppk_oriented"], "target_people": target,
        "achieved_vs_target": round(100 * metrics["people_trained"] / target, 1) if target else None,
        "cohorts_by_program": {m.split(":", 1)[1]: v for m, v in metrics.items() if m.startswith("cohorts:")},
        "ipasn": expected_ipasn(metrics),
    }


def expected_ipasn(metrics: dict) -> dict:
    """The IP ASN figures as the read side derives them (zeros where the test wrote none)."""
    counts = {name.removeprefix("ipasn_"): metrics.get(name, 0) for name in IPASN_METRICS}
    assessed = counts["assessed"]
    out = dict(counts)
    out["average_score"] = round(float(counts["score_total"]) / assessed, 2) if assessed else None
    for item in ("leadership", "functional", "technical", "seminar"):
        due = counts[f"{item}_due"]
        out[f"{item}_share"] = round(100 * counts[f"{item}_met"] / due, 1) if due else None
    out["one_away_average_gain"] = round(float(counts["one_away_gain"]) / assessed, 2) if assessed else None
    return out


def by_slug(body: dict) -> dict[str, dict]:
    return {t["slug"]: t for t in body["tenants"]}


# --- province scoping ------------------------------------------------------------------------------------------


def test_a_jawa_timur_user_sees_exactly_malang_and_tuban_with_their_figures(written, platform_client):
    client = platform_client("province", "35")
    resp = client.get(f"/p/35/api/v1/rollups?year={YEAR}")
    assert resp.status_code == 200, resp.get_json()
    body = resp.get_json()
    assert body["year"] == YEAR and body["province_code"] == "35" and body["province_name"] == "Jawa Timur"
    tenants = by_slug(body)
    assert set(tenants) == JATIM
    for slug in JATIM:
        assert tenants[slug]["figures"] == expected_figures(WRITTEN[slug]), slug
        assert datetime.fromisoformat(tenants[slug]["refreshed_at"]) == REFRESHED
        assert tenants[slug]["stale"] is False and tenants[slug]["last_refresh_failed"] is False
    assert tenants["kota-malang"]["kind"] == "kota" and tenants["kota-malang"]["province_code"] == "35"
    assert "provinces" not in body


def test_a_jawa_timur_user_gets_403_on_banten(written, platform_client):
    client = platform_client("province", "35")
    resp = client.get(f"/p/36/api/v1/rollups?year={YEAR}")
    assert resp.status_code == 403
    assert resp.mimetype == "application/problem+json"
    assert client.get(f"/p/36/api/v1/rollups?year={YEAR}&format=csv", buffered=True).status_code == 403
    page = client.get(f"/p/36/?year={YEAR}")
    assert page.status_code == 403
    assert "Serang" not in page.get_data(as_text=True)
    assert client.get("/national/api/v1/rollups").status_code == 403
    assert client.get("/national/").status_code == 403


def test_the_vendor_sees_no_rollup(written, platform_client):
    client = platform_client("vendor")
    for url in ("/p/35/api/v1/rollups", "/national/api/v1/rollups", "/p/35/", "/national/"):
        assert client.get(url).status_code == 403, url


def test_a_bad_year_or_province_code_or_format_is_refused(written, platform_client):
    client = platform_client("national")
    assert client.get("/national/api/v1/rollups?year=abc").status_code == 422
    assert client.get("/national/api/v1/rollups?year=1800").status_code == 422
    assert client.get("/national/api/v1/rollups?format=pdf").status_code == 422
    assert client.get("/p/3x/api/v1/rollups").status_code == 404


def test_the_year_defaults_to_the_current_one(written, platform_client):
    body = platform_client("national").get("/national/api/v1/rollups").get_json()
    assert body["year"] == datetime.now(UTC).year


# --- national: all tenants, provinces, totals --------------------------------------------------------------------


def test_national_sees_every_tenant_and_province_and_totals_are_sums(written, platform_client):
    body = platform_client("national").get(f"/national/api/v1/rollups?year={YEAR}").get_json()
    tenants = by_slug(body)
    assert set(tenants) >= ALL
    for slug, metrics in WRITTEN.items():
        assert tenants[slug]["figures"] == expected_figures(metrics), slug
    provinces = {p["province_code"]: p for p in body["provinces"]}
    assert {"15", "35", "36"} <= set(provinces)
    assert provinces["35"]["province_name"] == "Jawa Timur" and provinces["35"]["tenants"] == 2

    total = body["total"]
    for metric in ("asn_pns", "asn_pppk", "people_trained", "asn_meeting_20jp", "pppk_oriented"):
        assert total[metric] == sum(m[metric] for m in WRITTEN.values()), metric
    assert total["jp_delivered"] == pytest.approx(812.5 + 100 + 90000)
    assert total["asn_total"] == 120 + 200 + 4000
    assert total["share_meeting_20jp"] == round(100 * (30 + 0 + 3500) / (120 + 200 + 4000), 1)
    assert total["cohorts_by_program"] == {"LATSAR": 1, "PKA": 3, "PKP": 3}
    assert total["target_people"] == 540
    assert total["achieved_vs_target"] == round(100 * (50 + 4000) / 540, 1)  # tenants with a target only

    jatim = provinces["35"]["figures"]
    assert jatim["asn_total"] == 320 and jatim["people_trained"] == 60
    assert jatim["share_meeting_20jp"] == round(100 * 30 / 320, 1)
    assert jatim["target_people"] == 40 and jatim["achieved_vs_target"] == 125.0
    # Kota Jambi has no summary yet: zeros, marked, and counted in the totals
    assert provinces["15"]["figures"]["asn_total"] == 0 and provinces["15"]["figures"]["regions"] == 1
    assert provinces["15"]["coverage"]["never_refreshed"] == 1
    assert total["regions"] == len(body["tenants"]) and body["coverage"]["regions"] == len(body["tenants"])


def test_the_province_total_is_the_sum_of_its_tenants(written, platform_client):
    body = platform_client("national").get(f"/p/35/api/v1/rollups?year={YEAR}").get_json()
    assert set(by_slug(body)) == JATIM  # a national user may open any province
    total = body["total"]
    assert total["asn_pns"] == 300 and total["asn_pppk"] == 20 and total["people_trained"] == 60
    assert total["jp_delivered"] == pytest.approx(912.5)
    assert total["cohorts_by_program"] == {"LATSAR": 1, "PKA": 3}


def test_a_tenant_without_summaries_shows_zeros_marked_never_null(written, platform_client):
    body = platform_client("national").get(f"/national/api/v1/rollups?year={YEAR}").get_json()
    jambi = by_slug(body)["kota-jambi"]
    assert jambi["figures"]["people_trained"] == 0 and jambi["figures"]["asn_total"] == 0
    assert jambi["status"] == "never_refreshed" and jambi["activity"] is False and jambi["refreshed_at"] is None
    assert by_slug(body)["kota-malang"]["status"] == "fresh" and by_slug(body)["kota-malang"]["activity"] is True
    assert body["coverage"]["never_refreshed"] == 1 and body["coverage"]["fresh"] == 3
    other_year = platform_client("national").get("/national/api/v1/rollups?year=2019").get_json()
    assert all(t["figures"]["people_trained"] == 0 and t["activity"] is False for t in other_year["tenants"])
    refreshed = {t["slug"]: t["status"] for t in other_year["tenants"]}
    assert refreshed["kota-malang"] == "not_computed" and refreshed["kota-jambi"] == "never_refreshed"
    assert other_year["total"]["people_trained"] == 0 and other_year["total"]["regions"] == len(refreshed)


def test_the_trend_sums_every_year_of_the_scope(tenants, rollup_tables, platform_client):
    write_summaries(tenants)
    write_summaries(tenants, {"kota-malang": {"asn_pns": 90, "asn_pppk": 10, "people_trained": 7, "jp_delivered": 70,
                                              "asn_meeting_20jp": 2, "pppk_oriented": 0}}, year=2021)
    body = platform_client("province", "35").get(f"/p/35/api/v1/rollups?year={YEAR}").get_json()
    trend = {t["year"]: t for t in body["trend"]}
    this_year = datetime.now(UTC).year
    assert [t["year"] for t in body["trend"]] == list(range(2021, this_year + 1))  # contiguous, no skipped year
    assert trend[this_year]["people_trained"] == 0 and trend[this_year]["share_meeting_20jp"] is None
    assert trend[2021] == {"year": 2021, "people_trained": 7, "jp_delivered": 70, "asn_meeting_20jp": 2,
                           "asn_total": 100, "share_meeting_20jp": 2.0}
    assert trend[2022]["people_trained"] == 60 and trend[2022]["asn_total"] == 320


# --- staleness -------------------------------------------------------------------------------------------------


def test_a_failed_refresh_keeps_the_last_good_figures_marked_stale(written, platform_client):
    failed_at = datetime(2026, 11, 25, 4, 0, tzinfo=UTC)
    with no_tenant():
        db.session.execute(sa.text(
            "UPDATE platform.tenant_refresh SET stale = true, last_attempt_at = :at, "
            "last_error = 'OperationalError: koneksi putus di t_kab_tuban' WHERE tenant_id = :t"),
            {"t": written["kab-tuban"].id, "at": failed_at})
        db.session.commit()
    client = platform_client("province", "35")
    resp = client.get(f"/p/35/api/v1/rollups?year={YEAR}")
    tuban = by_slug(resp.get_json())["kab-tuban"]
    assert tuban["stale"] is True and tuban["last_refresh_failed"] is True
    assert datetime.fromisoformat(tuban["last_attempt_at"]) == failed_at
    assert tuban["figures"] == expected_figures(WRITTEN["kab-tuban"])  # the last good ones
    assert datetime.fromisoformat(tuban["refreshed_at"]) == REFRESHED
    assert "koneksi putus" not in resp.get_data(as_text=True)  # a flag, not the raw error
    assert by_slug(resp.get_json())["kota-malang"]["stale"] is False

    page = client.get(f"/p/35/?year={YEAR}").get_data(as_text=True)
    assert "data lama" in page and "koneksi putus" not in page
    assert "gagal diperbarui 25-11-2026 11:00 WIB" in page


# --- the HTML pages ------------------------------------------------------------------------------------------------


def test_the_province_page_shows_tenants_side_by_side_with_charts_and_downloads(written, platform_client):
    resp = platform_client("province", "35").get(f"/p/35/?year={YEAR}")
    assert resp.status_code == 200
    html = resp.get_data(as_text=True)
    assert "Rekap Provinsi Jawa Timur" in html
    assert "Kota Malang" in html and "Kabupaten Tuban" in html
    assert "Serang" not in html and "Jambi" not in html
    assert "angka per 20-11-2026 10:00 WIB" in html
    assert "Total (2 wilayah)" in html and "Total mencakup 2 wilayah" in html
    assert html.count("<svg") == 3
    assert f"/p/35/api/v1/rollups?year={YEAR}&amp;format=csv" in html
    assert f"/p/35/api/v1/rollups?year={YEAR}&amp;format=xlsx" in html
    assert "<script" not in html and "style=" not in html  # CSP: same-origin only, no inline script or style
    assert '<option value="2017"' in html


def test_the_pages_show_wib_times_and_indonesian_numbers_like_a_regions_pages(written, platform_client):
    html = platform_client("province", "35").get(f"/p/35/?year={YEAR}").get_data(as_text=True)
    # Kota Malang: 30 of 120 ASN meet 20 JP (25,0%), 812.50 JP delivered, target 40 with 50 trained (125,0%).
    assert "25,0%" in html and "812,5" in html and "125,0%" in html
    assert "UTC" not in html and not re.search(r"\d\.\d%", html)  # no decimal points, no UTC
    national = platform_client("national").get(f"/national/?year={YEAR}").get_data(as_text=True)
    assert "4.000" in national and "90.000" in national and "UTC" not in national


def test_the_national_page_lists_provinces_and_every_tenant(written, platform_client):
    resp = platform_client("national").get(f"/national/?year={YEAR}")
    assert resp.status_code == 200
    html = resp.get_data(as_text=True)
    for name in ("Jawa Timur", "Banten", "Jambi", "belum pernah dihitung", "belum ada kegiatan"):
        assert name in html, name


def test_the_pages_open_on_the_latest_year_with_data_in_their_scope(tenants, rollup_tables, platform_client):
    write_summaries(tenants, {"kab-serang": WRITTEN["kab-serang"]}, year=2024)
    write_summaries(tenants, {"kota-malang": WRITTEN["kota-malang"]}, year=2023)
    write_summaries(tenants, {"kota-malang": {"asn_pns": 100, "jp_delivered": 0}}, year=2024)  # nobody trained

    national = platform_client("national").get("/national/").get_data(as_text=True)
    province = platform_client("province", "35").get("/p/35/").get_data(as_text=True)

    assert "Rekap Nasional · 2024" in national and '<option value="2024" selected>' in national
    assert "Rekap Provinsi Jawa Timur · 2023" in province and '<option value="2023" selected>' in province
    assert "/p/35/api/v1/rollups?year=2023&amp;format=csv" in province
    assert platform_client("province", "35").get("/p/36/").status_code == 403  # scope checked before anything


def test_pages_send_anonymous_visitors_to_the_platform_login(app, written):
    resp = FreshContextClient(app, app.response_class, use_cookies=False).get("/national/")
    assert resp.status_code in (302, 303) and "/login?next=" in resp.headers["Location"]


# --- CSV / XLSX --------------------------------------------------------------------------------------------------


def test_csv_has_one_row_per_tenant_and_a_total(written, platform_client):
    resp = platform_client("province", "35").get(f"/p/35/api/v1/rollups?year={YEAR}&format=csv", buffered=True)
    assert resp.status_code == 200 and resp.mimetype == "text/csv"
    assert "rekap-provinsi-35-2022.csv" in resp.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(resp.get_data().decode("utf-8-sig"))))
    assert [r["Wilayah"] for r in rows][-1] == "Total" and len(rows) == 3
    malang = next(r for r in rows if r["Wilayah"] == "Kota Malang")
    assert malang["ASN PNS"] == "100" and malang["ASN total"] == "120" and malang["Target orang"] == "40"
    assert rows[-1]["Pegawai dilatih"] == "60"


def test_xlsx_has_one_row_per_tenant_and_a_total(written, platform_client):
    resp = platform_client("national").get(f"/national/api/v1/rollups?year={YEAR}&format=xlsx", buffered=True)
    assert resp.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(resp.get_data()), read_only=True).active
    rows = list(sheet.iter_rows(values_only=True))
    header = list(rows[0])
    names = [r[header.index("Wilayah")] for r in rows[1:]]
    assert {"Kota Malang", "Kabupaten Tuban", "Kabupaten Serang", "Kota Jambi"} <= set(names)
    assert names[-1] == "Total" and len(names) >= 5
    total = rows[-1]
    assert total[header.index("ASN PNS")] == 3300


# --- the read stays on the platform table ------------------------------------------------------------------------


def test_a_rollup_is_three_queries_on_the_platform_schema_only_then_one_when_cached(written):
    with count_queries() as statements, no_tenant():
        rollup = read.national_rollup(YEAR)
        first = list(statements)
        again = read.national_rollup(YEAR)
    assert {t["slug"] for t in rollup["tenants"]} >= ALL
    assert again == rollup
    # the registry's state (for the cache key; at most once per TENANT_CACHE_TTL), the figures, the trend
    assert 2 <= len(first) <= 3, first
    assert len(statements) == len(first), statements  # cached: no query at all
    # Every table read (FROM / JOIN, LATERAL subqueries included: their own FROM is listed too) is platform.*.
    tables = r"\b(?:FROM|JOIN)\s+(?:LATERAL\s+)?(?!LATERAL\b)([A-Za-z_][\w.]*)"
    assert all(re.findall(tables, s) and all(name.startswith("platform.") for name in re.findall(tables, s))
               for s in statements), statements


# --- end to end: the demo data, the real refresh, a direct computation in each tenant ------------------------------


def test_figures_match_a_direct_computation_in_each_demo_tenant(tenants, rollup_tables, platform_client):
    from app.models.employees import Employee, JpEntry
    from app.services.demo import regions as demo
    from app.services.reports.compliance import compliance_groups
    from app.services.rollups.refresh import refresh_tenant_summaries
    from app.tenancy import tenant_context

    for slug in sorted(ALL):
        with tenant_context(slug):
            demo.seed_current_tenant()
            db.session.commit()
        with tenant_context(slug):
            refresh_tenant_summaries()
            db.session.commit()
    client = platform_client("national")
    for year in (2022, 2023, 2024):
        got = by_slug(client.get(f"/national/api/v1/rollups?year={year}").get_json())
        for slug in sorted(ALL):
            with tenant_context(slug):
                groups = compliance_groups(year, None)
                active = sum(g.active_employees for g in groups)
                compliant = sum(g.compliant for g in groups)
                pns = db.session.execute(sa.select(sa.func.count()).select_from(Employee)
                                         .where(Employee.active, Employee.employee_type == "PNS")).scalar_one()
                trained, jp = db.session.execute(
                    sa.select(sa.func.count(sa.distinct(JpEntry.employee_id)),
                              sa.func.coalesce(sa.func.sum(JpEntry.jp), 0))
                    .where(JpEntry.year == year)).one()
            figures = got[slug]["figures"]
            if figures is None:  # a year the tenant has no data in (and not the current year)
                assert trained == 0, (slug, year)
                continue
            assert (figures["asn_total"], figures["asn_pns"]) == (active, pns), (slug, year)
            assert figures["asn_meeting_20jp"] == compliant, (slug, year)
            assert (figures["people_trained"], figures["jp_delivered"]) == (trained, jp), (slug, year)
            expected_share = round(100 * compliant / active, 1) if active else None
            assert figures["share_meeting_20jp"] == expected_share, (slug, year)

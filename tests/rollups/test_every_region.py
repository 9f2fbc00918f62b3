"""Issue 19: figures that add up. Every region in every year of the province and national views (a fifth region
with no data included, in the CSV/XLSX too, and counted by the totals); past years' headcount frozen when people
are hired or retire after the year ends; the cache superseded by a refresh; the drill-down's small-cell
suppression; every write that moves a figure schedules a refresh; the nightly schedule; the vendors' refresh call.

Everything runs against the real refresh (snapshots taken in the tenant, rows written to the platform) and the
real HTTP routes."""

from __future__ import annotations

import csv
import io
from datetime import date

import openpyxl
import pytest
import sqlalchemy as sa
from rq.cron import CronScheduler

from app.authz import ADMIN_SCOPES
from app.extensions import db
from app.jobs import queue, redis_connection
from app.services.rollups import refresh as refresh_module
from app.services.rollups.refresh import pending_key, refresh_tenant_summaries
from app.tenancy import no_tenant, tenant_context
from tests.admin.conftest import platform_audit, platform_token, platform_user
from tests.rollups.conftest import _nip
from tests.rollups.test_read import by_slug

THIS_YEAR = date.today().year


def _refresh(tenant, years=None) -> dict:
    with tenant_context(tenant):
        result = refresh_tenant_summaries(years)
        db.session.commit()
    return result


def _national(client, year):
    resp = client.get(f"/national/api/v1/rollups?year={year}")
    assert resp.status_code == 200, resp.get_json()
    return resp.get_json()


# --- a fifth region with no data ---------------------------------------------------------------------------------


@pytest.mark.committed
def test_a_fifth_region_with_no_data_is_in_every_year_of_every_view_and_counted(
        tenants, malang, rollup_data, make_tenant, platform_client):
    e1 = rollup_data.employee(malang, "PNS")
    rollup_data.jp(malang, e1, 2023, 24)
    fifth = make_tenant("kab-kelima-uji")  # province 99, nothing in it
    for info in (*tenants.values(), fifth):
        _refresh(info)
    national, province = platform_client("national"), platform_client("province", "99")
    years = list(range(2023, THIS_YEAR + 1))
    for year in years:
        body = _national(national, year)
        row = by_slug(body)["kab-kelima-uji"]
        assert row["figures"]["asn_total"] == 0 and row["figures"]["people_trained"] == 0, year
        assert row["activity"] is False and row["status"] == "fresh" and row["figures_as_of"], year
        assert body["total"]["regions"] == len(tenants) + 1 == body["coverage"]["regions"], year
        assert len(body["tenants"]) == len(tenants) + 1
        p99 = next(p for p in body["provinces"] if p["province_code"] == "99")
        assert p99["tenants"] == 1 and p99["figures"]["regions"] == 1 and p99["coverage"]["without_activity"] == 1

        own = province.get(f"/p/99/api/v1/rollups?year={year}").get_json()
        assert [t["slug"] for t in own["tenants"]] == ["kab-kelima-uji"]
        assert own["tenants"][0]["figures"]["jp_delivered"] == 0 and own["total"]["regions"] == 1
    trend = _national(national, THIS_YEAR)["trend"]
    assert [t["year"] for t in trend] == years  # contiguous
    assert trend[0]["people_trained"] == 1 and all(t["people_trained"] == 0 for t in trend[1:])

    page = province.get("/p/99/?year=2024").get_data(as_text=True)
    assert "Kab Kelima Uji" in page and "belum ada kegiatan" in page and "Total (1 wilayah)" in page

    resp = national.get("/national/api/v1/rollups?year=2024&format=csv", buffered=True)
    rows = list(csv.DictReader(io.StringIO(resp.get_data().decode("utf-8-sig"))))
    assert len(rows) == len(tenants) + 2  # every region, then the total
    fifth_row = next(r for r in rows if r["Wilayah"] == "Kab Kelima Uji")
    assert fifth_row["ASN total"] == "0" and fifth_row["Kegiatan"] == "belum ada kegiatan"
    assert rows[-1]["Wilayah"] == "Total" and rows[-1]["Jumlah wilayah"] == str(len(tenants) + 1)

    resp = province.get("/p/99/api/v1/rollups?year=2024&format=xlsx", buffered=True)
    sheet = list(openpyxl.load_workbook(io.BytesIO(resp.get_data()), read_only=True).active.iter_rows(values_only=True))
    header = list(sheet[0])
    assert [r[header.index("Wilayah")] for r in sheet[1:]] == ["Kab Kelima Uji", "Total"]
    assert sheet[1][header.index("Pegawai dilatih")] == 0 and sheet[2][header.index("Jumlah wilayah")] == 1


@pytest.mark.committed
def test_a_region_never_refreshed_shows_zeros_marked_and_counted(tenants, make_tenant, platform_client):
    make_tenant("kab-belum-uji")
    body = _national(platform_client("national"), 2024)
    row = by_slug(body)["kab-belum-uji"]
    assert row["figures"]["asn_total"] == 0 and row["status"] == "never_refreshed" and row["figures_as_of"] is None
    assert body["coverage"]["never_refreshed"] >= 1 and body["total"]["regions"] == len(body["tenants"])
    page = platform_client("province", "99").get("/p/99/?year=2024").get_data(as_text=True)
    assert "belum pernah dihitung" in page


def test_older_training_in_one_region_schedules_a_refresh_of_the_others(tenants, malang, serang, rollup_data):
    _refresh(serang)  # nothing on the platform yet: Serang's rows start this year
    redis_connection().delete(pending_key(serang.id))
    e1 = rollup_data.employee(malang, "PNS")
    rollup_data.jp(malang, e1, 2023, 24)
    assert _refresh(malang)["others_scheduled"] == 1  # Serang; Tuban and Jambi never refreshed: all years at once
    assert redis_connection().exists(pending_key(serang.id))
    assert _refresh(serang)["years"] == list(range(2023, THIS_YEAR + 1))
    assert _refresh(malang)["others_scheduled"] == 0  # nothing older than what the others now have


# --- past years keep their headcount -----------------------------------------------------------------------------


def _year_figures(tenant, year) -> dict:
    with no_tenant(), db.engine.connect() as conn:
        return {r.metric: r.value for r in conn.execute(sa.text(
            "SELECT metric, value FROM platform.tenant_summaries WHERE tenant_id = :t AND year = :y"),
            {"t": tenant.id, "y": year})}


@pytest.mark.committed
def test_hiring_and_retiring_after_a_year_ends_does_not_change_that_year(malang, rollup_data, monkeypatch,
                                                                        platform_client):
    b = rollup_data
    dinas = b.opd(malang, "Dinas Pendidikan")
    people = [b.employee(malang, "PNS", opd_id=dinas) for _ in range(3)] + [b.employee(malang, "PPPK")]
    b.jp(malang, people[0], 2024, 20)
    b.jp(malang, people[1], 2025, 30)

    # During 2025 (WIB): 2024 has no snapshot yet (taken now, closed), 2025 is the running year (retaken).
    monkeypatch.setattr(refresh_module, "this_year", lambda: 2025)
    result = _refresh(malang, [2024, 2025])
    assert result["snapshots"] == {2024: "first_computed", 2025: "retaken"}
    before_2024, before_2025 = _year_figures(malang, 2024), _year_figures(malang, 2025)
    assert (before_2025["asn_pns"], before_2025["asn_pppk"], before_2025["asn_meeting_20jp"]) == (3, 1, 1)

    # 2025 ends. In 2026 two are hired, the one who met 20 JP in 2025 retires, the PPPK moves OPD.
    monkeypatch.setattr(refresh_module, "this_year", lambda: 2026)
    b.employee(malang, "PNS", opd_id=dinas)
    b.employee(malang, "PPPK", opd_id=dinas)
    b.set_active(malang, people[1], False)
    result = _refresh(malang, [2024, 2025, 2026])
    assert result["snapshots"] == {2024: "kept", 2025: "kept", 2026: "retaken"}
    assert _year_figures(malang, 2024) == before_2024
    assert _year_figures(malang, 2025) == before_2025  # 3 PNS, 1 PPPK, 1 meeting 20 JP: as at its end
    now = _year_figures(malang, 2026)
    assert (now["asn_pns"], now["asn_pppk"]) == (3, 2)
    with tenant_context(malang):
        closed = dict(db.session.execute(sa.text("SELECT year, basis FROM asn_snapshot_years")).all())
    assert closed[2025] == "year_end" and closed[2024] == "first_computed" and closed[2026] == "current"

    # A correction to a past year's training still counts; its headcount does not move.
    b.jp(malang, people[2], 2025, 25)
    _refresh(malang, [2025])
    corrected = _year_figures(malang, 2025)
    assert corrected["asn_meeting_20jp"] == 2 and corrected["asn_pns"] == 3 and corrected["jp_delivered"] == 55
    body = platform_client("national").get("/national/api/v1/rollups?year=2025").get_json()
    assert by_slug(body)["kota-malang"]["figures"]["asn_total"] == 4


# --- the cache ---------------------------------------------------------------------------------------------------


@pytest.mark.committed
def test_a_refresh_supersedes_the_cached_answer(tenants, malang, rollup_data, platform_client):
    e1 = rollup_data.employee(malang, "PNS")
    rollup_data.jp(malang, e1, 2024, 10)
    _refresh(malang)
    client = platform_client("national")
    assert by_slug(_national(client, 2024))["kota-malang"]["figures"]["jp_delivered"] == 10
    rollup_data.jp(malang, e1, 2024, 15)
    assert by_slug(_national(client, 2024))["kota-malang"]["figures"]["jp_delivered"] == 10  # cached
    keys = list(redis_connection().scan_iter("*:rollups:*:national:2024"))
    assert keys
    _refresh(malang)
    assert by_slug(_national(client, 2024))["kota-malang"]["figures"]["jp_delivered"] == 25


# --- drill-down and small cells ----------------------------------------------------------------------------------


@pytest.mark.committed
def test_the_drill_down_groups_by_opd_and_jabatan_kind_and_suppresses_small_cells(malang, rollup_data,
                                                                                   platform_client):
    b = rollup_data
    opds = {kind: b.opd(malang, name) for kind, name in (
        ("dinas", "Dinas Pendidikan"), ("badan", "Badan Keuangan Daerah"), ("kecamatan", "Kecamatan Klojen"),
        ("sekretariat", "Sekretariat Daerah"))}
    sizes = {"dinas": 7, "badan": 5, "kecamatan": 2, "sekretariat": 6}
    jabatan = {"dinas": "fungsional", "badan": "pelaksana", "kecamatan": "jpt", "sekretariat": "pelaksana"}
    for kind, n in sizes.items():
        for i in range(n):
            emp = b.employee(malang, "PNS", opd_id=opds[kind], jabatan_kind=jabatan[kind])
            if i < 3:
                b.jp(malang, emp, 2024, 20 + i)
    _refresh(malang)
    province = platform_client("province", "35")
    resp = province.get("/p/35/api/v1/rollups/regions/kota-malang?year=2024")
    assert resp.status_code == 200, resp.get_json()
    body = resp.get_json()
    cells = {c["kind"]: c for c in body["by_opd_kind"]}
    assert set(cells) == {"dinas", "badan", "kecamatan", "sekretariat"}
    assert cells["dinas"] == {"kind": "dinas", "label": "Dinas", "asn_total": 7, "people_trained": 3,
                              "asn_meeting_20jp": 3, "jp_delivered": 63, "share_meeting_20jp": 42.9,
                              "suppressed": False}
    assert cells["sekretariat"]["asn_total"] == 6
    # Kecamatan (2 people) is under 5: suppressed; the next smallest (Badan, 5) goes too, or 2 = total - the rest.
    for kind in ("kecamatan", "badan"):
        assert cells[kind]["suppressed"] is True
        assert all(cells[kind][k] is None for k in ("asn_total", "people_trained", "asn_meeting_20jp",
                                                     "jp_delivered", "share_meeting_20jp"))
    by_jabatan = {c["kind"]: c for c in body["by_jabatan_kind"]}
    assert by_jabatan["jpt"]["suppressed"] and by_jabatan["fungsional"]["suppressed"]  # 2, then 7 < 11
    assert by_jabatan["pelaksana"] == {**by_jabatan["pelaksana"], "asn_total": 11, "suppressed": False}

    page = province.get("/p/35/wilayah/kota-malang/?year=2024")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "disembunyikan (kurang dari 5 orang)" in html and "Per jenis OPD" in html and "42,9%" in html
    assert "Pegawai Uji" not in html  # aggregates only: no name

    assert province.get("/p/36/api/v1/rollups/regions/kab-serang?year=2024").status_code == 403
    assert province.get("/p/35/api/v1/rollups/regions/kab-serang?year=2024").status_code == 404
    assert platform_client("national").get("/p/35/api/v1/rollups/regions/kota-malang?year=2024").status_code == 200


def test_suppression_hides_one_more_cell_only_when_a_single_one_is_small():
    from app.services.rollups.read import suppress

    def cells(*sizes):
        return [{"kind": f"k{i}", "asn_total": n, "people_trained": 0, "asn_meeting_20jp": 0, "jp_delivered": 0,
                 "share_meeting_20jp": None, "suppressed": False} for i, n in enumerate(sizes)]

    assert [c["suppressed"] for c in suppress(cells(10, 8, 6))] == [False, False, False]
    assert [c["suppressed"] for c in suppress(cells(10, 8, 4))] == [False, True, True]
    assert [c["suppressed"] for c in suppress(cells(10, 3, 4))] == [False, True, True]
    assert [c["suppressed"] for c in suppress(cells(4))] == [True]


# --- every way in schedules a refresh ----------------------------------------------------------------------------


def test_every_write_that_moves_a_figure_schedules_a_refresh(client, malang):
    api = f"/t/{malang.slug}/api/v1"
    key = pending_key(malang.id)

    def scheduled_by(call):
        redis_connection().delete(key)
        resp = call()
        assert resp.status_code in (200, 201), resp.get_json()
        assert redis_connection().exists(key), resp.request.path
        return resp.get_json()

    opd = client.post(f"{api}/opds", json={"name": "Dinas Uji Rekap"}).get_json()  # empty: moves nothing
    other = client.post(f"{api}/opds", json={"name": "Badan Uji Rekap"}).get_json()
    nip = _nip("L")
    scheduled_by(lambda: client.post(f"{api}/employees", json={
        "nip": nip, "name": "Pegawai Rekap", "gender": "L", "employee_type": "PNS", "opd_id": opd["id"]}))
    scheduled_by(lambda: client.patch(f"{api}/employees/{nip}", json={"jabatan_kind": "fungsional"}))
    scheduled_by(lambda: client.post(f"{api}/employees/{nip}/jp-entries", json={
        "jp": 8, "title": "Kursus daring", "certificate_number": "SRT-REKAP-1", "completed_on": "2024-05-02",
        "source": "elearning"}))
    scheduled_by(lambda: client.patch(f"{api}/opds/{opd['id']}", json={"name": "Badan Uji Rekap Baru"}))
    scheduled_by(lambda: client.post(f"{api}/opds/{opd['id']}/merge", json={"target_id": other["id"]}))
    scheduled_by(lambda: client.post(f"{api}/employees/{nip}/deactivate"))


# --- the nightly schedule ----------------------------------------------------------------------------------------


def test_the_nightly_full_refresh_is_declared_and_refreshes_every_active_region(app, tenants, run_worker):
    from app.schedules import register_all, schedules

    item = schedules()["rollups.refresh_all"]
    assert item.cron == "0 18 * * *" and item.per_region and item.job is refresh_module.refresh_rollups
    cron = CronScheduler(connection=redis_connection())
    assert "rollups.refresh_all" in register_all(cron)
    from app.schedules import fan_out

    assert fan_out("rollups.refresh_all") == len(tenants)
    run_worker()
    with no_tenant(), db.engine.connect() as conn:
        fresh = set(conn.execute(sa.text(
            "SELECT tenant_id FROM platform.tenant_refresh WHERE NOT stale AND last_success_at IS NOT NULL")).scalars())
    assert {t.id for t in tenants.values()} <= fresh


# --- the vendors' refresh call -----------------------------------------------------------------------------------


@pytest.fixture
def vendor_headers(app):
    user_id = platform_user("vendor")
    yield {"Authorization": f"Bearer {platform_token(user_id, 'vendor', ADMIN_SCOPES)}"}
    with no_tenant():
        db.session.execute(sa.text("DELETE FROM platform.users WHERE id = :id"), {"id": user_id})
        db.session.commit()


@pytest.mark.committed
def test_a_vendor_refreshes_a_region_through_the_admin_api_audited(app, malang, rollup_data, vendor_headers,
                                                                   run_worker):
    e1 = rollup_data.employee(malang, "PNS")
    rollup_data.jp(malang, e1, 2024, 21)
    http = app.test_client()
    url = f"/admin/api/v1/tenants/{malang.slug}/rollups/refresh"
    resp = http.post(url, headers=vendor_headers)
    assert resp.status_code == 202, resp.get_json()
    job_id = resp.get_json()["job_id"]
    assert job_id in queue("rollups").job_ids
    run_worker()
    assert _year_figures(malang, 2024)["asn_meeting_20jp"] == 1

    resp = http.post(url, headers=vendor_headers, json={"inline": True, "years": [2024]})
    assert resp.status_code == 200, resp.get_json()
    assert resp.get_json()["years"] == [2024] and resp.get_json()["rows"] > 0
    audited = platform_audit(malang.id, "rollups.")
    assert [(a.action, a.after["inline"]) for a in audited][-2:] == [("rollups.refresh", False),
                                                                     ("rollups.refresh", True)]
    assert audited[-2].after["job_id"] == job_id
    calls = platform_audit(None, "admin.call")
    assert any(c.after["path"] == url and c.after["status"] == 200 for c in calls)

    assert http.post("/admin/api/v1/tenants/no-such-region/rollups/refresh", headers=vendor_headers).status_code == 404
    assert http.post(url, headers=vendor_headers, json={"years": [1800]}).status_code == 422
    province_user = platform_user("province", "35")
    province = {"Authorization": f"Bearer {platform_token(province_user, 'province')}"}
    assert http.post(url, headers=province).status_code == 403
    assert http.post(url).status_code == 401
    spec = http.get("/admin/api/v1/openapi.json").get_json()
    assert "post" in spec["paths"]["/admin/api/v1/tenants/{slug}/rollups/refresh"]

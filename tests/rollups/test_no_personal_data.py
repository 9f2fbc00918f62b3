"""Aggregates only: with the demo data of the four regions seeded and their summaries refreshed, no rollup
response (JSON of both endpoints for every year 2017-2024, CSV, XLSX, the HTML pages) carries any employee's
NIP or name — the IP ASN competency figures included (counts and averages only)."""

from __future__ import annotations

import html
import io
import re

import openpyxl
import sqlalchemy as sa

from app.extensions import db
from app.models.employees import Employee
from app.services.demo import regions as demo
from app.services.rollups.metrics import IPASN_METRICS
from app.services.rollups.refresh import refresh_tenant_summaries
from app.tenancy import tenant_context
from tests.rollups.test_read import ALL, rollup_tables  # noqa: F401 (fixtures)

YEARS = range(2017, 2025)
PROVINCES = ("35", "36", "15")
_DIGIT_RUNS = re.compile(r"\d{18}")
IPASN_KEYS = {name.removeprefix("ipasn_") for name in IPASN_METRICS} | {
    "average_score", "leadership_share", "functional_share", "technical_share", "seminar_share",
    "one_away_average_gain"}


def _seed_and_refresh(slug: str) -> tuple[set[str], set[str]]:
    with tenant_context(slug):
        demo.seed_current_tenant()
        db.session.commit()
    with tenant_context(slug):
        refresh_tenant_summaries()
        db.session.commit()
    with tenant_context(slug):
        people = db.session.execute(sa.select(Employee.nip, Employee.name)).all()
    return {p.nip for p in people}, {p.name for p in people}


def _text(resp) -> str:
    if resp.mimetype.endswith("spreadsheetml.sheet"):
        book = openpyxl.load_workbook(io.BytesIO(resp.get_data()), read_only=True)
        return "\n".join(" ".join("" if v is None else str(v) for v in row)
                         for sheet in book.worksheets for row in sheet.iter_rows(values_only=True))
    return resp.get_data().decode("utf-8-sig")


def test_no_rollup_response_carries_a_nip_or_a_name(tenants, rollup_tables, platform_client):  # noqa: F811
    nips: set[str] = set()
    names: set[str] = set()
    for slug in sorted(ALL):
        slug_nips, slug_names = _seed_and_refresh(slug)
        assert slug_nips, f"{slug}: the demo data has employees"
        nips |= slug_nips
        names |= slug_names
    national, jatim = platform_client("national"), platform_client("province", "35")

    urls: list[tuple[object, str]] = []
    for year in YEARS:
        urls.append((national, f"/national/api/v1/rollups?year={year}"))
        urls.append((national, f"/national/?year={year}"))
        urls.append((jatim, f"/p/35/api/v1/rollups?year={year}"))
        urls.append((jatim, f"/p/35/?year={year}"))
        for code in PROVINCES:
            urls.append((national, f"/p/{code}/api/v1/rollups?year={year}"))
        for fmt in ("csv", "xlsx"):
            urls.append((national, f"/national/api/v1/rollups?year={year}&format={fmt}"))
            urls.append((jatim, f"/p/35/api/v1/rollups?year={year}&format={fmt}"))

    with_figures: set[str] = set()
    with_ipasn: set[str] = set()
    for client, url in urls:
        resp = client.get(url, buffered=True)
        assert resp.status_code == 200, url
        body = _text(resp)
        leaked_nips = set(_DIGIT_RUNS.findall(body)) & nips
        assert not leaked_nips, f"{url}: NIPs {sorted(leaked_nips)[:3]}"
        leaked_names = [n for n in names if n in body or html.escape(n) in body]
        assert not leaked_names, f"{url}: names {leaked_names[:3]}"
        if url.startswith("/national/api/v1/rollups") and "format" not in url:
            with_figures |= {t["slug"] for t in resp.get_json()["tenants"] if t["figures"]}
            for tenant in resp.get_json()["tenants"]:
                ipasn = tenant["figures"]["ipasn"]
                assert set(ipasn) == IPASN_KEYS, url  # counts, shares and averages: nothing about a person
                with_ipasn |= {tenant["slug"]} if ipasn["assessed"] else set()
    assert with_figures >= ALL  # the walk did see every region's real figures, not only empty years
    assert with_ipasn, "the walk saw IP ASN figures of at least one region (people with a jabatan kind)"

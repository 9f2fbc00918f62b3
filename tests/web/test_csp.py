"""Every page works under the CSP (app/security.py): no inline styles or scripts, and no external assets."""

from __future__ import annotations

import re

import pytest

from tests.fixtures.factories import add_jp, make_employee, make_opd

PAGES = ("/", "/pegawai", "/pegawai/baru", "/pegawai/{nip}", "/pegawai/{nip}/ubah", "/laporan?year=2024",
         "/impor", "/impor/baru", "/pengguna", "/pengguna/undang", "/pengguna/{uid}", "/audit")


@pytest.mark.parametrize("path", PAGES)
def test_no_inline_style_or_script(browser_for, malang, path):
    person = make_employee(malang, opd_id=make_opd(malang)["id"])
    add_jp(malang, person["id"], 12, year=2024)
    admin = browser_for(malang, "admin")
    page = admin.get(path.format(nip=person["nip"], uid=admin.user["id"]))
    assert page.status_code == 200
    html = page.text
    assert " style=" not in html and "<style" not in html
    assert not re.search(r"<script(?![^>]*\bsrc=)", html)  # scripts only from files
    assert not re.search(r'(src|href)="https?://', html)  # nothing from another origin
    assert "Content-Security-Policy" in page.headers


@pytest.mark.parametrize("path", ["/t/kota-malang/api/v1/docs", "/admin/api/v1/docs"])
def test_the_api_docs_pages_load_redoc_from_the_app_under_their_own_policy(anon_client, malang, path):
    page = anon_client.get(path)
    assert page.status_code == 200
    csp = page.headers["Content-Security-Policy"]
    assert "script-src 'self';" in csp and "worker-src blob:" in csp and "style-src 'self' 'unsafe-inline'" in csp
    assert "https:" not in csp and "http:" not in csp  # nothing from another origin, not even a CDN
    script = re.search(r'<script src="([^"]+)"', page.text).group(1)
    assert script == "/static/vendor/redoc/redoc.standalone.js"
    bundle = anon_client.get(script)
    assert bundle.status_code == 200 and len(bundle.data) > 500_000
    bundle.close()


def test_pages_other_than_the_docs_keep_the_strict_policy(anon_client, malang):
    for path in ("/t/kota-malang/login", "/login", "/t/kota-malang/api/v1/openapi.json", "/healthz"):
        csp = anon_client.get(path).headers["Content-Security-Policy"]
        assert "'unsafe-inline'" not in csp and "blob:" not in csp and csp.startswith("default-src 'self'"), path


def test_the_favicon_is_served_and_every_page_links_it(anon_client, malang):
    icon = anon_client.get("/favicon.ico")
    assert icon.status_code == 200 and icon.mimetype in ("image/vnd.microsoft.icon", "image/x-icon")
    assert icon.data[:4] == b"\x00\x00\x01\x00"  # an ICO file
    assert '<link rel="icon" href="/static/favicon.ico">' in anon_client.get("/t/kota-malang/login").text

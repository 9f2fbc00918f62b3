"""Every page works under the CSP (app/security.py): no inline styles or scripts, and no external assets."""

from __future__ import annotations

import re

import pytest

from tests.web.conftest import add_jp, make_employee, make_opd

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

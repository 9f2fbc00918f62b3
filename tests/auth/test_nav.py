"""The region's menu shows only pages the role may open, and none to visitors or platform users."""

import pytest

from tests.fixtures.auth import login


def _menu(html: str) -> list[str]:
    import re

    nav = re.search(r'<nav class="menu".*?</nav>', html, re.S)
    return re.findall(r"<a [^>]*>([^<]+)</a>", nav.group(0)) if nav else []


@pytest.mark.parametrize(("role", "present", "absent"), [
    ("admin", {"Beranda", "Pegawai", "Impor", "Laporan", "Pengguna", "Log audit", "Notifikasi"}, {"Data saya"}),
    ("operator", {"Beranda", "Pegawai", "Impor", "Laporan"}, {"Pengguna", "Log audit", "Data saya", "Notifikasi"}),
    ("viewer", {"Beranda", "Pegawai", "Impor", "Laporan"}, {"Pengguna", "Log audit"}),
    ("employee", {"Beranda"}, {"Pegawai", "Impor", "Pengguna", "Log audit", "Laporan"}),
])
def test_menu_follows_the_role(app, malang, make_user, role, present, absent):
    user = make_user(malang, role)
    with app.test_client() as browser:
        login(browser, malang.slug, user["username"])
        html = browser.get(f"/t/{malang.slug}/").get_data(as_text=True)
    menu = set(_menu(html))
    assert present <= menu
    assert not (absent & menu)


def test_no_menu_on_the_login_form(app, malang):
    with app.test_client() as browser:
        assert _menu(browser.get(f"/t/{malang.slug}/login").get_data(as_text=True)) == []


def test_an_employee_with_a_record_gets_data_saya(app, malang, make_user):
    from tests.fixtures.factories import make_employee

    me = make_employee(malang)
    user = make_user(malang, "employee", nip=me["nip"])
    with app.test_client() as browser:
        login(browser, malang.slug, user["username"])
        html = browser.get(f"/t/{malang.slug}/").get_data(as_text=True)
    assert "Data saya" in _menu(html)


def test_an_opd_scoped_operator_gets_no_import_or_reconciliation_entry(app, malang, make_user):
    from tests.fixtures.factories import make_opd

    user = make_user(malang, "operator", opd_ids=[make_opd(malang)["id"]])
    with app.test_client() as browser:
        login(browser, malang.slug, user["username"])
        menu = _menu(browser.get(f"/t/{malang.slug}/").get_data(as_text=True))
    assert "Pegawai" in menu and "Impor" not in menu and "Rekonsiliasi" not in menu
    with app.test_client() as browser:  # which refuses them: reports span every OPD
        login(browser, malang.slug, user["username"])
        assert browser.get(f"/t/{malang.slug}/rekonsiliasi").status_code == 403

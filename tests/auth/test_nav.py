"""The region's menu shows only pages the role may open, and none to visitors or platform users."""

import pytest

from tests.fixtures.auth import login


def _menu(html: str) -> list[str]:
    import re

    nav = re.search(r'<nav class="menu".*?</nav>', html, re.S)
    return re.findall(r"<a [^>]*>([^<]+)</a>", nav.group(0)) if nav else []


@pytest.mark.parametrize(("role", "present", "absent"), [
    ("admin", {"Beranda"}, set()),
    ("viewer", {"Beranda"}, {"Pengguna", "Log audit"}),
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

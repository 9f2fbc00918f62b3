"""The HTML pages of logging in: a region's login, home, logout and set-password pages, and the platform's."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

from app import create_app
from app.extensions import db
from app.services.demo.users import create_tenant_user
from app.tenancy import tenant_context
from app.web.pages import page
from tests.fixtures.app import make_config
from tests.fixtures.auth import TEST_PASSWORD, login

MALANG = "/t/kota-malang"
CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')


def _csrf(resp) -> str:
    return CSRF_FIELD.search(resp.get_data(as_text=True)).group(1)


def _form_login(client, path: str, username: str, password: str = TEST_PASSWORD, **extra):
    token = _csrf(client.get(path))
    return client.post(path, data={"csrf_token": token, "username": username, "password": password, **extra})


def _text(resp) -> str:
    return resp.get_data(as_text=True)


# --- a region's login page ---------------------------------------------------------------------------------------


def test_login_page_is_in_indonesian_with_the_region_name_and_a_csrf_field(anon_client, malang):
    resp = anon_client.get(f"{MALANG}/login")

    assert resp.status_code == 200
    assert resp.mimetype == "text/html"
    html = _text(resp)
    assert '<html lang="id">' in html
    assert "Kota Malang" in html
    assert "Kata sandi" in html and "Nama pengguna atau NIP" in html
    assert CSRF_FIELD.search(html)
    assert 'name="viewport"' in html
    assert "<script" not in html and "style=" not in html  # the CSP allows neither inline
    assert resp.headers["Cache-Control"] == "no-store"


def test_the_stylesheet_is_served_from_the_app(anon_client):
    resp = anon_client.get("/static/kompeten.css")
    assert resp.status_code == 200
    assert resp.mimetype == "text/css"
    resp.close()


def test_html_login_lands_on_home_showing_who_and_what_role(anon_client, malang, make_user):
    user = make_user(malang, "operator")

    resp = _form_login(anon_client, f"{MALANG}/login", user["username"])

    assert resp.status_code == 302
    assert urlsplit(resp.headers["Location"]).path == f"{MALANG}/"
    home = anon_client.get(f"{MALANG}/")
    assert home.status_code == 200
    html = _text(home)
    assert "Beranda" in html and user["username"] in html and "Operator" in html
    assert f"{MALANG}/api/v1/docs" in html
    assert "Keluar" in html


def test_an_employee_logs_in_with_their_nip_and_sees_it_on_home(anon_client, malang, make_user):
    nip = "198503122010011003"
    make_user(malang, "employee", username="pegawai-nip", nip=nip)

    resp = _form_login(anon_client, f"{MALANG}/login", nip)

    assert resp.status_code == 302
    html = _text(anon_client.get(f"{MALANG}/"))
    assert "pegawai-nip" in html and nip in html and "Pegawai" in html


def test_wrong_password_and_unknown_user_rerender_the_form_with_the_same_error_and_401(anon_client, malang,
                                                                                        make_user):
    user = make_user(malang, "viewer")

    wrong = _form_login(anon_client, f"{MALANG}/login", user["username"], "bukan-kata-sandinya")
    unknown = _form_login(anon_client, f"{MALANG}/login", "tidak-ada-orangnya", "bukan-kata-sandinya")

    assert wrong.status_code == unknown.status_code == 401
    error = re.compile(r'<p class="error" role="alert" id="login-error">([^<]+)</p>')
    assert error.search(_text(wrong)).group(1) == error.search(_text(unknown)).group(1)
    assert "Nama pengguna atau kata sandi salah." in _text(wrong)
    assert CSRF_FIELD.search(_text(wrong))  # the form is there again
    assert f'value="{user["username"]}"' in _text(wrong)  # with the username kept


def test_empty_login_form_asks_for_both_fields(anon_client, malang):
    resp = _form_login(anon_client, f"{MALANG}/login", "", "")
    assert resp.status_code == 422
    assert "Isi nama pengguna" in _text(resp)


def test_throttled_html_login_is_a_429_page_with_retry_after(anon_client, malang, make_user):
    user = make_user(malang, "viewer")
    for _ in range(5):
        assert _form_login(anon_client, f"{MALANG}/login", user["username"], "bukan-kata-sandinya").status_code == 401

    resp = _form_login(anon_client, f"{MALANG}/login", user["username"])

    assert resp.status_code == 429
    assert int(resp.headers["Retry-After"]) > 0
    assert resp.mimetype == "text/html"
    assert "Terlalu banyak percobaan" in _text(resp)


def test_anonymous_home_redirects_to_login_with_next_and_login_returns_there(anon_client, malang, make_user):
    user = make_user(malang, "viewer")

    resp = anon_client.get(f"{MALANG}/")

    assert resp.status_code == 302
    target = urlsplit(resp.headers["Location"])
    assert target.path == f"{MALANG}/login"
    assert parse_qs(target.query)["next"] == [f"{MALANG}/"]
    form = anon_client.get(f"{target.path}?{target.query}")
    assert f'name="next" value="{MALANG}/"' in _text(form)
    done = anon_client.post(f"{MALANG}/login", data={"csrf_token": _csrf(form), "username": user["username"],
                                                     "password": TEST_PASSWORD, "next": f"{MALANG}/"})
    assert urlsplit(done.headers["Location"]).path == f"{MALANG}/"


def test_a_logged_in_user_visiting_the_login_page_goes_home(anon_client, malang, make_user):
    _form_login(anon_client, f"{MALANG}/login", make_user(malang, "viewer")["username"])

    resp = anon_client.get(f"{MALANG}/login")

    assert resp.status_code == 302
    assert urlsplit(resp.headers["Location"]).path == f"{MALANG}/"


def test_another_regions_session_on_a_page_is_sent_to_the_login_form(anon_client, malang, serang, make_user):
    _form_login(anon_client, f"{MALANG}/login", make_user(malang, "admin")["username"])

    resp = anon_client.get("/t/kab-serang/")

    assert resp.status_code == 302
    assert urlsplit(resp.headers["Location"]).path == "/t/kab-serang/login"


def test_logout_button_ends_the_session_and_returns_to_the_login_page(anon_client, malang, make_user):
    _form_login(anon_client, f"{MALANG}/login", make_user(malang, "viewer")["username"])
    home = anon_client.get(f"{MALANG}/")

    resp = anon_client.post(f"{MALANG}/logout", data={"csrf_token": _csrf(home)})

    assert resp.status_code == 302
    assert urlsplit(resp.headers["Location"]).path == f"{MALANG}/login"
    assert "Anda telah keluar." in _text(anon_client.get(f"{MALANG}/login"))
    assert anon_client.get(f"{MALANG}/").status_code == 302
    assert anon_client.get(f"{MALANG}/api/v1/auth/whoami").status_code == 401


def test_logout_form_without_the_csrf_token_is_refused(anon_client, malang, make_user):
    _form_login(anon_client, f"{MALANG}/login", make_user(malang, "viewer")["username"])

    assert anon_client.post(f"{MALANG}/logout").status_code == 403
    assert anon_client.get(f"{MALANG}/").status_code == 200


def test_a_page_whose_permission_the_role_lacks_is_a_403_page(database_url, redis_url, redis_prefix, tmp_path,
                                                              malang, make_user):
    probe = create_app(make_config(database_url, redis_url, redis_prefix, tmp_path))

    @probe.get("/t/<tenant_slug>/_probe_admin_page")
    @page("users:manage")
    def admin_page():
        return "halaman admin"

    try:
        viewer, admin = probe.test_client(), probe.test_client()
        _form_login(viewer, f"{MALANG}/login", make_user(malang, "viewer")["username"])
        _form_login(admin, f"{MALANG}/login", make_user(malang, "admin")["username"])

        refused = viewer.get(f"{MALANG}/_probe_admin_page")
        assert refused.status_code == 403 and refused.mimetype == "text/html"
        assert "Akses ditolak" in _text(refused)
        assert admin.get(f"{MALANG}/_probe_admin_page").status_code == 200
        assert probe.test_client().get(f"{MALANG}/_probe_admin_page").status_code == 302
    finally:
        with probe.app_context():
            db.session.remove()
            db.engine.dispose()


# --- set a password from a one-time link -------------------------------------------------------------------------


def _invite(tenant, username: str = "budi-undangan", role: str = "viewer") -> str:
    with tenant_context(tenant):
        _, link = create_tenant_user(username, role, full_name="Budi Undangan")
        db.session.commit()
    return link


def test_an_invited_user_sets_a_password_through_the_link_and_logs_in(anon_client, malang):
    link = _invite(malang)
    assert _text(anon_client.get(link)).count('type="password"') == 2
    assert login(anon_client, "kota-malang", "budi-undangan", "kuda-lari-di-sawah-7").status_code == 401

    form = anon_client.get(link)
    resp = anon_client.post(link, data={"csrf_token": _csrf(form), "password": "kuda-lari-di-sawah-7",
                                        "password_again": "kuda-lari-di-sawah-7"})

    assert resp.status_code == 302
    assert urlsplit(resp.headers["Location"]).path == f"{MALANG}/login"
    assert "Kata sandi tersimpan" in _text(anon_client.get(f"{MALANG}/login"))
    assert login(anon_client, "kota-malang", "budi-undangan", "kuda-lari-di-sawah-7").status_code == 200


def test_a_used_set_password_link_is_refused(anon_client, malang):
    link = _invite(malang)
    form = anon_client.get(link)
    data = {"csrf_token": _csrf(form), "password": "kuda-lari-di-sawah-7", "password_again": "kuda-lari-di-sawah-7"}
    assert anon_client.post(link, data=data).status_code == 302

    again = anon_client.post(link, data={**data, "csrf_token": _csrf(anon_client.get(link))})

    assert again.status_code == 422
    assert 'class="error"' in _text(again)


def test_set_password_page_refuses_different_or_weak_passwords(anon_client, malang):
    link = _invite(malang)
    token = _csrf(anon_client.get(link))

    different = anon_client.post(link, data={"csrf_token": token, "password": "kuda-lari-di-sawah-7",
                                             "password_again": "kuda-lari-di-sawah-8"})
    weak = anon_client.post(link, data={"csrf_token": token, "password": "1234567890", "password_again": "1234567890"})

    assert different.status_code == 422 and "Kedua kata sandi tidak sama." in _text(different)
    assert weak.status_code == 422 and "terlalu mudah ditebak" in _text(weak)


# --- the platform's pages and JSON login -------------------------------------------------------------------------


def test_platform_login_page_and_landing_show_a_province_user_their_province(anon_client, app, platform_user):
    user = platform_user("province", "35")
    page_html = _text(anon_client.get("/login"))
    assert "Masuk ke platform" in page_html and CSRF_FIELD.search(page_html)

    resp = _form_login(anon_client, "/login", user["username"])

    assert resp.status_code == 302 and urlsplit(resp.headers["Location"]).path == "/"
    landing = _text(anon_client.get("/"))
    assert user["username"] in landing and "35" in landing and "Jawa Timur" in landing
    assert 'href="/p/35/"' in landing  # the province rollup is one click away


def test_the_vendors_home_links_the_admin_api_docs_and_says_how_to_get_a_token(anon_client, app, platform_user):
    user = platform_user("vendor")
    _form_login(anon_client, "/login", user["username"])
    page = anon_client.get("/")
    landing = _text(page)

    assert 'href="/admin/api/v1/docs"' in page.get_data(as_text=True) and "Dokumentasi API admin" in landing
    assert f"kompeten admin create-token --user {user['username']} --scope tenants:read" in landing
    assert "Authorization: Bearer kpt_" in landing and "/admin/api/v1" in landing
    assert anon_client.get("/admin/api/v1/docs").status_code == 200


def test_platform_login_next_never_leaves_for_another_site_or_a_region(anon_client, app, platform_user):
    user = platform_user("national")
    for target in ("https://evil.example/", "//evil.example", f"{MALANG}/"):
        resp = _form_login(anon_client, f"/login?next={target}", user["username"])
        assert urlsplit(resp.headers["Location"]).path == "/", target
        anon_client.post("/logout", data={"csrf_token": _csrf(anon_client.get("/"))})


def test_platform_wrong_password_rerenders_the_form_with_401(anon_client, app, platform_user):
    user = platform_user("vendor")
    resp = _form_login(anon_client, "/login", user["username"], "bukan-kata-sandinya")
    assert resp.status_code == 401
    assert "Nama pengguna atau kata sandi salah." in _text(resp)


def test_platform_json_login_whoami_and_logout(anon_client, app, platform_user):
    user = platform_user("province", "35")

    resp = anon_client.post("/api/v1/auth/login", json={"username": user["username"], "password": TEST_PASSWORD})

    assert resp.status_code == 200
    body = resp.get_json()
    assert body["user"] == {"user_id": user["id"], "username": user["username"], "role": "province",
                            "province_code": "35"}
    assert anon_client.get("/api/v1/auth/whoami").get_json()["username"] == user["username"]
    assert anon_client.post("/api/v1/auth/logout").status_code == 403  # the cookie needs its CSRF token
    assert anon_client.post("/api/v1/auth/logout", headers={"X-CSRF-Token": body["csrf_token"]}).status_code == 204
    assert anon_client.get("/api/v1/auth/whoami").status_code == 401


def test_platform_json_login_refuses_a_form_post_and_a_bad_body(anon_client, app):
    as_form = anon_client.post("/api/v1/auth/login", data='{"username": "x", "password": "y"}',
                               content_type="text/plain")
    missing = anon_client.post("/api/v1/auth/login", json={"username": "x"})

    assert as_form.status_code == 422
    assert missing.status_code == 422
    assert missing.get_json()["errors"][0]["field"] == "password"


def test_a_tenant_user_cannot_log_in_on_the_platform(anon_client, malang, make_user):
    user = make_user(malang, "admin")
    resp = anon_client.post("/api/v1/auth/login", json={"username": user["username"], "password": TEST_PASSWORD})
    assert resp.status_code == 401


def test_anonymous_platform_landing_goes_to_the_login_form_and_whoami_is_401(anon_client, app):
    resp = anon_client.get("/")
    assert resp.status_code == 302 and resp.headers["Location"].startswith("/login?next=")
    assert anon_client.get("/api/v1/auth/whoami").status_code == 401

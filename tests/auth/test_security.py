"""The security requirements of the logins issue, one test each: tenant-bound sessions, logout and disabling,
throttling, CSRF, cookie flags, headers, password storage and rules, platform users, open redirects."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa

from app import create_app
from app.domain.passwords import PasswordRejected, check_password
from app.extensions import db
from app.jobs import redis_connection
from app.services.demo.users import create_tenant_user
from app.tenancy import tenant_context
from tests.fixtures.app import make_config
from tests.fixtures.auth import TEST_PASSWORD, login

MALANG = "/t/kota-malang"
CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')


def _cookie_name(app) -> str:
    return app.config["SESSION_COOKIE_NAME"]


def _json_login(client, user) -> str:
    resp = login(client, "kota-malang", user["username"])
    assert resp.status_code == 200, resp.get_data(as_text=True)
    return resp.get_json()["csrf_token"]


def _csrf_from(client, path: str) -> str:
    resp = client.get(path)
    assert resp.status_code == 200, resp.status_code
    return CSRF_FIELD.search(resp.get_data(as_text=True)).group(1)


def _form_login(client, path: str, username: str, password: str = TEST_PASSWORD, **form):
    token = _csrf_from(client, path)
    return client.post(path, data={"csrf_token": token, "username": username, "password": password, **form})


# --- sessions are bound to their tenant, and end when they should ----------------------------------------------


def test_malang_session_cookie_replayed_on_serang_is_401_and_still_works_on_malang(anon_client, malang, serang,
                                                                                     make_user):
    user = make_user(malang, "admin")
    _json_login(anon_client, user)

    assert anon_client.get("/t/kab-serang/api/v1/opds").status_code == 401
    assert anon_client.get("/t/kab-serang/api/v1/auth/whoami").status_code == 401
    assert anon_client.get(f"{MALANG}/api/v1/opds").status_code == 200


def test_logout_ends_the_session_even_when_the_old_cookie_is_replayed(app, anon_client, malang, make_user):
    user = make_user(malang, "viewer")
    csrf = _json_login(anon_client, user)
    old_cookie = anon_client.get_cookie(_cookie_name(app)).value
    assert anon_client.get(f"{MALANG}/api/v1/auth/whoami").status_code == 200

    assert anon_client.post(f"{MALANG}/api/v1/auth/logout", headers={"X-CSRF-Token": csrf}).status_code == 204
    assert anon_client.get(f"{MALANG}/api/v1/auth/whoami").status_code == 401

    anon_client.set_cookie(_cookie_name(app), old_cookie)
    assert anon_client.get(f"{MALANG}/api/v1/auth/whoami").status_code == 401


def test_disabling_a_user_ends_their_session_on_the_next_request(anon_client, malang, make_user):
    user = make_user(malang, "operator")
    _json_login(anon_client, user)
    assert anon_client.get(f"{MALANG}/api/v1/opds").status_code == 200

    with tenant_context(malang):
        db.session.execute(sa.text("UPDATE users SET active = false WHERE id = :id"), {"id": user["id"]})
        db.session.commit()

    assert anon_client.get(f"{MALANG}/api/v1/opds").status_code == 401


# --- throttling and the answer to a failed login -----------------------------------------------------------------


def _attempt(client, username: str, password: str, ip: str):
    return client.post(f"{MALANG}/api/v1/auth/login", json={"username": username, "password": password},
                       environ_base={"REMOTE_ADDR": ip})


def test_sixth_failed_login_for_one_account_is_429_with_retry_after(app, anon_client, malang, make_user):
    user = make_user(malang, "viewer")
    for i in range(5):  # five different addresses: only the account counter can trip
        assert _attempt(anon_client, user["username"], "salah-kata-sandi", f"10.1.0.{i + 1}").status_code == 401

    sixth = _attempt(anon_client, user["username"], "salah-kata-sandi", "10.1.0.99")

    assert sixth.status_code == 429
    assert sixth.get_json()["type"].endswith("/login-throttled")
    assert 0 < int(sixth.headers["Retry-After"]) <= 15 * 60
    prefix = f"{app.config['REDIS_KEY_PREFIX']}:login-fail"
    assert int(redis_connection().get(f"{prefix}:acct:t{malang.id}:{user['id']}")) == 5  # the account's
    assert int(redis_connection().get(f"{prefix}:name:t{malang.id}:{user['username']}")) == 5  # the name's


def test_the_throttle_window_starts_at_the_first_failure_and_later_failures_do_not_extend_it(
        app, anon_client, malang, make_user):
    """Redis 6.2 (the embedded default) has no EXPIRE NX: the counter is created with its expiry, INCR keeps it."""
    user = make_user(malang, "viewer")
    key = f"{app.config['REDIS_KEY_PREFIX']}:login-fail:acct:t{malang.id}:{user['id']}"
    assert _attempt(anon_client, user["username"], "salah-kata-sandi", "10.1.1.1").status_code == 401
    redis_connection().expire(key, 100)  # as if the first failure were 800 seconds ago
    for i in range(2):
        assert _attempt(anon_client, user["username"], "salah-kata-sandi", f"10.1.1.{i + 2}").status_code == 401

    assert int(redis_connection().get(key)) == 3
    assert 0 < redis_connection().ttl(key) <= 100


def test_correct_password_while_throttled_is_still_429(anon_client, malang, make_user):
    user = make_user(malang, "admin")
    for i in range(5):
        _attempt(anon_client, user["username"], "salah-kata-sandi", f"10.2.0.{i + 1}")

    resp = _attempt(anon_client, user["username"], TEST_PASSWORD, "10.2.0.50")

    assert resp.status_code == 429
    assert "Retry-After" in resp.headers


def test_failed_logins_are_throttled_per_ip_across_accounts(app, anon_client, malang, make_user):
    user = make_user(malang, "viewer")
    ip = "10.3.0.7"
    for i in range(20):  # twenty unknown accounts from one address
        assert _attempt(anon_client, f"tidak-ada-{i}", "salah-kata-sandi", ip).status_code == 401

    blocked = _attempt(anon_client, user["username"], TEST_PASSWORD, ip)
    elsewhere = _attempt(anon_client, user["username"], TEST_PASSWORD, "10.3.0.8")

    assert blocked.status_code == 429 and int(blocked.headers["Retry-After"]) > 0
    assert int(redis_connection().get(f"{app.config['REDIS_KEY_PREFIX']}:login-fail:ip:{ip}")) == 20
    assert elsewhere.status_code == 200


def test_unknown_user_and_wrong_password_get_the_same_401_body(anon_client, malang, make_user):
    user = make_user(malang, "viewer")
    wrong = _attempt(anon_client, user["username"], "salah-kata-sandi", "10.4.0.1")
    unknown = _attempt(anon_client, "tidak-ada-orangnya", "salah-kata-sandi", "10.4.0.2")

    assert wrong.status_code == unknown.status_code == 401
    same = ("type", "title", "status", "detail")
    assert {k: wrong.get_json()[k] for k in same} == {k: unknown.get_json()[k] for k in same}


def test_a_locked_account_stays_locked_for_every_spelling_of_its_username(anon_client, malang, make_user):
    """Finding 1 of the outside review: the counter was keyed on the name as typed, the look-up on strip()."""
    user = make_user(malang, "admin")
    for i in range(5):
        assert _attempt(anon_client, user["username"], "salah-kata-sandi", f"10.5.0.{i + 1}").status_code == 401

    for n, spelling in enumerate((f" {user['username']}", f"{user['username']} ", f"\t{user['username']}",
                                  f"{user['username']}\n", user["username"].upper())):
        resp = _attempt(anon_client, spelling, TEST_PASSWORD, f"10.5.1.{n + 1}")
        assert resp.status_code == 429, (repr(spelling), resp.status_code)


def test_failures_spread_over_spellings_of_one_username_lock_the_account(anon_client, malang, make_user):
    user = make_user(malang, "viewer")
    spellings = (user["username"], f" {user['username']}", f"{user['username']} ", f"\t{user['username']}",
                 f"  {user['username']}\t")
    for n, spelling in enumerate(spellings):
        assert _attempt(anon_client, spelling, "salah-kata-sandi", f"10.6.0.{n + 1}").status_code == 401

    assert _attempt(anon_client, user["username"], TEST_PASSWORD, "10.6.1.1").status_code == 429


def test_an_employees_username_and_nip_share_one_failure_counter(anon_client, malang, make_user, make_employee):
    nip = make_employee(malang)
    user = make_user(malang, "employee", nip=nip)
    for n, login_as in enumerate((user["username"], nip, user["username"], nip, f" {nip}")):
        assert _attempt(anon_client, login_as, "salah-kata-sandi", f"10.7.0.{n + 1}").status_code == 401

    assert _attempt(anon_client, nip, TEST_PASSWORD, "10.7.1.1").status_code == 429
    assert _attempt(anon_client, user["username"], TEST_PASSWORD, "10.7.1.2").status_code == 429


def test_unknown_and_known_names_are_throttled_alike_whatever_the_spelling(anon_client, malang, make_user):
    """No enumeration through the throttle: five failures under any spelling lock a name, known or not."""
    known = make_user(malang, "viewer")["username"]
    unknown = "belum-ada-orangnya"
    answers = {}
    for name in (known, unknown):
        for n in range(5):
            _attempt(anon_client, f" {name.upper()}" if n % 2 else name, "salah-kata-sandi", f"10.8.{n}.1")
        answers[name] = [_attempt(anon_client, spelling, TEST_PASSWORD, "10.8.9.1").status_code
                         for spelling in (name, f"{name} ", name.upper())]

    assert answers[known] == answers[unknown] == [429, 429, 429]


def test_a_locked_platform_account_stays_locked_for_every_spelling(anon_client, platform_user):
    user = platform_user("vendor")
    for i in range(5):
        resp = anon_client.post("/api/v1/auth/login", json={"username": f" {user['username']}" if i % 2 else
                                                            user["username"], "password": "salah-kata-sandi"},
                                environ_base={"REMOTE_ADDR": f"10.9.0.{i + 1}"})
        assert resp.status_code == 401
    for n, spelling in enumerate((user["username"], f" {user['username']}", f"{user['username']}\t")):
        resp = anon_client.post("/api/v1/auth/login", json={"username": spelling, "password": TEST_PASSWORD},
                                environ_base={"REMOTE_ADDR": f"10.9.1.{n + 1}"})
        assert resp.status_code == 429, repr(spelling)


# --- CSRF --------------------------------------------------------------------------------------------------------


def test_cookie_authenticated_post_without_csrf_token_is_403_csrf(anon_client, malang, make_user):
    _json_login(anon_client, make_user(malang, "admin"))

    resp = anon_client.post(f"{MALANG}/api/v1/opds", json={"name": "Dinas Uji CSRF"})

    assert resp.status_code == 403
    assert resp.get_json()["type"].endswith("/csrf")


def test_cookie_authenticated_post_with_the_csrf_token_passes(anon_client, malang, make_user):
    csrf = _json_login(anon_client, make_user(malang, "admin"))

    resp = anon_client.post(f"{MALANG}/api/v1/opds", json={"name": "Dinas Uji CSRF"},
                            headers={"X-CSRF-Token": csrf})

    assert resp.status_code == 201


def test_bearer_authenticated_post_needs_no_csrf_token(anon_client, malang, token_for):
    bearer = {"Authorization": f"Bearer {token_for(malang, 'admin')}"}

    resp = anon_client.post(f"{MALANG}/api/v1/opds", json={"name": "Dinas Uji Token"}, headers=bearer)

    assert resp.status_code == 201


def test_html_login_post_without_csrf_token_is_403(anon_client, malang, make_user):
    user = make_user(malang, "admin")
    anon_client.get(f"{MALANG}/login")  # a session exists, but the form does not carry its token

    resp = anon_client.post(f"{MALANG}/login", data={"username": user["username"], "password": TEST_PASSWORD})

    assert resp.status_code == 403
    assert anon_client.get(f"{MALANG}/api/v1/auth/whoami").status_code == 401


# --- cookies and headers -----------------------------------------------------------------------------------------


def _session_set_cookie(app, resp) -> str:
    name = _cookie_name(app)
    cookies = [h for h in resp.headers.getlist("Set-Cookie") if h.startswith(f"{name}=")]
    assert cookies, resp.headers
    return cookies[-1]


@pytest.fixture
def make_app():
    """`make_app(config)` → a second app on this run's database and Redis; disposed after the test."""
    made = []

    def _make(config: dict):
        application = create_app(config)
        made.append(application)
        return application

    yield _make
    for application in made:
        with application.app_context():
            db.session.remove()
            db.engine.dispose()


@pytest.fixture
def base_config(database_url, redis_url, redis_prefix, tmp_path):
    return make_config(database_url, redis_url, redis_prefix, tmp_path)


@pytest.mark.parametrize("secure", [True, False])
def test_session_cookie_is_httponly_samesite_lax_and_secure_as_configured(make_app, base_config, malang, make_user,
                                                                          secure):
    application = make_app({**base_config, "SESSION_COOKIE_SECURE": secure})
    user = make_user(malang, "viewer")

    resp = login(application.test_client(), "kota-malang", user["username"])

    assert resp.status_code == 200
    cookie = _session_set_cookie(application, resp)
    assert "HttpOnly" in cookie.split("; ")
    assert "SameSite=Lax" in cookie.split("; ")
    assert ("Secure" in cookie.split("; ")) is secure


@pytest.mark.parametrize(("env", "secure"), [(None, True), ("1", True), ("0", False)])
def test_session_cookie_is_secure_unless_kompeten_cookie_secure_is_0(make_app, base_config, monkeypatch, malang,
                                                                     make_user, env, secure):
    if env is None:
        monkeypatch.delenv("KOMPETEN_COOKIE_SECURE", raising=False)
    else:
        monkeypatch.setenv("KOMPETEN_COOKIE_SECURE", env)
    config = {k: v for k, v in base_config.items() if k != "SESSION_COOKIE_SECURE"}  # from the environment
    application = make_app(config)
    user = make_user(malang, "viewer")

    resp = login(application.test_client(), "kota-malang", user["username"])

    assert ("Secure" in _session_set_cookie(application, resp).split("; ")) is secure


def _login_from(client, username: str, password: str, forwarded_for: str):
    return client.post(f"{MALANG}/api/v1/auth/login", json={"username": username, "password": password},
                       headers={"X-Forwarded-For": forwarded_for}, environ_base={"REMOTE_ADDR": "10.20.0.1"})


def test_behind_a_trusted_proxy_the_ip_throttle_counts_each_client_not_the_proxy(make_app, base_config, malang,
                                                                                  make_user):
    """Every request reaches the app from the proxy's address (10.20.0.1); with KOMPETEN_PROXY_HOPS=1 the client's
    own address (the last X-Forwarded-For entry, written by the proxy) is what the per-IP throttle counts."""
    application = make_app({**base_config, "PROXY_HOPS": 1})
    client = application.test_client()
    user = make_user(malang, "viewer")
    for i in range(20):  # one client guesses twenty accounts; what it claims itself comes first and is ignored
        resp = _login_from(client, f"tidak-ada-{i}", "salah-kata-sandi", f"198.51.100.{i}, 203.0.113.5")
        assert resp.status_code == 401
    assert _login_from(client, user["username"], TEST_PASSWORD, "203.0.113.5").status_code == 429

    assert _login_from(client, user["username"], TEST_PASSWORD, "203.0.113.6").status_code == 200  # the others


def test_without_a_trusted_proxy_x_forwarded_for_is_ignored(make_app, base_config, malang, make_user):
    """Off by default: a client cannot dodge the per-IP throttle by sending X-Forwarded-For itself."""
    application = make_app(base_config)
    client = application.test_client()
    user = make_user(malang, "viewer")
    for i in range(20):
        assert _login_from(client, f"tidak-ada-{i}", "salah-kata-sandi", f"203.0.113.{i}").status_code == 401
    assert _login_from(client, user["username"], TEST_PASSWORD, "203.0.113.99").status_code == 429


def test_kompeten_proxy_hops_is_read_from_the_environment():
    from app.config import Config

    assert Config({}).PROXY_HOPS == 0
    assert Config({"KOMPETEN_PROXY_HOPS": "2"}).PROXY_HOPS == 2


def _assert_security_headers(resp) -> None:
    assert "frame-ancestors 'none'" in resp.headers["Content-Security-Policy"]
    assert resp.headers["X-Content-Type-Options"] == "nosniff"


def test_api_responses_carry_csp_frame_ancestors_and_nosniff(anon_client, malang, token_for):
    bearer = {"Authorization": f"Bearer {token_for(malang, 'viewer')}"}
    _assert_security_headers(anon_client.get(f"{MALANG}/api/v1/opds", headers=bearer))
    _assert_security_headers(anon_client.get(f"{MALANG}/api/v1/opds"))  # a 401 too


def test_pages_carry_csp_frame_ancestors_and_nosniff(anon_client, malang):
    for path in (f"{MALANG}/login", f"{MALANG}/", "/login"):
        resp = anon_client.get(path)
        _assert_security_headers(resp)
        assert "default-src 'self'" in resp.headers["Content-Security-Policy"]


# --- passwords ---------------------------------------------------------------------------------------------------


def test_passwords_are_stored_as_argon2id_hashes(malang):
    with tenant_context(malang):
        user_id, _ = create_tenant_user("hash-uji", "viewer", full_name="Uji", password="kuda-lari-di-sawah-7")
        db.session.commit()
        stored = db.session.execute(sa.text("SELECT password_hash FROM users WHERE id = :id"),
                                    {"id": user_id}).scalar_one()

    assert stored.startswith("$argon2id$")
    assert "kuda-lari" not in stored


def test_check_password_refuses_a_short_password():
    with pytest.raises(PasswordRejected) as exc:
        check_password("pendek-1")
    assert exc.value.code == "password_too_short"


@pytest.mark.parametrize("common", ["1234567890", "admin12345", "aaaaaaaaaaaa"])
def test_check_password_refuses_a_common_password(common):
    with pytest.raises(PasswordRejected) as exc:
        check_password(common)
    assert exc.value.code == "password_common"


@pytest.mark.parametrize(("weak", "why"), [
    ("passwordpassword", "pengulangan"),  # the review's example: 16 characters, not in the old 109-word list
    ("mnbvcxzlkjhgfd", "keyboard"),
    ("abcdefghijklmn", "urutan"),
    ("sayangkamu123", "sangat umum di Indonesia"),
    ("bandung12345", "sangat umum di Indonesia"),
    ("Michael12345", "nama orang"),
    ("p4ssw0rd2024!", "sering dipakai"),
])
def test_check_password_refuses_a_guessable_password_and_says_why_in_indonesian(weak, why):
    with pytest.raises(PasswordRejected) as exc:
        check_password(weak)
    assert exc.value.code == "password_common"
    assert exc.value.message.startswith("Kata sandi terlalu mudah ditebak: ") and why in exc.value.message


def test_setting_a_guessable_password_through_a_link_is_a_422_that_says_why(anon_client, malang):
    from app.services.users import manage as users

    with tenant_context(malang):
        link = users.invite_user(username="sandi-lemah", full_name="Sandi Lemah", role="viewer")["link"]
        db.session.commit()
    token = link["set_password_url"].rsplit("/", 1)[1]
    resp = anon_client.post(f"{MALANG}/api/v1/auth/set-password",
                            json={"token": token, "password": "passwordpassword"})
    assert resp.status_code == 422
    error = resp.get_json()["errors"][0]
    assert error["field"] == "password" and "pengulangan" in error["reason"]
    good = anon_client.post(f"{MALANG}/api/v1/auth/set-password",
                            json={"token": token, "password": "kuda-lari-di-sawah-7"})
    assert good.status_code == 200  # the link stayed usable


def test_check_password_refuses_a_password_containing_the_username():
    with pytest.raises(PasswordRejected) as exc:
        check_password("budisantoso-2024!", username="budisantoso")
    assert exc.value.code == "password_contains_name"


def test_check_password_accepts_a_long_uncommon_password():
    check_password("kuda-lari-di-sawah-7", username="budisantoso")


# --- platform users ----------------------------------------------------------------------------------------------


def test_vendor_logged_in_at_platform_login_gets_401_on_tenant_employees(anon_client, malang, platform_user):
    vendor = platform_user("vendor")
    resp = _form_login(anon_client, "/login", vendor["username"])
    assert resp.status_code == 302
    assert anon_client.get("/api/v1/auth/whoami").get_json()["role"] == "vendor"

    assert anon_client.get(f"{MALANG}/api/v1/employees").status_code == 401
    assert anon_client.get(f"{MALANG}/api/v1/opds").status_code == 401


def test_province_user_json_session_never_reaches_tenant_data(anon_client, malang, platform_user):
    province = platform_user("province", "35")
    resp = anon_client.post("/api/v1/auth/login", json={"username": province["username"], "password": TEST_PASSWORD})
    assert resp.status_code == 200

    assert anon_client.get(f"{MALANG}/api/v1/employees").status_code == 401


# --- open redirect -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("target", ["https://evil.example", "//evil.example/x", "/\\evil.example", "https:evil.example",
                                    "/t/kab-serang/", "/t/kota-malang/../../login"])
def test_login_next_outside_the_region_redirects_to_the_region_home_only(anon_client, malang, make_user, target):
    user = make_user(malang, "viewer")
    page = anon_client.get(f"{MALANG}/login", query_string={"next": target})
    token = CSRF_FIELD.search(page.get_data(as_text=True)).group(1)

    resp = anon_client.post(f"{MALANG}/login", query_string={"next": target},
                            data={"csrf_token": token, "username": user["username"], "password": TEST_PASSWORD})

    assert resp.status_code == 302
    location = urlsplit(resp.headers["Location"])
    assert location.netloc in ("", "localhost")
    assert location.path == f"{MALANG}/"


def test_login_next_inside_the_region_is_honoured(anon_client, malang, make_user):
    user = make_user(malang, "viewer")

    resp = _form_login(anon_client, f"{MALANG}/login?next=/t/kota-malang/api/v1/docs", user["username"])

    assert resp.status_code == 302
    assert urlsplit(resp.headers["Location"]).path == f"{MALANG}/api/v1/docs"

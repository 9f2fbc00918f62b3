"""One's own account: /t/<slug>/api/v1/me (profile, password, sessions, personal access tokens)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from app.auth import digest
from app.extensions import db
from app.models.accounts import ApiToken
from app.tenancy import tenant_context
from tests.auth.conftest import api, browser, cookie_login
from tests.fixtures.auth import TEST_PASSWORD, login

NEW_PASSWORD = "Gunung-Arjuno-berkabut-pagi-7"  # noqa: S105 - test data
EMPLOYEE = {"nip": "198503122010011003", "name": "Budi Santoso", "gender": "L", "employee_type": "PNS"}


@pytest.fixture
def client(fresh_client):
    """The admin client, one app context per request (see tests/auth/conftest.py)."""
    return fresh_client


@pytest.fixture
def anon_client(fresh_anon_client):
    return fresh_anon_client


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def fields(resp) -> list[str]:
    return [e["field"] for e in resp.get_json().get("errors", [])]


def make_token(client, tenant, headers, **body):
    body.setdefault("name", "skrip laporan")
    return client.post(api(tenant, "/me/tokens"), json=body, headers=headers)


# --- profile ----------------------------------------------------------------------------------------------


def test_me_shows_the_callers_own_record(anon_client, malang, make_user, make_opd, make_employee):
    opd = make_opd(malang)
    nip = make_employee(malang)
    make_user(malang, "operator", username="op-sendiri", opd_ids=[opd], nip=nip)
    cookie_login(anon_client, malang, "op-sendiri")
    data = anon_client.get(api(malang, "/me")).get_json()
    assert {k: data[k] for k in ("username", "role", "nip", "opd_ids", "effective_role", "via_token")} == {
        "username": "op-sendiri", "role": "operator", "nip": nip, "opd_ids": [opd], "effective_role": "operator",
        "via_token": False}
    assert {"id", "full_name", "email"} <= data.keys()
    assert "password_hash" not in data


def test_every_role_reaches_its_own_account_and_anonymous_is_refused(app, anon_client, malang, token_for,
                                                                      make_employee):
    for role in ("admin", "operator", "viewer", "employee"):
        kwargs = {"nip": make_employee(malang)} if role == "employee" else {}
        resp = browser(app).get(api(malang, "/me"), headers=bearer(token_for(malang, role, **kwargs)))
        assert resp.status_code == 200, role
        assert resp.get_json()["via_token"] is True
    for method, path in (("get", "/me"), ("post", "/me/password"), ("get", "/me/sessions"), ("get", "/me/tokens"),
                         ("post", "/me/tokens"), ("delete", "/me/tokens/1"), ("post", "/me/sessions/revoke-others")):
        assert getattr(anon_client, method)(api(malang, path), json={}).status_code == 401, path


# --- own password -------------------------------------------------------------------------------------------


def test_changing_the_password_ends_other_sessions_but_keeps_this_one(app, malang, make_user):
    make_user(malang, "viewer", username="ganti-sandi")
    here, elsewhere = browser(app), browser(app)
    headers = cookie_login(here, malang, "ganti-sandi")
    cookie_login(elsewhere, malang, "ganti-sandi")

    resp = here.post(api(malang, "/me/password"), headers=headers,
                     json={"current_password": TEST_PASSWORD, "new_password": NEW_PASSWORD})
    assert resp.status_code == 204, resp.get_json()
    assert here.get(api(malang, "/me")).status_code == 200
    assert elsewhere.get(api(malang, "/me")).status_code == 401
    assert login(browser(app), malang.slug, "ganti-sandi", TEST_PASSWORD).status_code == 401
    assert login(browser(app), malang.slug, "ganti-sandi", NEW_PASSWORD).status_code == 200


def test_password_change_validations(app, malang, make_user):
    make_user(malang, "viewer", username="sandi-salah")
    me = browser(app)
    headers = cookie_login(me, malang, "sandi-salah")
    wrong = me.post(api(malang, "/me/password"), headers=headers,
                    json={"current_password": "bukan-sandi-saya-123", "new_password": NEW_PASSWORD})
    assert wrong.status_code == 422
    assert fields(wrong) == ["current_password"]
    weak = me.post(api(malang, "/me/password"), headers=headers,
                   json={"current_password": TEST_PASSWORD, "new_password": "sandi-salah-123"})
    assert weak.status_code == 422
    error = weak.get_json()["errors"][0]
    assert (error["field"], error["code"]) == ("new_password", "password_contains_name")
    missing = me.post(api(malang, "/me/password"), headers=headers, json={"new_password": NEW_PASSWORD})
    assert fields(missing) == ["current_password"]
    # without the CSRF token a cookie session cannot change anything
    assert me.post(api(malang, "/me/password"),
                   json={"current_password": TEST_PASSWORD, "new_password": NEW_PASSWORD}).status_code == 403


# --- own sessions ------------------------------------------------------------------------------------------


def test_sessions_are_listed_by_prefix_and_revoked_one_by_one_or_all_others(app, malang, make_user):
    make_user(malang, "operator", username="tiga-sesi")
    here, phone, laptop = browser(app), browser(app), browser(app)
    headers = cookie_login(here, malang, "tiga-sesi")
    cookie_login(phone, malang, "tiga-sesi")
    cookie_login(laptop, malang, "tiga-sesi")

    sessions = here.get(api(malang, "/me/sessions")).get_json()
    assert len(sessions) == 3
    assert all(len(s["id_prefix"]) == 8 for s in sessions)
    assert [s["current"] for s in sessions].count(True) == 1
    current = next(s["id_prefix"] for s in sessions if s["current"])
    phone_prefix = next(s["id_prefix"] for s in phone.get(api(malang, "/me/sessions")).get_json() if s["current"])

    assert here.post(api(malang, f"/me/sessions/{phone_prefix}/revoke"), headers=headers).status_code == 204
    assert phone.get(api(malang, "/me")).status_code == 401
    assert here.post(api(malang, f"/me/sessions/{phone_prefix}/revoke"), headers=headers).status_code == 404
    assert here.post(api(malang, "/me/sessions/zzzzzzzz/revoke"), headers=headers).status_code == 404
    assert here.post(api(malang, "/me/sessions/pendek/revoke"), headers=headers).status_code == 404

    resp = here.post(api(malang, "/me/sessions/revoke-others"), headers=headers)
    assert resp.get_json() == {"revoked": 1}
    assert laptop.get(api(malang, "/me")).status_code == 401
    assert [s["id_prefix"] for s in here.get(api(malang, "/me/sessions")).get_json()] == [current]


def test_another_users_session_cannot_be_revoked(app, malang, make_user):
    make_user(malang, "viewer", username="korban")
    make_user(malang, "viewer", username="iseng")
    victim, other = browser(app), browser(app)
    cookie_login(victim, malang, "korban")
    headers = cookie_login(other, malang, "iseng")
    prefix = victim.get(api(malang, "/me/sessions")).get_json()[0]["id_prefix"]
    assert other.post(api(malang, f"/me/sessions/{prefix}/revoke"), headers=headers).status_code == 404
    assert victim.get(api(malang, "/me")).status_code == 200


# --- personal access tokens ------------------------------------------------------------------------------


def test_a_token_is_shown_once_stored_as_digest_and_works_as_bearer(app, malang, make_user):
    user = make_user(malang, "operator", username="pembuat-token")
    me = browser(app)
    headers = cookie_login(me, malang, "pembuat-token")
    resp = make_token(me, malang, headers, expires_in_days=30)
    assert resp.status_code == 201, resp.get_json()
    data = resp.get_json()
    secret = data["token"]
    assert secret.startswith("kpt_")
    assert data["prefix"] == secret[:12]
    assert data["role"] == "operator"  # the caller's own role by default
    assert timedelta(days=29, hours=23) < datetime.fromisoformat(data["expires_at"]) - datetime.now(UTC)
    with tenant_context(malang):
        row = db.session.execute(sa.select(ApiToken).where(ApiToken.id == data["id"])).scalar_one()
        assert (row.user_id, row.token_hash, row.prefix) == (user["id"], digest(secret), secret[:12])

    listed = me.get(api(malang, "/me/tokens")).get_json()
    assert [t["id"] for t in listed] == [data["id"]]
    assert "token" not in listed[0] and secret not in str(listed)
    assert listed[0]["active"] is True

    api_client = browser(app)
    who = api_client.get(api(malang, "/me"), headers=bearer(secret)).get_json()
    assert (who["username"], who["via_token"]) == ("pembuat-token", True)
    # an operator's token writes training data, with no CSRF token
    assert api_client.post(api(malang, "/employees"), json=EMPLOYEE, headers=bearer(secret)).status_code == 201


def test_a_token_cannot_be_stronger_than_its_user(app, malang, make_user):
    make_user(malang, "operator", username="operator-serakah")
    me = browser(app)
    headers = cookie_login(me, malang, "operator-serakah")
    resp = make_token(me, malang, headers, role="admin")
    assert resp.status_code == 422
    assert fields(resp) == ["role"]
    assert make_token(me, malang, headers, role="viewer").status_code == 201


def test_an_admins_viewer_token_reads_but_cannot_write(app, malang, make_user):
    make_user(malang, "admin", username="admin-hemat")
    me = browser(app)
    headers = cookie_login(me, malang, "admin-hemat")
    secret = make_token(me, malang, headers, role="viewer").get_json()["token"]
    api_client = browser(app)
    assert api_client.get(api(malang, "/employees"), headers=bearer(secret)).status_code == 200
    assert api_client.post(api(malang, "/employees"), json=EMPLOYEE, headers=bearer(secret)).status_code == 403
    assert api_client.get(api(malang, "/users"), headers=bearer(secret)).status_code == 403
    assert api_client.get(api(malang, "/me"), headers=bearer(secret)).get_json()["effective_role"] == "viewer"


def test_a_token_cannot_mint_tokens(app, malang, make_user):
    make_user(malang, "admin", username="admin-token")
    me = browser(app)
    headers = cookie_login(me, malang, "admin-token")
    secret = make_token(me, malang, headers).get_json()["token"]
    resp = browser(app).post(api(malang, "/me/tokens"), json={"name": "turunan", "role": "viewer"},
                                  headers=bearer(secret))
    assert resp.status_code == 403
    assert resp.get_json()["type"].endswith("token-cannot-mint")
    assert len(me.get(api(malang, "/me/tokens")).get_json()) == 1


def test_revoked_and_expired_tokens_are_refused(app, malang, make_user):
    make_user(malang, "viewer", username="token-lama")
    me = browser(app)
    headers = cookie_login(me, malang, "token-lama")
    revoked = make_token(me, malang, headers).get_json()
    expired = make_token(me, malang, headers).get_json()
    api_client = browser(app)
    assert api_client.get(api(malang, "/me"), headers=bearer(revoked["token"])).status_code == 200

    assert me.delete(api(malang, f"/me/tokens/{revoked['id']}"), headers=headers).status_code == 204
    assert api_client.get(api(malang, "/me"), headers=bearer(revoked["token"])).status_code == 401
    assert me.delete(api(malang, f"/me/tokens/{revoked['id']}"), headers=headers).status_code == 404

    with tenant_context(malang):
        db.session.execute(sa.update(ApiToken).where(ApiToken.id == expired["id"])
                           .values(expires_at=datetime.now(UTC) - timedelta(seconds=1)))
        db.session.commit()
    assert api_client.get(api(malang, "/me"), headers=bearer(expired["token"])).status_code == 401
    listed = me.get(api(malang, "/me/tokens")).get_json()
    assert [(t["id"], t["active"]) for t in listed] == [(expired["id"], False)]


def test_another_users_token_cannot_be_revoked(app, malang, make_user):
    make_user(malang, "viewer", username="pemilik")
    make_user(malang, "viewer", username="penyusup")
    owner, intruder = browser(app), browser(app)
    token = make_token(owner, malang, cookie_login(owner, malang, "pemilik")).get_json()
    headers = cookie_login(intruder, malang, "penyusup")
    assert intruder.delete(api(malang, f"/me/tokens/{token['id']}"), headers=headers).status_code == 404
    assert browser(app).get(api(malang, "/me"), headers=bearer(token["token"])).status_code == 200


@pytest.mark.parametrize(("body", "field"), [
    ({"expires_in_days": 0}, "expires_in_days"),
    ({"expires_in_days": 366}, "expires_in_days"),
    ({"name": ""}, "name"),
    ({"name": "   "}, "name"),
    ({"role": "root"}, "role"),
])
def test_token_validations(app, malang, make_user, body, field):
    make_user(malang, "admin", username="admin-validasi")
    me = browser(app)
    resp = make_token(me, malang, cookie_login(me, malang, "admin-validasi"), **body)
    assert resp.status_code == 422
    assert fields(resp) == [field]


def test_a_token_is_bound_to_its_region(app, malang, serang, make_user):
    make_user(malang, "admin", username="admin-malang")
    me = browser(app)
    secret = make_token(me, malang, cookie_login(me, malang, "admin-malang")).get_json()["token"]
    assert browser(app).get(api(serang, "/me"), headers=bearer(secret)).status_code == 401

"""User management by a region's admin: /t/<slug>/api/v1/users (invite, read, change, reset, disable, sessions)
and the public POST /auth/set-password that the one-time links lead to."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from app.auth import digest
from app.extensions import db
from app.models.accounts import OneTimeToken
from app.services.users import manage as user_service
from app.tenancy import tenant_context
from tests.auth.conftest import api, browser, cookie_login
from tests.fixtures.auth import login

NEW_PASSWORD = "Matahari-terbit-di-Tengger-2024"  # noqa: S105 - test data
BAD_LINK = user_service.BAD_LINK


@pytest.fixture
def client(fresh_client):
    """The admin client, one app context per request (see tests/auth/conftest.py)."""
    return fresh_client


@pytest.fixture
def anon_client(fresh_anon_client):
    return fresh_anon_client


def invite(client, tenant, **overrides):
    body = {"username": "budi.santoso", "full_name": "Budi Santoso", "role": "viewer",
            "email": "budi@example.go.id"}
    body.update(overrides)
    return client.post(api(tenant, "/users"), json=body)


def link_token(resp_or_link) -> str:
    link = resp_or_link if isinstance(resp_or_link, dict) else resp_or_link.get_json()["link"]
    return link["set_password_url"].rsplit("/", 1)[1]


def set_password(client, tenant, token, password=NEW_PASSWORD):
    return client.post(api(tenant, "/auth/set-password"), json={"token": token, "password": password})


def fields(resp) -> list[str]:
    return [e["field"] for e in resp.get_json().get("errors", [])]


def my_id(client, tenant) -> int:
    return client.get(api(tenant, "/me")).get_json()["id"]


# --- listing and reading --------------------------------------------------------------------------------


def test_admin_lists_users_with_opd_scopes_and_filters(client, malang, make_user, make_opd):
    opd_a, opd_b = make_opd(malang), make_opd(malang)
    make_user(malang, "operator", username="op-dinkes", opd_ids=[opd_b, opd_a])
    make_user(malang, "viewer", username="sekda-viewer")
    make_user(malang, "viewer", username="inspektorat", active=False)

    resp = client.get(api(malang, "/users"), query_string={"role": "operator"})
    assert resp.status_code == 200
    page = resp.get_json()
    assert page["total"] == 1
    assert page["items"][0]["username"] == "op-dinkes"
    assert page["items"][0]["opd_ids"] == sorted([opd_a, opd_b])
    assert "password_hash" not in page["items"][0]

    viewers = client.get(api(malang, "/users"), query_string={"role": "viewer", "active": "true"}).get_json()
    assert [u["username"] for u in viewers["items"]] == ["sekda-viewer"]
    found = client.get(api(malang, "/users"), query_string={"q": "INSPEKT"}).get_json()
    assert [u["username"] for u in found["items"]] == ["inspektorat"]
    assert found["items"][0]["active"] is False
    by_name = client.get(api(malang, "/users"), query_string={"q": "pengguna operator"}).get_json()
    assert [u["username"] for u in by_name["items"]] == ["op-dinkes"]


def test_admin_reads_one_user(client, malang, make_user):
    user = make_user(malang, "viewer", username="sekda-viewer")
    resp = client.get(api(malang, f"/users/{user['id']}"))
    assert resp.status_code == 200
    data = resp.get_json()
    assert (data["id"], data["username"], data["role"], data["password_set"]) == (user["id"], "sekda-viewer",
                                                                                   "viewer", True)
    assert data["opd_ids"] == []


def test_a_user_of_another_region_is_not_found(client, malang, serang, make_user):
    for n in range(5):
        make_user(serang, "viewer", username=f"serang-{n}")
    serang_id = client.get(api(serang, "/users"), query_string={"q": "serang-4"}).get_json()["items"][0]["id"]
    assert client.get(api(malang, "/users")).get_json()["total"] == 1  # only the test's own admin
    assert client.get(api(malang, f"/users/{serang_id}")).status_code == 404
    assert client.patch(api(malang, f"/users/{serang_id}"), json={"role": "admin"}).status_code == 404
    assert client.post(api(malang, f"/users/{serang_id}/disable")).status_code == 404
    assert client.post(api(malang, f"/users/{serang_id}/reset-password")).status_code == 404


# --- invitation and the one-time link -------------------------------------------------------------------


def test_invite_makes_a_user_without_password_and_a_link_stored_only_as_digest(client, app, malang):
    resp = invite(client, malang)
    assert resp.status_code == 201, resp.get_json()
    data = resp.get_json()
    assert data["user"]["username"] == "budi.santoso"
    assert data["user"]["password_set"] is False
    assert data["link"]["purpose"] == "invite"
    assert data["link"]["set_password_url"].startswith("/t/kota-malang/set-password/")
    token = link_token(resp)
    expires = datetime.fromisoformat(data["link"]["expires_at"])
    assert timedelta(days=6, hours=23) < expires - datetime.now(UTC) <= timedelta(days=7)
    with tenant_context(malang):
        rows = db.session.execute(sa.select(OneTimeToken)).scalars().all()
        assert [(r.user_id, r.purpose, r.token_hash) for r in rows] == [(data["user"]["id"], "invite",
                                                                        digest(token))]
    # never retrievable again
    again = client.get(api(malang, f"/users/{data['user']['id']}")).get_json()
    assert token not in str(again)
    # no password yet: nobody can log in as the invited user
    assert login(browser(app), malang.slug, "budi.santoso", NEW_PASSWORD).status_code == 401


def test_invite_link_sets_the_password_once_and_the_user_can_log_in(client, anon_client, app, malang):
    token = link_token(invite(client, malang))
    resp = set_password(anon_client, malang, token)
    assert resp.status_code == 200, resp.get_json()
    assert resp.get_json()["username"] == "budi.santoso"

    assert login(anon_client, malang.slug, "budi.santoso", NEW_PASSWORD).status_code == 200
    assert anon_client.get(api(malang, "/me")).get_json()["username"] == "budi.santoso"

    again = set_password(browser(app), malang, token, "Another-strong-passphrase-77")
    assert again.status_code == 422
    assert again.get_json()["errors"] == [{"field": "token", "reason": BAD_LINK}]


def test_unknown_used_and_expired_links_are_refused_alike(client, anon_client, malang):
    used = link_token(invite(client, malang, username="sudah-dipakai"))
    assert set_password(anon_client, malang, used).status_code == 200
    expired = link_token(invite(client, malang, username="kedaluwarsa"))
    with tenant_context(malang):
        db.session.execute(sa.update(OneTimeToken).where(OneTimeToken.token_hash == digest(expired))
                           .values(expires_at=datetime.now(UTC) - timedelta(seconds=1)))
        db.session.commit()

    answers = [set_password(anon_client, malang, t) for t in (used, expired, "tidak-ada-token-seperti-ini")]
    assert [r.status_code for r in answers] == [422, 422, 422]
    assert len({str(r.get_json()["errors"]) for r in answers}) == 1


def test_a_weak_password_is_refused_and_the_link_stays_usable(client, anon_client, malang):
    token = link_token(invite(client, malang))
    for weak, code in (("pendek", "password_too_short"), ("password123", None),
                       ("budi.santoso-rahasia", "password_contains_name")):
        resp = set_password(anon_client, malang, token, weak)
        assert resp.status_code == 422
        assert fields(resp) == ["password"]
        if code:
            assert resp.get_json()["errors"][0]["code"] == code
    assert set_password(anon_client, malang, token).status_code == 200


def test_set_password_is_public_but_bound_to_its_region(client, anon_client, malang, serang):
    token = link_token(invite(client, malang))
    assert set_password(anon_client, serang, token).status_code == 422  # the link belongs to Kota Malang
    assert set_password(anon_client, malang, token).status_code == 200


@pytest.mark.parametrize(("overrides", "field"), [
    ({"username": "Budi Santoso"}, "username"),
    ({"username": "ab"}, "username"),
    ({"username": "x" * 65}, "username"),
    ({"role": "superadmin"}, "role"),
    ({"email": "bukan-email"}, "email"),
    ({"full_name": "   "}, "full_name"),
    ({"role": "viewer", "opd_ids": [1]}, "opd_ids"),
    ({"role": "operator", "opd_ids": [987654]}, "opd_ids"),
    ({"role": "employee"}, "nip"),
    ({"role": "employee", "nip": "198503122010011003"}, "nip"),
])
def test_invite_validations(client, malang, overrides, field):
    resp = invite(client, malang, **overrides)
    assert resp.status_code == 422, resp.get_json()
    assert field in fields(resp)


def test_invite_an_operator_scoped_to_active_opds_only(client, malang, make_opd):
    active, retired = make_opd(malang), make_opd(malang, active=False)
    refused = invite(client, malang, role="operator", opd_ids=[active, retired])
    assert refused.status_code == 422
    assert fields(refused) == ["opd_ids"]
    resp = invite(client, malang, role="operator", opd_ids=[active])
    assert resp.status_code == 201
    assert resp.get_json()["user"]["opd_ids"] == [active]


def test_invite_an_employee_linked_by_nip_once(client, malang, make_employee):
    nip = make_employee(malang)
    resp = invite(client, malang, username="asn-budi", role="employee", nip=nip)
    assert resp.status_code == 201
    assert resp.get_json()["user"]["nip"] == nip
    again = invite(client, malang, username="asn-budi-2", role="employee", nip=nip)
    assert again.status_code == 409
    assert fields(again) == ["nip"]
    retired = make_employee(malang, active=False)
    assert invite(client, malang, username="asn-pensiun", role="employee", nip=retired).status_code == 422


def test_a_duplicate_username_is_a_conflict(client, malang):
    assert invite(client, malang).status_code == 201
    resp = invite(client, malang, full_name="Budi Lain")
    assert resp.status_code == 409
    assert fields(resp) == ["username"]


# --- changing role and scope ----------------------------------------------------------------------------


def test_role_and_scope_changes_apply_on_the_users_next_request(client, anon_client, malang, make_user, make_opd):
    opd_a, opd_b = make_opd(malang), make_opd(malang)
    user = make_user(malang, "operator", username="op-kec", opd_ids=[opd_a])
    headers = cookie_login(anon_client, malang, "op-kec")
    assert anon_client.get(api(malang, "/auth/whoami")).get_json()["opd_ids"] == [opd_a]

    resp = client.patch(api(malang, f"/users/{user['id']}"), json={"opd_ids": [opd_b, opd_a], "full_name": "Op Baru"})
    assert resp.status_code == 200, resp.get_json()
    assert resp.get_json()["opd_ids"] == sorted([opd_a, opd_b])
    assert resp.get_json()["full_name"] == "Op Baru"
    assert anon_client.get(api(malang, "/auth/whoami")).get_json()["opd_ids"] == sorted([opd_a, opd_b])

    resp = client.patch(api(malang, f"/users/{user['id']}"), json={"role": "viewer"})
    assert resp.status_code == 200
    assert resp.get_json()["opd_ids"] == []  # only operators are scoped
    who = anon_client.get(api(malang, "/auth/whoami")).get_json()
    assert (who["role"], who["opd_ids"]) == ("viewer", None)
    assert anon_client.get(api(malang, "/employees")).status_code == 200
    refused = anon_client.post(api(malang, "/employees"), json={}, headers=headers)
    assert refused.status_code == 403
    assert refused.get_json()["type"].endswith("/forbidden")


def test_update_validations(client, malang, make_user, make_opd):
    viewer = make_user(malang, "viewer")
    patch = api(malang, f"/users/{viewer['id']}")
    assert fields(client.patch(patch, json={"opd_ids": [make_opd(malang)]})) == ["opd_ids"]
    assert fields(client.patch(patch, json={"role": "employee"})) == ["role"]  # no NIP linked
    assert fields(client.patch(patch, json={"role": "boss"})) == ["role"]
    assert client.patch(patch, json={"email": None}).status_code == 200


def test_the_last_active_admin_cannot_demote_or_disable_themselves(client, malang, make_user):
    me = my_id(client, malang)
    for resp in (client.patch(api(malang, f"/users/{me}"), json={"role": "viewer"}),
                 client.post(api(malang, f"/users/{me}/disable"))):
        assert resp.status_code == 409
        assert resp.get_json()["type"].endswith("last-admin")
    make_user(malang, "admin", username="admin-kedua", active=False)
    assert client.post(api(malang, f"/users/{me}/disable")).status_code == 409  # a disabled admin does not count
    make_user(malang, "admin", username="admin-ketiga")
    assert client.patch(api(malang, f"/users/{me}"), json={"role": "operator"}).status_code == 200


def test_an_admin_who_can_log_in_cannot_leave_only_admins_without_a_password(app, malang, make_user):
    """An invited admin who has not set a password cannot log in: they do not count as the region's admin."""
    me = make_user(malang, "admin")
    mine = browser(app)
    headers = cookie_login(mine, malang, me["username"])
    invited = mine.post(api(malang, "/users"), json={"username": "admin.undangan", "full_name": "Admin Undangan",
                                                     "role": "admin"}, headers=headers)
    assert invited.status_code == 201, invited.get_json()

    for resp in (mine.patch(api(malang, f"/users/{me['id']}"), json={"role": "operator"}, headers=headers),
                 mine.post(api(malang, f"/users/{me['id']}/disable"), headers=headers)):
        assert resp.status_code == 409, resp.get_json()
        assert resp.get_json()["type"].endswith("last-admin")
        assert "kata sandi" in resp.get_json()["detail"]

    assert set_password(browser(app), malang, link_token(invited)).status_code == 200
    assert mine.patch(api(malang, f"/users/{me['id']}"), json={"role": "operator"}, headers=headers).status_code == 200


# --- reset, disable, enable, sessions ----------------------------------------------------------------------


def test_a_reset_link_invalidates_older_links(client, anon_client, malang):
    invited = invite(client, malang)
    user_id = invited.get_json()["user"]["id"]
    first = link_token(invited)
    resp = client.post(api(malang, f"/users/{user_id}/reset-password"))
    assert resp.status_code == 200
    assert resp.get_json()["purpose"] == "reset"
    expires = datetime.fromisoformat(resp.get_json()["expires_at"])
    assert timedelta(hours=23) < expires - datetime.now(UTC) <= timedelta(hours=24)
    second = link_token(resp.get_json())
    third = link_token(client.post(api(malang, f"/users/{user_id}/reset-password")).get_json())

    assert set_password(anon_client, malang, first).status_code == 422
    assert set_password(anon_client, malang, second).status_code == 422
    assert set_password(anon_client, malang, third).status_code == 200


def test_setting_a_password_through_a_reset_link_ends_the_users_sessions(client, anon_client, app, malang, make_user):
    user = make_user(malang, "viewer", username="lupa-sandi")
    cookie_login(anon_client, malang, "lupa-sandi")
    token = link_token(client.post(api(malang, f"/users/{user['id']}/reset-password")).get_json())
    other = browser(app)
    assert set_password(other, malang, token).status_code == 200
    assert anon_client.get(api(malang, "/me")).status_code == 401
    assert login(other, malang.slug, "lupa-sandi").status_code == 401  # the old password is gone
    assert login(other, malang.slug, "lupa-sandi", NEW_PASSWORD).status_code == 200


def test_disable_ends_the_session_and_tokens_at_the_next_request(client, anon_client, app, malang, make_user):
    user = make_user(malang, "operator", username="op-keluar")
    headers = cookie_login(anon_client, malang, "op-keluar")
    token = anon_client.post(api(malang, "/me/tokens"), json={"name": "skrip"}, headers=headers).get_json()["token"]
    bearer = {"Authorization": f"Bearer {token}"}
    assert browser(app).get(api(malang, "/me"), headers=bearer).status_code == 200

    resp = client.post(api(malang, f"/users/{user['id']}/disable"))
    assert resp.status_code == 200
    assert resp.get_json()["active"] is False
    assert anon_client.get(api(malang, "/me")).status_code == 401
    assert browser(app).get(api(malang, "/me"), headers=bearer).status_code == 401
    assert login(browser(app), malang.slug, "op-keluar").status_code == 401
    assert client.post(api(malang, f"/users/{user['id']}/reset-password")).status_code == 409

    # enabling lets them log in again, but revoked sessions and tokens stay dead
    assert client.post(api(malang, f"/users/{user['id']}/enable")).get_json()["active"] is True
    assert anon_client.get(api(malang, "/me")).status_code == 401
    assert browser(app).get(api(malang, "/me"), headers=bearer).status_code == 401
    assert login(browser(app), malang.slug, "op-keluar").status_code == 200


def test_admin_lists_and_revokes_a_users_sessions(client, app, malang, make_user):
    user = make_user(malang, "viewer", username="banyak-sesi")
    browsers = [browser(app), browser(app)]
    for each in browsers:
        cookie_login(each, malang, "banyak-sesi")

    sessions = client.get(api(malang, f"/users/{user['id']}/sessions")).get_json()
    assert len(sessions) == 2
    assert all(len(s["id_prefix"]) == 8 and s["ip"].startswith("10.77.") and s["current"] is False for s in sessions)

    resp = client.post(api(malang, f"/users/{user['id']}/sessions/revoke"))
    assert resp.get_json() == {"revoked": 2}
    assert [b.get(api(malang, "/me")).status_code for b in browsers] == [401, 401]
    assert client.get(api(malang, f"/users/{user['id']}/sessions")).get_json() == []


# --- who may manage users ---------------------------------------------------------------------------------

ROUTES = [("get", "/users"), ("post", "/users"), ("get", "/users/1"), ("patch", "/users/1"),
          ("post", "/users/1/reset-password"), ("post", "/users/1/disable"), ("post", "/users/1/enable"),
          ("get", "/users/1/sessions"), ("post", "/users/1/sessions/revoke")]


@pytest.mark.parametrize("role", ["operator", "viewer", "employee"])
def test_only_admins_manage_users(app, malang, token_for, make_employee, role):
    kwargs = {"nip": make_employee(malang)} if role == "employee" else {}
    headers = {"Authorization": f"Bearer {token_for(malang, role, **kwargs)}"}
    caller = browser(app)
    for method, path in ROUTES:
        resp = getattr(caller, method)(api(malang, path), json={"role": "admin"}, headers=headers)
        assert resp.status_code == 403, (method, path)


def test_anonymous_callers_are_asked_to_log_in(anon_client, malang):
    for method, path in ROUTES:
        assert getattr(anon_client, method)(api(malang, path), json={}).status_code == 401, (method, path)


def test_an_admin_sees_their_own_session_marked_current(app, malang, make_user):
    admin = make_user(malang, "admin", username="admin-sesi")
    me = browser(app)
    cookie_login(me, malang, "admin-sesi")
    sessions = me.get(api(malang, f"/users/{admin['id']}/sessions")).get_json()
    assert [s["current"] for s in sessions] == [True]

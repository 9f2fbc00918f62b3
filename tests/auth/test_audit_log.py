"""The tenant audit log: every write of this area lands in it (who, what, before/after, request id, IP, never a
secret), admins read and filter it at /t/<slug>/api/v1/audit-log, and nobody can change or delete an entry."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

import psycopg
import pytest
import sqlalchemy as sa
from sqlalchemy import event

from app.domain.dates import WIB
from app.extensions import db
from app.tenancy import tenant_context
from tests.auth.conftest import api, browser, cookie_login
from tests.fixtures.auth import TEST_PASSWORD

NEW_PASSWORD = "Pantai-Balekambang-berombak-9"  # noqa: S105 - test data
NEWER_PASSWORD = "Candi-Badut-tertua-di-Jatim-8"  # noqa: S105 - test data


@pytest.fixture
def client(fresh_client):
    """The admin client, one app context per request (see tests/auth/conftest.py)."""
    return fresh_client


@pytest.fixture
def anon_client(fresh_anon_client):
    return fresh_anon_client


def log(client, tenant, **filters) -> list[dict]:
    resp = client.get(api(tenant, "/audit-log"), query_string={"limit": 200, **filters})
    assert resp.status_code == 200, resp.get_json()
    return resp.get_json()["items"]


def invite(client, tenant, username, role="viewer", request_id=None):
    headers = {"X-Request-ID": request_id} if request_id else {}
    resp = client.post(api(tenant, "/users"), json={"username": username, "full_name": username.title(),
                                                     "role": role}, headers=headers)
    assert resp.status_code == 201, resp.get_json()
    return resp.get_json()


def test_every_user_token_session_and_password_write_is_audited_without_secrets(client, app, malang):
    admin = client.get(api(malang, "/me")).get_json()["username"]
    invited = invite(client, malang, "siti.aminah", request_id="uji-undang-1")
    user_id = invited["user"]["id"]
    client.patch(api(malang, f"/users/{user_id}"), json={"role": "operator", "full_name": "Siti Aminah"})
    reset = client.post(api(malang, f"/users/{user_id}/reset-password")).get_json()
    token = reset["set_password_url"].rsplit("/", 1)[1]
    me, phone = browser(app), browser(app)
    assert me.post(api(malang, "/auth/set-password"), json={"token": token, "password": NEW_PASSWORD}) \
        .status_code == 200
    headers = cookie_login(me, malang, "siti.aminah", NEW_PASSWORD)
    cookie_login(phone, malang, "siti.aminah", NEW_PASSWORD)
    made = me.post(api(malang, "/me/tokens"), json={"name": "skrip"}, headers=headers).get_json()
    assert me.delete(api(malang, f"/me/tokens/{made['id']}"), headers=headers).status_code == 204
    assert me.post(api(malang, "/me/sessions/revoke-others"), headers=headers).get_json() == {"revoked": 1}
    assert me.post(api(malang, "/me/password"), headers=headers,
                   json={"current_password": NEW_PASSWORD, "new_password": NEWER_PASSWORD}).status_code == 204
    client.post(api(malang, f"/users/{user_id}/sessions/revoke"))
    client.post(api(malang, f"/users/{user_id}/disable"))
    client.post(api(malang, f"/users/{user_id}/enable"))

    entries = log(client, malang)
    actions = [e["action"] for e in reversed(entries)]
    assert actions == ["user.invite", "user.update", "user.reset_password", "auth.set_password", "auth.login",
                       "auth.login", "token.create", "token.revoke", "session.revoke", "auth.change_password",
                       "user.sessions_revoke", "user.disable", "user.enable"]
    by_action = {e["action"]: e for e in entries}

    first = by_action["user.invite"]
    assert (first["actor"], first["entity"], first["entity_id"]) == (admin, "users", str(user_id))
    assert first["request_id"] == "uji-undang-1"
    assert first["ip"] == "127.0.0.1"
    assert first["before"] is None
    assert first["after"]["username"] == "siti.aminah"

    update = by_action["user.update"]
    assert (update["before"]["role"], update["after"]["role"]) == ("viewer", "operator")
    assert update["after"]["full_name"] == "Siti Aminah"
    assert all(e["request_id"] for e in entries)
    assert by_action["auth.set_password"]["actor"] == "siti.aminah"  # the link's owner, not anonymous
    assert by_action["token.create"]["actor"] == "siti.aminah"
    assert by_action["token.create"]["after"]["prefix"] == made["prefix"]
    assert by_action["user.disable"]["before"]["active"] is True
    assert by_action["user.disable"]["after"]["active"] is False
    assert by_action["session.revoke"]["ip"].startswith("10.77.")

    everything = json.dumps(entries)
    for secret in (made["token"], made["token"][4:], token, invited["link"]["set_password_url"], "password_hash",
                   "token_hash", "$argon2", NEW_PASSWORD, NEWER_PASSWORD, TEST_PASSWORD):
        assert secret not in everything


def test_the_log_is_filtered_and_paged_newest_first(client, malang, make_user):
    other = make_user(malang, "viewer", username="biasa")
    ids = [invite(client, malang, f"pegawai-{n}")["user"]["id"] for n in range(5)]
    client.post(api(malang, f"/users/{other['id']}/disable"))
    admin = client.get(api(malang, "/me")).get_json()["username"]

    everything = log(client, malang)
    assert [e["id"] for e in everything] == sorted((e["id"] for e in everything), reverse=True)
    assert [e["action"] for e in log(client, malang, action="user.inv")] == ["user.invite"] * 5
    assert [e["entity_id"] for e in log(client, malang, entity="users", entity_id=str(ids[2]))] == [str(ids[2])]
    assert len(log(client, malang, actor=admin)) == 6
    assert log(client, malang, actor="orang-lain") == []
    assert log(client, malang, action="user.disable")[0]["entity_id"] == str(other["id"])
    assert log(client, malang, action="user%") == []  # a prefix, not a pattern

    today = datetime.now(WIB).date()
    assert len(log(client, malang, **{"from": today.isoformat(), "to": today.isoformat()})) == 6
    assert log(client, malang, **{"from": (today + timedelta(days=1)).isoformat()}) == []
    assert log(client, malang, to=(today - timedelta(days=1)).isoformat()) == []
    backwards = client.get(api(malang, "/audit-log"), query_string={"from": today.isoformat(),
                                                                    "to": (today - timedelta(days=1)).isoformat()})
    assert backwards.status_code == 422

    first = client.get(api(malang, "/audit-log"), query_string={"limit": 4}).get_json()
    assert len(first["items"]) == 4
    second = client.get(api(malang, "/audit-log"),
                        query_string={"limit": 4, "before_id": first["next_before_id"]}).get_json()
    assert len(second["items"]) == 2
    assert second["next_before_id"] is None
    assert [e["id"] for e in first["items"] + second["items"]] == [e["id"] for e in everything]


def test_reading_the_log_is_one_query(client, malang):
    invite(client, malang, "satu-kueri")
    client.get(api(malang, "/me"))  # the admin's token exists before counting
    statements: list[str] = []

    def _record(_conn, _cursor, statement, *_args):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", _record)
    try:
        assert len(log(client, malang, action="user.")) == 1
    finally:
        event.remove(db.engine, "before_cursor_execute", _record)
    assert len([s for s in statements if "audit_log" in s]) == 1


@pytest.mark.parametrize("role", ["operator", "viewer", "employee"])
def test_only_admins_read_the_log(app, malang, token_for, make_employee, role):
    kwargs = {"nip": make_employee(malang)} if role == "employee" else {}
    resp = browser(app).get(api(malang, "/audit-log"),
                                 headers={"Authorization": f"Bearer {token_for(malang, role, **kwargs)}"})
    assert resp.status_code == 403


def test_anonymous_cannot_read_the_log(anon_client, malang):
    assert anon_client.get(api(malang, "/audit-log")).status_code == 401


@pytest.mark.parametrize("statement", ["UPDATE audit_log SET action = 'x'", "DELETE FROM audit_log"])
def test_entries_cannot_be_changed_or_deleted(client, malang, statement):
    invite(client, malang, "saksi")
    with tenant_context(malang):
        with pytest.raises(sa.exc.DBAPIError) as raised:
            db.session.execute(sa.text(statement))
        assert isinstance(raised.value.orig, psycopg.errors.InsufficientPrivilege)
        db.session.rollback()
        assert db.session.execute(sa.text("SELECT action FROM audit_log")).scalars().all() == ["user.invite"]
        db.session.rollback()

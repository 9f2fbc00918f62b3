"""The ops tests' callers: platform users logged in through the platform's login form (cookie session), each request
in its own app context as under gunicorn."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from app.auth import new_secret
from app.extensions import db
from app.models.accounts import PlatformUser
from app.services.accounts.hashing import hash_password
from app.tenancy import no_tenant
from tests.auth.conftest import browser
from tests.fixtures.auth import TEST_PASSWORD

CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_of(resp) -> str:
    return CSRF_FIELD.search(resp.get_data(as_text=True)).group(1)


@pytest.fixture
def platform_browser(app):
    """`login(role)` -> (a logged-in cookie client, its username)."""
    made: list[int] = []

    def login(role: str):
        with no_tenant():
            user = PlatformUser(username=f"ops-{role}-{new_secret(4).lower()}", full_name=f"Uji {role}", role=role,
                                province_code="35" if role == "province" else None,
                                password_hash=hash_password(TEST_PASSWORD))
            db.session.add(user)
            db.session.commit()
            made.append(user.id)
            username = user.username
        client = browser(app)
        token = csrf_of(client.get("/login"))
        resp = client.post("/login", data={"csrf_token": token, "username": username, "password": TEST_PASSWORD})
        assert resp.status_code == 302, resp.get_data(as_text=True)
        return client, username

    yield login
    with no_tenant():
        db.session.execute(sa.delete(PlatformUser).where(PlatformUser.id.in_(made)))
        db.session.commit()

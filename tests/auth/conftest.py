"""Factories for tests/auth: OPDs and employees (committed), URLs, cookie logins, and clients whose every
request runs in its own app context.

Factories return plain values (never ORM objects, which would not outlive their tenant context).
"""

from __future__ import annotations

import itertools
from datetime import date, timedelta

import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient

from app.auth import new_secret
from app.domain.nip import make_nip
from app.extensions import db
from app.models.accounts import PlatformUser
from app.models.employees import Employee, Opd
from app.services.accounts.hashing import hash_password
from app.services.text import name_key
from app.tenancy import TenantInfo, no_tenant, tenant_context
from tests.fixtures.auth import TEST_PASSWORD, AdminClient, login

_serial = itertools.count(1)
_addresses = itertools.count(1)


class FreshContextClient(FlaskClient):
    """Every request in its own app context, as under gunicorn. The session-wide app context of
    tests/fixtures/app.py would hand each request Flask-Login's cached user (`g._login_user`) of the one before."""

    def open(self, *args, **kwargs):
        with self.application.app_context():
            return super().open(*args, **kwargs)


class FreshAdminClient(FreshContextClient, AdminClient):
    """tests.fixtures.auth.AdminClient (a Bearer token of a fresh admin of the region in the URL), one app
    context per request."""


def browser(app) -> FreshContextClient:
    """A new client (its own cookie jar) calling from an address of its own, so that the failed logins a test
    makes on purpose never count towards another test's per-IP throttle."""
    n = next(_addresses)
    client = FreshContextClient(app, app.response_class, use_cookies=True)
    client.environ_base["REMOTE_ADDR"] = f"10.77.{n // 250}.{n % 250 + 1}"
    return client


@pytest.fixture
def fresh_client(app) -> FreshAdminClient:
    """Like `client` (an admin of whichever region the URL names), one app context per request."""
    return FreshAdminClient(app, app.response_class, use_cookies=True)


@pytest.fixture
def fresh_anon_client(app) -> FreshContextClient:
    """Like `anon_client` (no credentials, keeps cookies), one app context per request."""
    return FreshContextClient(app, app.response_class, use_cookies=True)


def api(tenant: TenantInfo | str, path: str = "") -> str:
    """api(malang, "/users") → /t/kota-malang/api/v1/users."""
    slug = tenant if isinstance(tenant, str) else tenant.slug
    return f"/t/{slug}/api/v1{path}"


def cookie_login(client, tenant: TenantInfo, username: str, password: str = TEST_PASSWORD) -> dict:
    """Log `client` in with a cookie session; returns the headers its unsafe requests need (CSRF)."""
    resp = login(client, tenant.slug, username, password)
    assert resp.status_code == 200, resp.get_json()
    return {"X-CSRF-Token": resp.get_json()["csrf_token"]}


@pytest.fixture
def make_opd(tenants):
    """`make_opd(tenant, active=True)` → the id of a committed OPD."""

    def _make(tenant: TenantInfo, *, active: bool = True) -> int:
        name = f"Dinas Uji {next(_serial)}"
        with tenant_context(tenant):
            opd = Opd(name=name, name_key=name_key(name), active=active)
            db.session.add(opd)
            db.session.commit()
            return opd.id

    return _make


@pytest.fixture
def make_employee(tenants):
    """`make_employee(tenant, active=True)` → the NIP of a committed employee (a fresh valid NIP)."""

    def _make(tenant: TenantInfo, *, active: bool = True) -> str:
        n = next(_serial)
        born = date(1970, 1, 1) + timedelta(days=n * 37)
        nip = make_nip(born, born.year + 22, 1 + n % 12, "L", n % 1000)
        with tenant_context(tenant):
            db.session.add(Employee(nip=nip, name=f"Pegawai Uji {n}", name_key=name_key(f"Pegawai Uji {n}"),
                                    gender="L", birth_date=born, employee_type="PNS", active=active))
            db.session.commit()
        return nip

    return _make


@pytest.fixture
def platform_user(app):
    """Make platform users (password TEST_PASSWORD); removed after the test."""
    made: list[int] = []

    def _make(role: str, province_code: str | None = None) -> dict:
        with no_tenant():
            user = PlatformUser(username=f"{role}-{new_secret(4).lower()}", full_name=f"Uji {role}", role=role,
                                province_code=province_code, password_hash=hash_password(TEST_PASSWORD))
            db.session.add(user)
            db.session.commit()
            made.append(user.id)
            return {"id": user.id, "username": user.username, "role": role}

    yield _make
    with no_tenant():
        db.session.execute(sa.delete(PlatformUser).where(PlatformUser.id.in_(made)))
        db.session.commit()

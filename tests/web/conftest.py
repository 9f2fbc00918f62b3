"""Helpers for the page tests: a browser-like client logged in with a cookie (its CSRF token at hand), and a
few rows (OPDs, employees, JP lines, cohorts) re-exported from tests/fixtures/factories.py."""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass

import pytest
from flask.testing import FlaskClient

from app.tenancy import TenantInfo
from tests.fixtures.auth import create_user, login
from tests.fixtures.factories import add_jp, make_cohort, make_employee, make_enrolment, make_opd  # noqa: F401

_addresses = itertools.count(1)


class PageClient(FlaskClient):
    """Every request in its own app context (as under gunicorn: Flask-Login caches the user on `g`), from an
    address of its own (the login throttle counts per IP)."""

    def open(self, *args, **kwargs):
        with self.application.app_context():
            return super().open(*args, **kwargs)


@dataclass
class Browser:
    client: PageClient
    csrf: str
    user: dict
    slug: str

    def get(self, path: str, **kw):
        return self.client.get(f"/t/{self.slug}{path}", **kw)

    def post(self, path: str, data: dict | None = None, *, csrf: bool = True, **kw):
        form = dict(data or {})
        if csrf:
            form.setdefault("csrf_token", self.csrf)
        return self.client.post(f"/t/{self.slug}{path}", data=form, **kw)


@pytest.fixture
def browser_for(app, tenants):
    """`browser_for(tenant, role, opd_ids=(), nip=None)` → a Browser logged in with a session cookie."""

    def _make(tenant: TenantInfo, role: str, **kw) -> Browser:
        n = next(_addresses)
        client = PageClient(app, app.response_class, use_cookies=True)
        client.environ_base["REMOTE_ADDR"] = f"10.88.{n // 250}.{n % 250 + 1}"
        user = create_user(tenant, role, **kw)
        resp = login(client, tenant.slug, user["username"])
        assert resp.status_code == 200, resp.get_data(as_text=True)
        return Browser(client=client, csrf=resp.get_json()["csrf_token"], user=user, slug=tenant.slug)

    return _make


def text_of(html: str) -> str:
    """The visible text, tags dropped and spaces squeezed (for assertions on what a person reads)."""
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())

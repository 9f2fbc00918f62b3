"""Helpers for the catalogue and cohort page tests: a logged-in browser per role, and DB reads to check writes.

Rows are made with tests/api/enrolment_factories (straight through the models, committed)."""

from __future__ import annotations

import itertools

import sqlalchemy as sa
from flask.testing import FlaskClient

from app.extensions import db
from app.tenancy import TenantInfo, tenant_context
from tests.fixtures.auth import create_user, login

_addresses = itertools.count(1)


class Browser(FlaskClient):
    """A cookie-session client, each request in its own app context (as under gunicorn), from its own address
    (never sharing a login throttle); `csrf` is the session's token for form posts."""

    csrf: str = ""
    slug: str = ""

    def open(self, *args, **kwargs):
        with self.application.app_context():
            return super().open(*args, **kwargs)

    def page(self, path: str = ""):
        return self.get(f"/t/{self.slug}{path}")

    def submit(self, path: str, data: dict | list | None = None, *, csrf: bool = True):
        """POST a form as a browser does (urlencoded), with the CSRF token unless told otherwise."""
        from werkzeug.datastructures import MultiDict

        form = MultiDict(data or {})
        if csrf:
            form.add("csrf_token", self.csrf)
        return self.post(f"/t/{self.slug}{path}", data=form)


def browser_as(app, tenant: TenantInfo, role: str, **user) -> Browser:
    """A browser logged in (cookie session) as a new user of `role` in `tenant`."""
    made = create_user(tenant, role, **user)
    client = Browser(app, app.response_class, use_cookies=True)
    n = next(_addresses)
    client.environ_base["REMOTE_ADDR"] = f"10.88.{n // 250}.{n % 250 + 1}"
    with app.app_context():
        resp = login(client, tenant.slug, made["username"])
    assert resp.status_code == 200, resp.get_json()
    client.csrf, client.slug = resp.get_json()["csrf_token"], tenant.slug
    return client


def rows(tenant: TenantInfo, query: str, **params) -> list:
    """Rows of a SQL query in the tenant's schema (the seam sets it), to check what a form wrote."""
    with tenant_context(tenant):
        out = db.session.execute(sa.text(query), params).all()
        db.session.commit()
    return out


def has_post_forms(html: str) -> bool:
    """Any form that writes, other than the menu's logout form."""
    return html.count('method="post"') > html.count("/logout")

"""Callers and helpers for the admin API tests: a vendor with a token (all scopes, or those asked), regions made
through the API and dropped after the test (schema, registry row, exports)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa

from app.auth import TOKEN_PREFIX, digest, new_secret
from app.authz import ADMIN_SCOPES
from app.domain.nip import make_nip
from app.extensions import db
from app.models.accounts import PlatformApiToken, PlatformUser
from app.models.employees import Employee, Opd
from app.services.text import name_key
from app.tenancy import no_tenant, tenant_context
from tests.fixtures.tenants import drop_tenants

API = "/admin/api/v1"


def platform_user(role: str, province_code: str | None = None) -> int:
    with no_tenant():
        user = PlatformUser(username=f"uji-{role}-{new_secret(4).lower()}", full_name=f"Uji {role}", role=role,
                            province_code=province_code)
        db.session.add(user)
        db.session.commit()
        return user.id


def platform_token(user_id: int, role: str, scopes=None, expires_in=timedelta(hours=1)) -> str:
    secret = TOKEN_PREFIX + new_secret()
    with no_tenant():
        db.session.add(PlatformApiToken(user_id=user_id, name="uji", token_hash=digest(secret), prefix=secret[:12],
                                        role=role, scopes=None if scopes is None else list(scopes),
                                        expires_at=datetime.now(UTC) + expires_in))
        db.session.commit()
    return secret


@pytest.fixture
def vendor(app):
    """{"user_id", "headers", "token"}: a vendor with a token holding every admin scope."""
    user_id = platform_user("vendor")
    token = platform_token(user_id, "vendor", ADMIN_SCOPES)
    yield {"user_id": user_id, "token": token, "headers": {"Authorization": f"Bearer {token}"}}
    with no_tenant():
        db.session.execute(sa.delete(PlatformUser).where(PlatformUser.id == user_id))
        db.session.commit()


@pytest.fixture
def api(app, vendor):
    """A test client that sends the vendor's token on every request."""

    class _Client:
        def __init__(self) -> None:
            self.client = app.test_client()

        def __getattr__(self, method):
            def call(path, headers=None, **kwargs):
                return getattr(self.client, method)(API + path, headers={**vendor["headers"], **(headers or {})},
                                                   **kwargs)
            return call

    return _Client()


_codes = iter(range(10, 100))


def region_body(slug: str, **overrides) -> dict:
    """A valid POST /tenants body for a test region in test province 98."""
    return {"slug": slug, "name": slug.replace("-", " ").title(), "kind": "kabupaten",
            "region_code": f"98.{next(_codes):02d}", "province_code": "98", "province_name": "Provinsi Uji Admin",
            "agency": "BKPSDM Uji", "partners": [{"code": "BPSDM-UJI", "name": "BPSDM Uji", "kind": "bpsdm"}],
            "first_admin": {"username": "admin-pertama", "email": "admin@uji.go.id"}, **overrides}


@pytest.fixture
def made(app):
    """Slugs a test creates; their schemas and registry rows (and exports) are dropped afterwards."""
    slugs: list[str] = []
    yield slugs
    with no_tenant(), db.engine.begin() as conn:
        conn.execute(sa.text("DELETE FROM platform.tenant_exports WHERE slug = ANY(:s)"), {"s": slugs})
    drop_tenants(slugs)


def schemas_named(prefix: str) -> list[str]:
    with no_tenant(), db.engine.connect() as conn:
        return sorted(conn.execute(sa.text("SELECT nspname FROM pg_namespace WHERE nspname LIKE :p"),
                                   {"p": prefix + "%"}).scalars())


def registry_rows(where: str = "true", **params) -> list:
    with no_tenant(), db.engine.connect() as conn:
        return conn.execute(sa.text(f"SELECT * FROM platform.tenants WHERE {where} ORDER BY id"),  # noqa: S608
                            params).all()


def platform_audit(entity_id=None, action_prefix: str = "tenant.") -> list:
    with no_tenant(), db.engine.connect() as conn:
        return conn.execute(sa.text(
            "SELECT action, actor, entity_id, before, after FROM platform.audit_log WHERE action LIKE :a "
            "AND (CAST(:e AS text) IS NULL OR entity_id = CAST(:e AS text)) ORDER BY id"),
            {"a": action_prefix + "%", "e": None if entity_id is None else str(entity_id)}).all()


def fill(slug: str, people: int = 25) -> None:
    """Some OPDs and employees (with ids that the sequences must continue after)."""
    with tenant_context(slug):
        opds = [Opd(name=f"Dinas Uji {i}", name_key=name_key(f"Dinas Uji {i}")) for i in range(3)]
        db.session.add_all(opds)
        db.session.flush()
        for i in range(people):
            name = f"Pegawai Ekspor {i:03d}, S.Kom."
            db.session.add(Employee(nip=make_nip(date(1980 + i % 20, 1 + i % 12, 1 + i % 28), 2010, 1 + i % 12,
                                                 "L" if i % 2 else "P", 100 + i),
                                    name=name, name_key=name_key(name), gender="P" if i % 2 == 0 else "L",
                                    birth_date=date(1980 + i % 20, 1 + i % 12, 1 + i % 28), employee_type="PNS",
                                    opd_id=opds[i % 3].id))
        db.session.commit()

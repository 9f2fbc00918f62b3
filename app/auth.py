"""Authentication: who is calling. Sessions are bound to the tenant they were issued in.

A session cookie carries `t:<tenant id>:<session id>` (tenant staff) or `p:<session id>` (platform users).
The loader honours a `t:` session only while that same tenant is bound (a cookie from Kota Malang replayed
on /t/kab-serang/ is anonymous there → 401), and only while the session row is not revoked and its user is
active, so logging out or disabling a user ends the session on the next request. API clients send
`Authorization: Bearer <personal access token>`; tokens are stored as SHA-256 digests.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime

import sqlalchemy as sa
from flask import Flask, g, request
from flask_login import LoginManager, UserMixin

from app.extensions import db
from app.tenancy import current_tenant_or_none

login_manager = LoginManager()

TOKEN_PREFIX = "kpt_"  # noqa: S105 - a public marker, not a secret
ROLE_RANK = {"employee": 0, "viewer": 1, "operator": 2, "admin": 3}


@dataclass(frozen=True)
class Principal(UserMixin):
    """The authenticated caller, as authorisation needs it (never an ORM object)."""

    kind: str  # tenant | platform
    user_id: int
    username: str
    role: str
    tenant_id: int | None = None
    session_id: str | None = None
    token_id: int | None = None
    nip: str | None = None
    province_code: str | None = None
    opd_ids: frozenset[int] | None = field(default=None)  # None = not limited to OPDs
    scopes: frozenset[str] | None = field(default=None)  # a platform token's scopes; None = all its role allows

    def get_id(self) -> str:
        if self.kind == "tenant":
            return f"t:{self.tenant_id}:{self.session_id}"
        return f"p:{self.session_id}"

    @property
    def via_token(self) -> bool:
        return self.token_id is not None


def new_secret(nbytes: int = 32) -> str:
    return secrets.token_urlsafe(nbytes)


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


_TENANT_SESSION_SQL = sa.text(
    "SELECT u.id, u.username, u.role, u.nip, s.id AS session_id, "
    "       (SELECT array_agg(opd_id) FROM user_opd_scopes WHERE user_id = u.id) AS opd_ids "
    "FROM user_sessions s JOIN users u ON u.id = s.user_id "
    "WHERE s.id = :sid AND s.revoked_at IS NULL AND u.active"
)
_PLATFORM_SESSION_SQL = sa.text(
    "SELECT u.id, u.username, u.role, u.province_code, s.id AS session_id "
    "FROM platform.user_sessions s JOIN platform.users u ON u.id = s.user_id "
    "WHERE s.id = :sid AND s.revoked_at IS NULL AND u.active"
)


def _tenant_principal(row) -> Principal:
    scopes = frozenset(row.opd_ids) if row.opd_ids and row.role == "operator" else None
    return Principal(kind="tenant", user_id=row.id, username=row.username, role=row.role,
                     tenant_id=current_tenant_or_none().id, session_id=row.session_id, nip=row.nip, opd_ids=scopes)


@login_manager.user_loader
def load_session(ident: str) -> Principal | None:
    kind, _, rest = ident.partition(":")
    tenant = current_tenant_or_none()
    if kind == "t":
        tenant_id, _, session_id = rest.partition(":")
        if tenant is None or str(tenant.id) != tenant_id:
            return None  # issued in another tenant (or used outside any): not a login here
        row = db.session.execute(_TENANT_SESSION_SQL, {"sid": session_id}).first()
        return _tenant_principal(row) if row else None
    if kind == "p" and tenant is None:
        row = db.session.execute(_PLATFORM_SESSION_SQL, {"sid": rest}).first()
        if row is None:
            return None
        return Principal(kind="platform", user_id=row.id, username=row.username, role=row.role,
                         session_id=row.session_id, province_code=row.province_code)
    return None


@login_manager.request_loader
def load_bearer(req) -> Principal | None:
    header = req.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.startswith(TOKEN_PREFIX):
        return None
    hashed = digest(token.strip())
    now = datetime.now(UTC)
    if current_tenant_or_none() is not None:
        row = db.session.execute(sa.text(
            "SELECT u.id, u.username, u.role AS user_role, u.nip, t.id AS token_id, t.role AS token_role, "
            "       (SELECT array_agg(opd_id) FROM user_opd_scopes WHERE user_id = u.id) AS opd_ids "
            "FROM api_tokens t JOIN users u ON u.id = t.user_id "
            "WHERE t.token_hash = :h AND t.revoked_at IS NULL AND t.expires_at > :now AND u.active"),
            {"h": hashed, "now": now}).first()
        if row is None:
            return None
        # A token never grants more than its user has now (the user's role may have been lowered since).
        role = min(row.token_role, row.user_role, key=ROLE_RANK.__getitem__)
        scopes = frozenset(row.opd_ids) if row.opd_ids and row.user_role == "operator" else None
        return Principal(kind="tenant", user_id=row.id, username=row.username, role=role,
                         tenant_id=current_tenant_or_none().id, token_id=row.token_id, nip=row.nip, opd_ids=scopes)
    row = db.session.execute(sa.text(
        "SELECT u.id, u.username, u.role, u.province_code, t.id AS token_id, t.scopes FROM platform.api_tokens t "
        "JOIN platform.users u ON u.id = t.user_id "
        "WHERE t.token_hash = :h AND t.revoked_at IS NULL AND t.expires_at > :now AND u.active"),
        {"h": hashed, "now": now}).first()
    if row is None:
        return None
    return Principal(kind="platform", user_id=row.id, username=row.username, role=row.role, token_id=row.token_id,
                     province_code=row.province_code, scopes=None if row.scopes is None else frozenset(row.scopes))


def install(app: Flask) -> None:
    login_manager.init_app(app)
    login_manager.session_protection = None  # sessions are server-side rows; IP changes are normal on phones

    # Flask-Login caches the caller on `g`, which outlives a request whenever an outer app context does
    # (a CLI command, a test): every request must work out its caller afresh.
    @app.before_request
    def _forget_cached_caller():
        g.pop("_login_user", None)

    @app.teardown_request
    def _forget_caller(_exc):
        g.pop("_login_user", None)


def client_ip() -> str | None:
    return request.remote_addr if request else None

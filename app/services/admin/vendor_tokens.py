"""Vendor tokens for the admin API: made by the `kompeten admin` commands, shown once, stored as SHA-256 digests,
limited to scopes (tenants:read, tenants:write, tenants:export, tenants:delete), expiring and revocable."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from app.auth import TOKEN_PREFIX, digest, new_secret
from app.authz import ADMIN_SCOPES
from app.extensions import db
from app.models.accounts import PlatformApiToken, PlatformUser
from app.services.accounts.credentials import MAX_TOKEN_DAYS, TOKEN_SHOWN_PREFIX_LEN
from app.services.audit import log as audit


class TokenError(ValueError):
    pass


def _now() -> datetime:
    return datetime.now(UTC)


def view(row: PlatformApiToken, username: str) -> dict:
    now = _now()
    return {"id": row.id, "user": username, "name": row.name, "prefix": row.prefix,
            "scopes": sorted(row.scopes) if row.scopes is not None else sorted(ADMIN_SCOPES),
            "expires_at": row.expires_at, "revoked_at": row.revoked_at,
            "active": row.revoked_at is None and row.expires_at > now}


def create(username: str, scopes: list[str], expires_in_days: int, name: str = "admin-api") -> dict:
    """A token for a vendor user; the secret is in the result, once. The caller commits."""
    user = db.session.execute(sa.select(PlatformUser).where(PlatformUser.username == username)).scalar_one_or_none()
    if user is None or not user.active:
        raise TokenError(f"no active platform user {username!r}")
    if user.role != "vendor":
        raise TokenError(f"{username} is a {user.role} user: admin tokens are for vendor users only")
    unknown = sorted(set(scopes) - set(ADMIN_SCOPES))
    if unknown or not scopes:
        raise TokenError(f"scopes must be among {', '.join(ADMIN_SCOPES)} (got {', '.join(unknown) or 'none'})")
    if not 1 <= expires_in_days <= MAX_TOKEN_DAYS:
        raise TokenError(f"--expires-in-days must be 1..{MAX_TOKEN_DAYS}")
    secret = TOKEN_PREFIX + new_secret()
    row = PlatformApiToken(user_id=user.id, name=name[:100], token_hash=digest(secret),
                           prefix=secret[:TOKEN_SHOWN_PREFIX_LEN], role=user.role, scopes=sorted(set(scopes)),
                           expires_at=_now() + timedelta(days=expires_in_days))
    db.session.add(row)
    db.session.flush()
    out = view(row, username)
    audit.record("token.create", "api_tokens", row.id, after={k: v for k, v in out.items() if k != "active"},
                 platform=True)
    return {**out, "token": secret}


def revoke(token: str) -> dict:
    """Revoke by id or by the shown prefix (`kpt_xxxxxxxx`). The caller commits."""
    stmt = sa.select(PlatformApiToken, PlatformUser.username).join(PlatformUser)
    stmt = stmt.where(PlatformApiToken.id == int(token)) if token.isdigit() else \
        stmt.where(PlatformApiToken.prefix == token)
    rows = db.session.execute(stmt).all()
    if len(rows) != 1:
        raise TokenError(f"{'no' if not rows else 'more than one'} token matches {token!r}")
    row, username = rows[0]
    if row.revoked_at is None:
        row.revoked_at = _now()
        db.session.flush()
        audit.record("token.revoke", "api_tokens", row.id, after={"prefix": row.prefix, "user": username},
                     platform=True)
    return view(row, username)


def list_all(username: str | None = None) -> list[dict]:
    stmt = (sa.select(PlatformApiToken, PlatformUser.username).join(PlatformUser)
            .where(PlatformUser.role == "vendor").order_by(PlatformApiToken.id))
    if username:
        stmt = stmt.where(PlatformUser.username == username)
    return [view(row, name) for row, name in db.session.execute(stmt).all()]

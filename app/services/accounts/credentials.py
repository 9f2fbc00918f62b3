"""Credentials a tenant user holds besides the password: login sessions and personal access tokens.

Both are secrets. A session id is what the cookie carries, so it is only ever shown as an 8-character prefix;
a token is shown once when it is made (`kpt_...`) and stored as a SHA-256 digest with its first 12 characters
as a recognisable prefix. A token never grants more than its user's role (checked when it is made, and capped
again on every request by app.auth), and a request authenticated by a token cannot make another token, so a
leaked token cannot be used to outlive its own expiry or revocation.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from app.auth import ROLE_RANK, TOKEN_PREFIX, Principal, digest, new_secret
from app.extensions import db
from app.models.accounts import ApiToken, UserSession
from app.problems import Problem
from app.services.audit import log as audit

SESSION_PREFIX_LEN = 8
TOKEN_SHOWN_PREFIX_LEN = 12
DEFAULT_TOKEN_DAYS = 90
MAX_TOKEN_DAYS = 365


def _now() -> datetime:
    return datetime.now(UTC)


# --- sessions -------------------------------------------------------------------------------------------


def session_view(row: UserSession, current_session_id: str | None = None) -> dict:
    return {"id_prefix": row.id[:SESSION_PREFIX_LEN], "created_at": row.created_at, "last_seen_at": row.last_seen_at,
            "ip": row.ip, "user_agent": row.user_agent, "current": row.id == current_session_id}


def list_sessions(user_id: int, *, current_session_id: str | None = None) -> list[dict]:
    """The user's live (not revoked) sessions, newest first; ids shown by prefix only."""
    rows = db.session.execute(
        sa.select(UserSession).where(UserSession.user_id == user_id, UserSession.revoked_at.is_(None))
        .order_by(UserSession.created_at.desc(), UserSession.id)
    ).scalars().all()
    return [session_view(row, current_session_id) for row in rows]


def revoke_sessions(user_id: int, *, keep: str | None = None) -> list[str]:
    """Revoke every live session of the user except `keep`; returns the prefixes of those revoked (no audit)."""
    stmt = (sa.update(UserSession)
            .where(UserSession.user_id == user_id, UserSession.revoked_at.is_(None))
            .values(revoked_at=_now()).returning(UserSession.id))
    if keep:
        stmt = stmt.where(UserSession.id != keep)
    return sorted(sid[:SESSION_PREFIX_LEN] for sid in db.session.execute(stmt).scalars())


def revoke_own_session(principal: Principal, id_prefix: str) -> None:
    """Revoke one of the caller's own sessions, named by its 8-character prefix (another user's is a 404)."""
    not_found = Problem.not_found("Sesi tidak ditemukan.")
    if len(id_prefix) != SESSION_PREFIX_LEN:
        raise not_found
    ids = db.session.execute(
        sa.select(UserSession.id).where(UserSession.user_id == principal.user_id, UserSession.revoked_at.is_(None),
                                        sa.func.left(UserSession.id, SESSION_PREFIX_LEN) == id_prefix)
    ).scalars().all()
    if not ids:
        raise not_found
    if len(ids) > 1:  # 48 random bits make this practically impossible; refuse rather than guess
        raise Problem.conflict("Awalan sesi ini tidak unik; cabut semua sesi lain.")
    db.session.execute(sa.update(UserSession).where(UserSession.id == ids[0]).values(revoked_at=_now()))
    audit.record("session.revoke", "users", principal.user_id, after={"revoked_sessions": [id_prefix]})


def revoke_own_other_sessions(principal: Principal) -> int:
    """Sign out everywhere else: every session of the caller but the current one."""
    revoked = revoke_sessions(principal.user_id, keep=principal.session_id)
    if revoked:
        audit.record("session.revoke", "users", principal.user_id, after={"revoked_sessions": revoked})
    return len(revoked)


# --- personal access tokens -----------------------------------------------------------------------------


def token_view(row: ApiToken, now: datetime | None = None) -> dict:
    now = now or _now()
    return {"id": row.id, "name": row.name, "prefix": row.prefix, "role": row.role, "expires_at": row.expires_at,
            "revoked_at": row.revoked_at, "last_used_at": row.last_used_at, "created_at": row.created_at,
            "active": row.revoked_at is None and row.expires_at > now}


# What the audit log keeps of a token: never the secret, never its digest.
AUDITED = ("name", "prefix", "role", "user_id", "expires_at", "revoked_at")


def list_tokens(user_id: int) -> list[dict]:
    """The user's tokens that are not revoked (expired ones included, marked inactive), newest first."""
    rows = db.session.execute(
        sa.select(ApiToken).where(ApiToken.user_id == user_id, ApiToken.revoked_at.is_(None))
        .order_by(ApiToken.id.desc())
    ).scalars().all()
    now = _now()
    return [token_view(row, now) for row in rows]


def create_token(principal: Principal, *, name: str, role: str | None = None,
                 expires_in_days: int = DEFAULT_TOKEN_DAYS) -> dict:
    """Make a token for the caller, no stronger than the caller's role; the secret is in the result, once."""
    if principal.via_token:
        raise Problem.forbidden("Token akses tidak dapat membuat token baru; masuk dengan kata sandi.",
                                type_="token-cannot-mint")
    role = role or principal.role
    errors = []
    if role not in ROLE_RANK:
        errors.append({"field": "role", "reason": f"peran tidak dikenal (pilih: {', '.join(ROLE_RANK)})"})
    elif ROLE_RANK[role] > ROLE_RANK.get(principal.role, -1):
        errors.append({"field": "role", "reason": f"peran token tidak boleh melebihi peran Anda ({principal.role})"})
    if not 1 <= expires_in_days <= MAX_TOKEN_DAYS:
        errors.append({"field": "expires_in_days", "reason": f"antara 1 dan {MAX_TOKEN_DAYS} hari"})
    name = " ".join(name.split())
    if not name:
        errors.append({"field": "name", "reason": "nama token wajib diisi"})
    if errors:
        raise Problem.invalid(errors=errors)

    secret = TOKEN_PREFIX + new_secret()
    row = ApiToken(user_id=principal.user_id, name=name, token_hash=digest(secret),
                   prefix=secret[:TOKEN_SHOWN_PREFIX_LEN], role=role,
                   expires_at=_now() + timedelta(days=expires_in_days))
    db.session.add(row)
    db.session.flush()
    db.session.refresh(row, ["created_at"])
    audit.record("token.create", "api_tokens", row.id, after=audit.snapshot(row, AUDITED))
    return {**token_view(row), "token": secret}


def revoke_token(principal: Principal, token_id: int) -> None:
    """Revoke one of the caller's own tokens (another user's, or an unknown id, is a 404)."""
    row = db.session.execute(
        sa.select(ApiToken).where(ApiToken.id == token_id, ApiToken.user_id == principal.user_id,
                                  ApiToken.revoked_at.is_(None)).with_for_update()
    ).scalar_one_or_none()
    if row is None:
        raise Problem.not_found(f"Token {token_id} tidak ditemukan.")
    before = audit.snapshot(row, AUDITED)
    row.revoked_at = _now()
    db.session.flush()
    audit.record("token.revoke", "api_tokens", row.id, before=before, after=audit.snapshot(row, AUDITED))


def revoke_all_tokens(user_id: int) -> list[str]:
    """Revoke every live token of the user; returns their prefixes (no audit: the caller records why)."""
    stmt = (sa.update(ApiToken).where(ApiToken.user_id == user_id, ApiToken.revoked_at.is_(None))
            .values(revoked_at=_now()).returning(ApiToken.prefix))
    return sorted(db.session.execute(stmt).scalars())

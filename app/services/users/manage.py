"""The region's users, as its admins manage them, and passwords as their owners set them.

An invitation makes a user without a password plus a one-time set-password link (7 days); a reset makes a
new link (24 h) and kills the older unused ones. Links are random, stored as digests and shown once. Role
and OPD-scope changes take effect on the user's next request (the session loader reads them fresh; tokens
are capped by the current role). Disabling revokes every session and token. The region never loses its
last active admin. Audit snapshots never contain a password hash, a token or a digest.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from flask import request
from sqlalchemy.exc import IntegrityError

from app.auth import Principal, digest, new_secret
from app.domain.passwords import PasswordRejected, check_password
from app.extensions import db
from app.models.accounts import OneTimeToken, User, UserOpdScope
from app.models.employees import Employee, Opd
from app.problems import Problem
from app.services.accounts import credentials as tokens
from app.services.accounts.hashing import hash_password, verify_password
from app.services.accounts.login import Throttle
from app.services.audit import log as audit
from app.services.pagination import Page, paginate, sort_clause
from app.tenancy import current_tenant

ENTITY = "users"
INVITE_TTL = timedelta(days=7)
RESET_TTL = timedelta(hours=24)
SORTABLE = {"username": User.username, "id": User.id}
BAD_LINK = "Tautan tidak valid, sudah dipakai, atau sudah kedaluwarsa. Minta tautan baru kepada admin."
LAST_ADMIN = ("Wilayah ini harus tetap memiliki setidaknya satu admin aktif yang dapat masuk (sudah mengatur kata "
              "sandinya). Undang admin lain dan tunggu sampai ia mengatur kata sandinya, baru ubah atau nonaktifkan "
              "admin ini.")
_UNSET = object()


def _now() -> datetime:
    return datetime.now(UTC)


def _raise_if(errors: list[dict]) -> None:
    if errors:
        raise Problem.invalid(errors=errors)


def _password_problem(field: str, exc: PasswordRejected) -> Problem:
    return Problem.invalid(f"{field}: {exc.message}",
                           errors=[{"field": field, "reason": exc.message, "code": exc.code}])


# --- reading --------------------------------------------------------------------------------------------


def _scopes_column():
    return (sa.select(sa.func.array_agg(UserOpdScope.opd_id)).where(UserOpdScope.user_id == User.id)
            .scalar_subquery())


def user_view(user: User, opd_ids) -> dict:
    """What the API shows of a user (never the password hash)."""
    return {"id": user.id, "username": user.username, "full_name": user.full_name, "email": user.email,
            "role": user.role, "active": user.active, "nip": user.nip, "opd_ids": sorted(opd_ids or []),
            "password_set": user.password_hash is not None, "last_login_at": user.last_login_at,
            "created_at": user.created_at, "updated_at": user.updated_at}


def list_users(*, role: str | None = None, active: bool | None = None, q: str | None = None, limit: int,
               offset: int, sort: str | None = None, cursor: str | None = None) -> Page:
    """A page of users with their OPD scopes, in two queries (the total, then the page)."""
    conditions: list[sa.ColumnElement[bool]] = []
    if role:
        conditions.append(User.role == role)
    if active is not None:
        conditions.append(User.active.is_(active))
    if q and q.strip():
        needle = q.strip()
        conditions.append(sa.or_(User.username.icontains(needle, autoescape=True),
                                 User.full_name.icontains(needle, autoescape=True)))
    order = sort_clause(sort, SORTABLE, "username")
    return paginate(sa.select(User, _scopes_column()).where(*conditions), limit=limit, offset=offset, cursor=cursor,
                    order_by=order, tiebreak=User.id, view=lambda row: user_view(*row),
                    count_rows=sa.select(User.id).where(*conditions))


def get_user(user_id: int) -> User:
    """A user of this region, or a 404 (ids of other regions' users are simply not found here)."""
    user = db.session.get(User, user_id)
    if user is None:
        raise Problem.not_found(f"Pengguna {user_id} tidak ditemukan.")
    return user


def _opd_ids(user_id: int) -> list[int]:
    return sorted(db.session.execute(sa.select(UserOpdScope.opd_id).where(UserOpdScope.user_id == user_id))
                  .scalars())


def user_detail(user_id: int) -> dict:
    """One user with their OPD scope, in one query."""
    row = db.session.execute(sa.select(User, _scopes_column()).where(User.id == user_id)).first()
    if row is None:
        raise Problem.not_found(f"Pengguna {user_id} tidak ditemukan.")
    return user_view(*row)


AUDITED = ("username", "full_name", "email", "role", "active", "nip")


def _audited(user: User, opd_ids) -> dict:
    return audit.snapshot(user, AUDITED, opd_ids=sorted(opd_ids or []))


# --- validation -----------------------------------------------------------------------------------------


def _check_scope(role: str, opd_ids: list[int] | None, errors: list[dict]) -> list[int]:
    """Only operators are scoped; every OPD named must exist here and be active."""
    wanted = sorted(set(opd_ids or []))
    if not wanted:
        return []
    if role != "operator":
        errors.append({"field": "opd_ids", "reason": "hanya operator yang dapat dibatasi ke OPD"})
        return []
    active = set(db.session.execute(sa.select(Opd.id).where(Opd.id.in_(wanted), Opd.active)).scalars())
    missing = [opd_id for opd_id in wanted if opd_id not in active]
    if missing:
        errors.append({"field": "opd_ids", "reason": f"OPD tidak ditemukan atau tidak aktif: {missing}"})
    return wanted


def _check_nip(role: str, nip: str | None, errors: list[dict]) -> str | None:
    """An employee account is linked to an active employee of this region by NIP (others may have one too)."""
    nip = (nip or "").strip() or None
    if nip is None:
        if role == "employee":
            errors.append({"field": "nip", "reason": "NIP wajib diisi untuk peran employee"})
        return None
    found = db.session.execute(sa.select(Employee.active).where(Employee.nip == nip)).first()
    if found is None:
        errors.append({"field": "nip", "reason": f"pegawai dengan NIP {nip} tidak ada di wilayah ini"})
    elif not found.active:
        errors.append({"field": "nip", "reason": f"pegawai dengan NIP {nip} sudah tidak aktif"})
    return nip


def _ensure_not_last_admin(user: User) -> None:
    """Refuse a change that would leave the region with no active admin who can log in: one with a password (an
    invited admin who has not set one yet cannot, and may never).

    All active admin rows are locked in id order, so two admins demoting each other concurrently are
    serialised (and cannot deadlock) and the second one sees the first one's change.
    """
    if user.role != "admin" or not user.active:
        return
    admins = db.session.execute(sa.select(User.id, User.password_hash.is_not(None))
                                .where(User.role == "admin", User.active)
                                .order_by(User.id).with_for_update()).all()
    if not [admin_id for admin_id, can_log_in in admins if admin_id != user.id and can_log_in]:
        raise Problem.conflict(LAST_ADMIN, type_="last-admin")


# --- one-time links -------------------------------------------------------------------------------------


def _invalidate_links(user_id: int) -> None:
    db.session.execute(sa.update(OneTimeToken)
                       .where(OneTimeToken.user_id == user_id, OneTimeToken.used_at.is_(None),
                              OneTimeToken.expires_at > _now())
                       .values(expires_at=_now()))


def _new_link(user_id: int, purpose: str, ttl: timedelta) -> dict:
    """A set-password link; the token is returned here once and only its digest is kept."""
    secret = new_secret()
    expires_at = _now() + ttl
    db.session.add(OneTimeToken(user_id=user_id, token_hash=digest(secret), purpose=purpose, expires_at=expires_at))
    db.session.flush()
    return {"purpose": purpose, "set_password_url": f"/t/{current_tenant().slug}/set-password/{secret}",
            "expires_at": expires_at}


# --- writing --------------------------------------------------------------------------------------------




def invite_user(*, username: str, full_name: str, role: str, email: str | None = None,
                opd_ids: list[int] | None = None, nip: str | None = None) -> dict:
    """Create a user with no password and a one-time set-password link (7 days): {user, link}."""
    errors: list[dict] = []
    full_name = " ".join(full_name.split())
    if not full_name:
        errors.append({"field": "full_name", "reason": "nama lengkap wajib diisi"})
    scope = _check_scope(role, opd_ids, errors)
    nip = _check_nip(role, nip, errors)
    _raise_if(errors)
    if db.session.execute(sa.select(User.id).where(User.username == username)).first() is not None:
        raise Problem.conflict(field="username", reason="nama pengguna sudah dipakai")
    if nip and db.session.execute(sa.select(User.id).where(User.nip == nip)).first() is not None:
        raise Problem.conflict(field="nip", reason="NIP ini sudah tertaut ke pengguna lain")
    user = User(username=username, full_name=full_name, email=(email or "").strip() or None, role=role, nip=nip,
                active=True, password_hash=None)
    try:
        with db.session.begin_nested():  # a concurrent invite of the same username loses here, as a 409
            db.session.add(user)
            db.session.flush()
    except IntegrityError as exc:
        raise Problem.conflict(field="username", reason="nama pengguna atau NIP sudah dipakai") from exc
    for opd_id in scope:
        db.session.add(UserOpdScope(user_id=user.id, opd_id=opd_id))
    link = _new_link(user.id, "invite", INVITE_TTL)
    db.session.refresh(user)
    audit.record("user.invite", ENTITY, user.id, after=_audited(user, scope))
    return {"user": user_view(user, scope), "link": link}


def update_user(user_id: int, *, full_name: str | None = None, email=_UNSET, role: str | None = None,
                opd_ids: list[int] | None = None) -> dict:
    """Change name, e-mail, role and OPD scope; applies to the user's next request."""
    user = get_user(user_id)
    current_scope = _opd_ids(user.id)
    before = _audited(user, current_scope)
    errors: list[dict] = []
    new_role = role or user.role
    if full_name is not None:
        full_name = " ".join(full_name.split())
        if not full_name:
            errors.append({"field": "full_name", "reason": "nama lengkap wajib diisi"})
    if new_role == "employee" and not user.nip:
        errors.append({"field": "role", "reason": "peran employee memerlukan NIP yang tertaut"})
    if opd_ids is not None:
        scope = _check_scope(new_role, opd_ids, errors)
    else:
        scope = current_scope if new_role == "operator" else []
    _raise_if(errors)
    if new_role != "admin":
        _ensure_not_last_admin(user)

    if full_name is not None:
        user.full_name = full_name
    if email is not _UNSET:
        user.email = (email or "").strip() or None
    user.role = new_role
    if scope != current_scope:
        db.session.execute(sa.delete(UserOpdScope).where(UserOpdScope.user_id == user.id))
        db.session.add_all(UserOpdScope(user_id=user.id, opd_id=opd_id) for opd_id in scope)
    db.session.flush()
    after = _audited(user, scope)
    if after != before:
        db.session.refresh(user)
        audit.record("user.update", ENTITY, user.id, before=before, after=after)
    return user_view(user, scope)


def reset_password(user_id: int) -> dict:
    """A new set-password link (24 h); the user's older unused links stop working."""
    user = get_user(user_id)
    if not user.active:
        raise Problem.conflict("Pengguna ini dinonaktifkan; aktifkan dahulu sebelum mengatur ulang sandi.")
    _invalidate_links(user.id)
    link = _new_link(user.id, "reset", RESET_TTL)
    audit.record("user.reset_password", ENTITY, user.id, after={"expires_at": link["expires_at"]})
    return link


def renew_invitation(username: str) -> dict | None:
    """A fresh invitation link (7 days) for a user who has not set a password yet; their older links stop
    working. None when the user is unknown, disabled or has a password already. The user's row is locked, so
    two renewals at once leave one working link."""
    user = db.session.execute(sa.select(User).where(User.username == username).with_for_update()
                              ).scalar_one_or_none()
    if user is None or not user.active or user.password_hash is not None:
        return None
    _invalidate_links(user.id)
    link = _new_link(user.id, "invite", INVITE_TTL)
    audit.record("user.invite_renew", ENTITY, user.id, after={"expires_at": link["expires_at"]})
    return link


def disable_user(user_id: int) -> dict:
    """Disable a user: every session and token is revoked and pending links die. Repeating it changes nothing."""
    user = get_user(user_id)
    scope = _opd_ids(user.id)
    if user.active:
        _ensure_not_last_admin(user)
        before = _audited(user, scope)
        user.active = False
        sessions = tokens.revoke_sessions(user.id)
        revoked_tokens = tokens.revoke_all_tokens(user.id)
        _invalidate_links(user.id)
        db.session.flush()
        db.session.refresh(user)
        audit.record("user.disable", ENTITY, user.id, before=before,
                     after={**_audited(user, scope), "revoked_sessions": sessions,
                                                        "revoked_tokens": revoked_tokens})
    return user_view(user, scope)


def enable_user(user_id: int) -> dict:
    """Re-enable a user (their old sessions and tokens stay revoked). Repeating it changes nothing."""
    user = get_user(user_id)
    scope = _opd_ids(user.id)
    if not user.active:
        before = _audited(user, scope)
        user.active = True
        db.session.flush()
        db.session.refresh(user)
        audit.record("user.enable", ENTITY, user.id, before=before, after=_audited(user, scope))
    return user_view(user, scope)


def user_sessions(user_id: int, *, current_session_id: str | None = None) -> list[dict]:
    """The user's live sessions (by id prefix); `current_session_id` marks the caller's own, if listed."""
    return tokens.list_sessions(get_user(user_id).id, current_session_id=current_session_id)


def revoke_user_sessions(user_id: int) -> int:
    """Sign the user out everywhere (their tokens are untouched)."""
    user = get_user(user_id)
    revoked = tokens.revoke_sessions(user.id)
    audit.record("user.sessions_revoke", ENTITY, user.id, after={"revoked_sessions": revoked})
    return len(revoked)


# --- passwords ------------------------------------------------------------------------------------------


def set_password_with_token(token: str, password: str) -> dict:
    """Set a password through a one-time link (invitation or reset): {"user_id", "username"}.

    Raises Problem 422 with field `token` (one message whether the link is unknown, used or expired) or
    field `password` (the password rules; the link stays usable). On success the link is spent, the user's
    other unused links die and all their sessions are revoked. Flushes; the caller commits.
    """
    row = db.session.execute(
        sa.select(OneTimeToken, User)
        .join(User, User.id == OneTimeToken.user_id)
        .where(OneTimeToken.token_hash == digest(token or ""), OneTimeToken.used_at.is_(None),
               OneTimeToken.expires_at > _now(), User.active)
        .with_for_update(of=OneTimeToken)  # a second use waits for the first, then finds the link spent
    ).first()
    if row is None:
        raise Problem.invalid(f"token: {BAD_LINK}", type_="bad-link",
                              errors=[{"field": "token", "reason": BAD_LINK}])
    link, user = row
    try:
        check_password(password, username=user.username)
    except PasswordRejected as exc:
        raise _password_problem("password", exc) from exc
    user.password_hash = hash_password(password)
    link.used_at = _now()
    _invalidate_links(user.id)
    revoked = tokens.revoke_sessions(user.id)
    db.session.flush()
    audit.record("auth.set_password", ENTITY, user.id, after={"purpose": link.purpose, "revoked_sessions": revoked},
                 actor=(user.id, user.username))
    return {"user_id": user.id, "username": user.username}


def own_account(principal: Principal) -> dict:
    """The caller's own record (GET /me)."""
    view = user_detail(principal.user_id)
    return {**view, "effective_role": principal.role, "via_token": principal.via_token}


def change_own_password(principal: Principal, *, current_password: str, new_password: str) -> int:
    """Change the caller's password after checking the current one; the caller's other sessions end.

    Returns how many sessions were revoked. A wrong current password counts as a failed login (throttled).
    """
    user = get_user(principal.user_id)
    # The login throttle: guessing the current password here is guessing a login.
    throttle = Throttle(f"t{current_tenant().id}", user.username, request.remote_addr, user.id)
    throttle.check()
    if not verify_password(user.password_hash, current_password):
        throttle.failed()
        reason = "kata sandi saat ini salah"
        raise Problem.invalid(f"current_password: {reason}",
                              errors=[{"field": "current_password", "reason": reason}])
    try:
        check_password(new_password, username=user.username)
    except PasswordRejected as exc:
        raise _password_problem("new_password", exc) from exc
    user.password_hash = hash_password(new_password)
    revoked = tokens.revoke_sessions(user.id, keep=principal.session_id)
    db.session.flush()
    audit.record("auth.change_password", ENTITY, user.id, after={"revoked_sessions": revoked})
    return len(revoked)

"""Logging in and out: password check with throttling, server-side session rows, the Flask-Login cookie.

Failed logins are counted in Redis per account and per IP; past the limit the answer is 429 with
Retry-After, checked before the password is even looked at. An account's counter is keyed on the account the
login resolves to (so its username, its NIP and any spelling of them share one), plus one on the login as
normalised (stripped, case folded), which is all an unknown name has: every name, known or not, locks the
same way, so the throttle tells nothing about which accounts exist. An unknown user and a wrong password give
the same answer and cost the same time (a dummy argon2 verify).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime

import sqlalchemy as sa
from flask import current_app, request, session
from flask_login import current_user, login_user, logout_user
from redis.exceptions import RedisError

from app.auth import Principal, new_secret
from app.extensions import db
from app.jobs import redis_connection
from app.models.accounts import PlatformSession, PlatformUser, User, UserSession
from app.problems import Problem
from app.security import csrf_token
from app.services.accounts.hashing import hash_password, needs_rehash, verify_password
from app.services.audit import log as audit
from app.tenancy import current_tenant_or_none

log = logging.getLogger(__name__)

ACCOUNT_LIMIT = 5  # failures per account per window
IP_LIMIT = 20  # failures per IP per window
WINDOW_SECONDS = 15 * 60
BAD_LOGIN = "Nama pengguna atau kata sandi salah."
MAX_LOGIN_KEY = 100  # characters of a typed login kept in its counter's key


@dataclass(frozen=True)
class LoginResult:
    principal: Principal
    csrf_token: str


def normalised_login(login: str) -> str:
    """The form of a typed login that counts failures: what the look-up ignores (surrounding whitespace) and
    case are folded away, so ` Nama`, `nama ` and `NAMA` are one name."""
    return login.strip().casefold()[:MAX_LOGIN_KEY]


class Throttle:
    """Failure counters in Redis (shared by every web worker): the normalised login, the resolved account (when
    the login names one: `account_id`), and the client's IP."""

    def __init__(self, scope: str, login: str, ip: str | None, account_id: int | None = None) -> None:
        prefix = current_app.config["REDIS_KEY_PREFIX"]
        self.keys = [(f"{prefix}:login-fail:name:{scope}:{normalised_login(login)}", ACCOUNT_LIMIT)]
        if account_id is not None:
            self.keys.append((f"{prefix}:login-fail:acct:{scope}:{account_id}", ACCOUNT_LIMIT))
        self._account_keys = [key for key, _limit in self.keys]
        if ip:
            self.keys.append((f"{prefix}:login-fail:ip:{ip}", IP_LIMIT))

    def check(self) -> None:
        try:
            redis = redis_connection()
            for key, limit in self.keys:
                count = int(redis.get(key) or 0)
                if count >= limit:
                    retry = max(1, redis.ttl(key))
                    raise Problem(429, "Too Many Requests",
                                  f"Terlalu banyak percobaan masuk yang gagal. Coba lagi dalam {retry} detik.",
                                  type_="login-throttled", headers={"Retry-After": str(retry)})
        except RedisError as exc:
            raise Problem(503, "Service Unavailable", "Layanan login sementara tidak tersedia.") from exc

    def failed(self) -> None:
        """Count a failure. The window starts at the first failure: SET … EX NX creates the counter with its
        expiry only when it is absent, and INCR keeps that expiry (one MULTI/EXEC; Redis 6.2 has no EXPIRE NX)."""
        redis = redis_connection()
        pipe = redis.pipeline(transaction=True)
        for key, _limit in self.keys:
            pipe.set(key, 0, ex=WINDOW_SECONDS, nx=True)
            pipe.incr(key)
        pipe.execute()

    def succeeded(self) -> None:
        redis_connection().delete(*self._account_keys)  # the IP's failures stay counted


def _find_tenant_user(login: str) -> User | None:
    login = login.strip()
    column = User.nip if login.isdigit() and len(login) == 18 else User.username
    return db.session.execute(sa.select(User).where(column == login, User.active)).scalar_one_or_none()


def _start(user, session_model, principal_kwargs: dict) -> LoginResult:
    session_id = new_secret()
    db.session.add(session_model(id=session_id, user_id=user.id, ip=request.remote_addr,
                                 user_agent=(request.user_agent.string or "")[:300]))
    user.last_login_at = datetime.now(UTC)
    db.session.flush()
    session.clear()  # no fixation: a fresh cookie session for the new login
    principal = Principal(user_id=user.id, username=user.username, role=user.role, session_id=session_id,
                          **principal_kwargs)
    login_user(principal)
    return LoginResult(principal, csrf_token())


def _verify(user, password: str, throttle: Throttle) -> None:
    if not verify_password(user.password_hash if user else None, password):
        throttle.failed()
        raise Problem(401, "Unauthorized", BAD_LOGIN, type_="bad-credentials")
    throttle.succeeded()
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)


def login_tenant_user(login: str, password: str) -> LoginResult:
    """Log a region's user in (by username or NIP); the session is bound to the bound tenant."""
    tenant = current_tenant_or_none()
    user = _find_tenant_user(login)
    throttle = Throttle(f"t{tenant.id}", login, request.remote_addr, user.id if user else None)
    throttle.check()
    _verify(user, password, throttle)
    scopes = None
    if user.role == "operator":
        rows = db.session.execute(sa.text("SELECT opd_id FROM user_opd_scopes WHERE user_id = :u"),
                                  {"u": user.id}).scalars().all()
        scopes = frozenset(rows) or None
    result = _start(user, UserSession, {"kind": "tenant", "tenant_id": tenant.id, "nip": user.nip,
                                        "opd_ids": scopes})
    audit.record("auth.login", "users", user.id, actor=(user.id, user.username))
    return result


def login_platform_user(login: str, password: str) -> LoginResult:
    user = db.session.execute(sa.select(PlatformUser).where(PlatformUser.username == login.strip(),
                                                            PlatformUser.active)).scalar_one_or_none()
    throttle = Throttle("platform", login, request.remote_addr, user.id if user else None)
    throttle.check()
    _verify(user, password, throttle)
    result = _start(user, PlatformSession, {"kind": "platform", "province_code": user.province_code})
    audit.record("auth.login", "users", user.id, actor=(user.id, user.username), platform=True)
    return result


def logout() -> None:
    """End the current session: its row is revoked, so the cookie is worthless even if replayed."""
    principal = current_user
    if principal and principal.is_authenticated and principal.session_id:
        model = UserSession if principal.kind == "tenant" else PlatformSession
        db.session.execute(sa.update(model).where(model.id == principal.session_id, model.revoked_at.is_(None))
                           .values(revoked_at=datetime.now(UTC)))
        if principal.kind == "tenant":
            audit.record("auth.logout", "users", principal.user_id)
        else:
            audit.record("auth.logout", "users", principal.user_id, platform=True)
    logout_user()
    session.clear()

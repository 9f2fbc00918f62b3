"""Who may log in: a region's users (in its schema) with their sessions, personal access tokens and one-time
links, and the platform's users (vendor, province, national) with theirs (in the `platform` schema). The two
share their column sets through the mixins here."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db

TENANT_ROLES = ("admin", "operator", "viewer", "employee")
TOKEN_PURPOSES = ("invite", "reset")


class UserColumns:
    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(sa.String(64), unique=True)
    email: Mapped[str | None] = mapped_column(sa.String(200))
    full_name: Mapped[str] = mapped_column(sa.String(200))
    # NULL until the user sets a password through their one-time link.
    password_hash: Mapped[str | None] = mapped_column(sa.String(200))
    role: Mapped[str] = mapped_column(sa.String(20))
    active: Mapped[bool] = mapped_column(default=True, server_default=sa.true())
    last_login_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), server_default=sa.func.now())
    updated_at: Mapped[datetime] = mapped_column(
        sa.DateTime(timezone=True), server_default=sa.func.now(), onupdate=sa.func.now())


class SessionColumns:
    """A login: the cookie carries this row's random id; revoking the row ends the session at once."""

    id: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), server_default=sa.func.now())
    last_seen_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), server_default=sa.func.now())
    ip: Mapped[str | None] = mapped_column(sa.String(64))
    user_agent: Mapped[str | None] = mapped_column(sa.String(300))
    revoked_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))


class TokenColumns:
    """A personal access token: shown once, stored as a SHA-256 digest (tokens are long and random)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(100))
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    prefix: Mapped[str] = mapped_column(sa.String(16))
    role: Mapped[str] = mapped_column(sa.String(20))
    expires_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    last_used_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), server_default=sa.func.now())


class User(UserColumns, db.Model):
    """A member of the region's staff (or an employee looking at their own record)."""

    __tablename__ = "users"
    __table_args__ = (sa.CheckConstraint(f"role IN {TENANT_ROLES!r}", name="role"),)

    # For role `employee`: the person they are. Operators may log in with their NIP too, when set.
    nip: Mapped[str | None] = mapped_column(sa.String(18), unique=True)


class UserOpdScope(db.Model):
    """An operator limited to these OPDs sees and changes only their employees and enrolments."""

    __tablename__ = "user_opd_scopes"

    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    opd_id: Mapped[int] = mapped_column(sa.ForeignKey("opds.id"), primary_key=True)


class UserSession(SessionColumns, db.Model):
    __tablename__ = "user_sessions"

    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)


class ApiToken(TokenColumns, db.Model):
    __tablename__ = "api_tokens"
    __table_args__ = (sa.CheckConstraint(f"role IN {TENANT_ROLES!r}", name="role"),)

    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)


class OneTimeToken(db.Model):
    """A set-password link (invitation or reset): usable once, until it expires."""

    __tablename__ = "one_time_tokens"
    __table_args__ = (sa.CheckConstraint(f"purpose IN {TOKEN_PURPOSES!r}", name="purpose"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    purpose: Mapped[str] = mapped_column(sa.String(10))
    expires_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
    used_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), server_default=sa.func.now())


PLATFORM_ROLES = ("vendor", "province", "national")


class PlatformUser(UserColumns, db.Model):
    """A vendor, a provincial body (bound to one province) or a national viewer: aggregates only."""

    __tablename__ = "users"
    __table_args__ = (
        sa.CheckConstraint(f"role IN {PLATFORM_ROLES!r}", name="role"),
        sa.CheckConstraint("(role = 'province') = (province_code IS NOT NULL)", name="province_bound"),
        {"schema": "platform"},
    )

    province_code: Mapped[str | None] = mapped_column(sa.String(2))


class PlatformSession(SessionColumns, db.Model):
    __tablename__ = "user_sessions"
    __table_args__ = {"schema": "platform"}

    user_id: Mapped[int] = mapped_column(sa.ForeignKey("platform.users.id", ondelete="CASCADE"), index=True)


class PlatformApiToken(TokenColumns, db.Model):
    __tablename__ = "api_tokens"
    __table_args__ = (sa.CheckConstraint(f"role IN {PLATFORM_ROLES!r}", name="role"), {"schema": "platform"})

    user_id: Mapped[int] = mapped_column(sa.ForeignKey("platform.users.id", ondelete="CASCADE"), index=True)
    # What the token may do, e.g. {tenants:read, tenants:write}; NULL = everything its user's role may.
    scopes: Mapped[list[str] | None] = mapped_column(ARRAY(sa.String(40)))

"""Who may log in to a tenant, their sessions, personal access tokens, one-time links, and the audit log.

The same shapes exist in the `platform` schema for platform users (app/models/platform.py); the column
sets are shared through the mixins here.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, declared_attr, mapped_column

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


class AuditColumns:
    """Append-only: a trigger refuses UPDATE and DELETE (see AUDIT_TRIGGER_SQL)."""

    id: Mapped[int] = mapped_column(sa.BigInteger, sa.Identity(), primary_key=True)
    at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), server_default=sa.func.now())
    actor_id: Mapped[int | None]
    actor: Mapped[str | None] = mapped_column(sa.String(100))
    action: Mapped[str] = mapped_column(sa.String(100))
    entity: Mapped[str] = mapped_column(sa.String(100))
    entity_id: Mapped[str | None] = mapped_column(sa.String(100))
    before: Mapped[dict | None] = mapped_column(JSONB)
    after: Mapped[dict | None] = mapped_column(JSONB)
    request_id: Mapped[str | None] = mapped_column(sa.String(80))
    ip: Mapped[str | None] = mapped_column(sa.String(64))

    @declared_attr.directive
    def __table_args__(cls):  # noqa: N805 - declared_attr takes the class
        schema = getattr(cls, "__schema__", None)
        args: list = [sa.Index(f"ix_{cls.__tablename__}_at", "at"),
                      sa.Index(f"ix_{cls.__tablename__}_entity_entity_id", "entity", "entity_id")]
        return (*args, {"schema": schema}) if schema else tuple(args)


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


class AuditEntry(AuditColumns, db.Model):
    """Every write by a person in this region: who, when, what, before/after, request id, IP."""

    __tablename__ = "audit_log"


def audit_trigger_sql(table: str) -> list[str]:
    """DDL that makes an audit table append-only (UPDATE and DELETE raise)."""
    fn = f"{table.replace('.', '_')}_append_only"
    qualified_fn = f"platform.{fn}" if table.startswith("platform.") else fn
    return [
        f"CREATE OR REPLACE FUNCTION {qualified_fn}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
        "RAISE EXCEPTION USING MESSAGE = 'the audit log is append-only: ' || TG_OP || ' refused', "
        "ERRCODE = 'insufficient_privilege'; END $$",
        f"CREATE TRIGGER {table.split('.')[-1]}_append_only BEFORE UPDATE OR DELETE ON {table} "
        f"FOR EACH ROW EXECUTE FUNCTION {qualified_fn}()",
    ]


for _statement in audit_trigger_sql("audit_log"):
    sa.event.listen(AuditEntry.__table__, "after_create", sa.DDL(_statement))

"""The audit logs: a region's in its own schema, the platform's in `platform.audit_log`; both append-only (a
trigger refuses UPDATE and DELETE)."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, declared_attr, mapped_column

from app.extensions import db


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


class PlatformAuditEntry(AuditColumns, db.Model):
    """Every action of a platform user (vendors' admin calls, province logins...)."""

    __tablename__ = "audit_log"
    __schema__ = "platform"


for _statement in audit_trigger_sql("platform.audit_log"):
    sa.event.listen(PlatformAuditEntry.__table__, "after_create", sa.DDL(_statement))

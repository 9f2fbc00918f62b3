"""The audit log: every write by a person, in the tenant's own append-only table (platform actions in
platform.audit_log). Services announce writes with app.signals.audit; this module records them."""

from __future__ import annotations

import getpass
import json
from datetime import date, datetime
from decimal import Decimal

from flask import has_request_context, request
from flask_login import current_user

from app.extensions import db
from app.logs import request_id_var
from app.models.auth import AuditEntry
from app.models.platform import PlatformAuditEntry
from app.signals import audit_event


def _jsonable(value):
    """Before/after snapshots as JSON (dates as ISO strings, decimals as strings)."""
    if value is None:
        return None
    return json.loads(json.dumps(value, default=_default))


def _default(obj):
    if isinstance(obj, datetime | date):
        return obj.isoformat()
    if isinstance(obj, Decimal):
        return str(obj)
    if isinstance(obj, set | frozenset | tuple):
        return sorted(obj)
    return str(obj)


def _actor() -> tuple[int | None, str | None]:
    if has_request_context():
        if current_user and current_user.is_authenticated:
            return current_user.user_id, current_user.username
        return None, None
    return None, f"cli:{getpass.getuser()}"  # a command run by the region's IT staff


def _entry(model, action: str, entity: str, entity_id, before, after, actor: tuple | None = None):
    actor_id, actor_name = actor or _actor()
    return model(actor_id=actor_id, actor=actor_name, action=action, entity=entity,
                 entity_id=None if entity_id is None else str(entity_id), before=_jsonable(before),
                 after=_jsonable(after), request_id=request_id_var.get(),
                 ip=request.remote_addr if has_request_context() else None)


def record(_sender=None, *, action: str, entity: str, entity_id=None, before=None, after=None, actor=None) -> None:
    """Add an entry to the bound tenant's audit log, in the caller's transaction (it commits with the write)."""
    db.session.add(_entry(AuditEntry, action, entity, entity_id, before, after, actor))


def record_platform(action: str, entity: str, entity_id=None, before=None, after=None, actor=None) -> None:
    """Add an entry to platform.audit_log, in the caller's transaction."""
    db.session.add(_entry(PlatformAuditEntry, action, entity, entity_id, before, after, actor))


def install() -> None:
    audit_event.connect(record, weak=False)

"""The audit log: every write by a person, in the tenant's own append-only table (platform actions in
platform.audit_log). Services write it with `record` (one call, in the write's own transaction); admins read it
back newest first, by keyset on id (the log only grows, so offsets would drift)."""

from __future__ import annotations

import getpass
import json
from datetime import date, datetime, time, timedelta
from decimal import Decimal

import sqlalchemy as sa
from flask import has_request_context, request
from flask_login import current_user

from app.domain.dates import WIB
from app.extensions import db
from app.logs import request_id_var
from app.models.audit import AuditEntry, PlatformAuditEntry


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


def record(action: str, entity: str, entity_id=None, *, before=None, after=None,
           actor: tuple[int | None, str | None] | None = None, platform: bool = False,
           separately: bool = False) -> None:
    """The one way to write the audit log: `action` (e.g. "employee.update") on `entity` (a table) `entity_id`, with
    the before/after snapshots (see `snapshot`).

    `actor` is (user id, username): by default the person of the request, or `cli:<os user>` for a command; a job
    passes the person who started it. The entry goes to the bound region's log, or with `platform=True` to
    platform.audit_log. It joins the caller's transaction (it commits with the write), or with `separately=True`
    is written at once in a transaction of its own, for what must be kept whatever becomes of the caller's (a refused
    or failed admin API call)."""
    model = PlatformAuditEntry if platform else AuditEntry
    actor_id, actor_name = actor or _actor()
    entry = model(actor_id=actor_id, actor=actor_name, action=action, entity=entity,
                  entity_id=None if entity_id is None else str(entity_id), before=_jsonable(before),
                  after=_jsonable(after), request_id=request_id_var.get(),
                  ip=request.remote_addr if has_request_context() else None)
    if not separately:
        db.session.add(entry)
        return
    columns = {c.key: getattr(entry, c.key) for c in model.__table__.columns
               if c.key != "id" and getattr(entry, c.key) is not None}
    with db.engine.begin() as conn:
        conn.execute(sa.insert(model.__table__).values(**columns))


def snapshot(row, fields: tuple[str, ...] | None = None, **extra) -> dict:
    """What the audit log keeps of a row: the named attributes (default: every column), plus `extra` values; made
    JSON-safe by `record` (dates as ISO strings, decimals as strings)."""
    names = fields if fields is not None else tuple(c.key for c in row.__table__.columns)
    return {**{name: getattr(row, name) for name in names}, **extra}






def _day_start(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=WIB)


def entry_view(entry: AuditEntry) -> dict:
    return {"id": entry.id, "at": entry.at, "actor_id": entry.actor_id, "actor": entry.actor, "action": entry.action,
            "entity": entry.entity, "entity_id": entry.entity_id, "before": entry.before, "after": entry.after,
            "request_id": entry.request_id, "ip": entry.ip}


def list_entries(*, limit: int, before_id: int | None = None, actor: str | None = None, action: str | None = None,
                 entity: str | None = None, entity_id: str | None = None, date_from: date | None = None,
                 date_to: date | None = None) -> dict:
    """A page of entries, newest first: {items, limit, next_before_id} (None when this is the last page).

    `action` is a prefix ("user." matches every user action); `date_from`/`date_to` are inclusive days.
    """
    stmt = sa.select(AuditEntry)
    if before_id is not None:
        stmt = stmt.where(AuditEntry.id < before_id)
    if actor:
        stmt = stmt.where(AuditEntry.actor == actor)
    if action:
        stmt = stmt.where(AuditEntry.action.startswith(action, autoescape=True))
    if entity:
        stmt = stmt.where(AuditEntry.entity == entity)
    if entity_id:
        stmt = stmt.where(AuditEntry.entity_id == entity_id)
    if date_from:
        stmt = stmt.where(AuditEntry.at >= _day_start(date_from))
    if date_to:
        stmt = stmt.where(AuditEntry.at < _day_start(date_to + timedelta(days=1)))
    rows = db.session.execute(stmt.order_by(AuditEntry.id.desc()).limit(limit + 1)).scalars().all()
    more = len(rows) > limit
    rows = rows[:limit]
    return {"items": [entry_view(row) for row in rows], "limit": limit,
            "next_before_id": rows[-1].id if more else None}

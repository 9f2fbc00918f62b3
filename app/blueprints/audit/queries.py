"""Reading the audit log: newest first, by keyset on id (the log only grows, so offsets would drift and a
total would mean counting it), in one query.

Kept beside its blueprint because app/services/audit.py (the writer) belongs to another area; it may move
there as `list_entries`.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone

import sqlalchemy as sa

from app.extensions import db
from app.models.auth import AuditEntry

# Dates in filters are calendar days in Western Indonesia Time (all the first regions are in WIB).
WIB = timezone(timedelta(hours=7), "WIB")


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

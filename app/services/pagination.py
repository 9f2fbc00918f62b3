"""List pages: limit/offset with a total, sorted only on indexed columns, in a bounded number of queries."""

from __future__ import annotations

from dataclasses import dataclass

import marshmallow as ma
import sqlalchemy as sa

from app.extensions import db

MAX_LIMIT = 200


class ListArgsSchema(ma.Schema):
    limit = ma.fields.Integer(load_default=50, validate=ma.validate.Range(min=1, max=MAX_LIMIT))
    offset = ma.fields.Integer(load_default=0, validate=ma.validate.Range(min=0, max=10_000_000))
    sort = ma.fields.String(load_default=None)


class PageSchema(ma.Schema):
    total = ma.fields.Integer(required=True)
    limit = ma.fields.Integer(required=True)
    offset = ma.fields.Integer(required=True)


@dataclass
class Page:
    items: list
    total: int
    limit: int
    offset: int


def sort_clause(sort: str | None, sortable: dict[str, sa.ColumnElement], default: str) -> list:
    """`sort=name` or `sort=-name`; only the keys of `sortable` are accepted (they are indexed)."""
    key = sort or default
    desc = key.startswith("-")
    column = sortable.get(key.lstrip("-"))
    if column is None:
        raise ValueError(f"sort must be one of: {', '.join(sorted(sortable))} (prefix '-' for descending)")
    return [column.desc() if desc else column.asc()]


def paginate(stmt: sa.Select, *, limit: int, offset: int, order_by: list, tiebreak: sa.ColumnElement) -> Page:
    """Two queries whatever the page size: the total, then the page."""
    total = db.session.execute(sa.select(sa.func.count()).select_from(stmt.order_by(None).subquery())).scalar_one()
    rows = db.session.execute(stmt.order_by(*order_by, tiebreak).limit(limit).offset(offset)).scalars().all()
    return Page(items=list(rows), total=total, limit=limit, offset=offset)

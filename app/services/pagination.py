"""List pages: limit/offset with a total, sorted only on indexed columns, in a bounded number of queries."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import marshmallow as ma
import sqlalchemy as sa

from app.extensions import db
from app.problems import Problem

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
    """`sort=name` or `sort=-name`; only the keys of `sortable` are accepted (they are indexed): else a 422."""
    key = sort or default
    desc = key.startswith("-")
    column = sortable.get(key.lstrip("-"))
    if column is None:
        raise Problem.invalid(f"sort harus salah satu dari: {', '.join(sorted(sortable))} (awali '-' untuk urutan "
                              "menurun)", field="sort")
    return [column.desc() if desc else column.asc()]


def paginate(stmt: sa.Select, *, limit: int, offset: int, order_by: list, tiebreak: sa.ColumnElement,
             count: sa.Select | None = None, view: Callable | None = None) -> Page:
    """The one way to page a list: two queries whatever the page size, the total then the page.

    `count` is a cheaper statement that counts the same rows (e.g. without the page's joins); by default the
    statement itself is counted. Each row of the page is `view(row)` when given, else the row's one entity (a
    select of one model) or the row itself."""
    counted = count if count is not None else sa.select(sa.func.count()).select_from(stmt.order_by(None).subquery())
    total = db.session.execute(counted).scalar_one()
    result = db.session.execute(stmt.order_by(*order_by, tiebreak).limit(limit).offset(offset))
    if view is None and len(stmt.column_descriptions) == 1:
        return Page(items=list(result.scalars()), total=total, limit=limit, offset=offset)
    rows = result.all()
    return Page(items=[view(row) for row in rows] if view else rows, total=total, limit=limit, offset=offset)

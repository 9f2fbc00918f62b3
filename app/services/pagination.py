"""List pages: a stable sort on indexed columns, a cursor (keyset) or an offset, and a total that never scans a
large table, in a bounded number of queries.

Paging by `cursor` is the way for large lists: the cursor names the last (or first) row of the page seen, and the
next page starts right after it with an indexed range condition, so page 5,000 costs what page 1 costs and rows
added meanwhile never shift a page. `offset` still works (older clients, small lists) but costs the rows it skips.
Every page carries `next_cursor` and `prev_cursor` (null at the ends). The total is exact up to
`EXACT_COUNT_UP_TO` rows; above that it is the planner's estimate, marked `total_estimated` ("perkiraan" on pages).
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

import marshmallow as ma
import sqlalchemy as sa
from sqlalchemy.sql import operators

from app.extensions import db
from app.problems import Problem

MAX_LIMIT = 200
EXACT_COUNT_UP_TO = 10_000  # a bounded count reads at most this many rows (one index range); above it, an estimate


def cursor_field() -> ma.fields.String:
    """The `cursor` query argument of a list."""
    return ma.fields.String(load_default=None, validate=ma.validate.Length(max=2_000),
                            metadata={"description": "next_cursor or prev_cursor of the page before (keyset paging: "
                                                     "the same cost at any depth); with the same sort and filters"})


class ListArgsSchema(ma.Schema):
    limit = ma.fields.Integer(load_default=50, validate=ma.validate.Range(min=1, max=MAX_LIMIT))
    offset = ma.fields.Integer(load_default=0, validate=ma.validate.Range(min=0, max=10_000_000),
                               metadata={"description": "deprecated for large lists: use cursor"})
    sort = ma.fields.String(load_default=None)
    cursor = cursor_field()


class PageSchema(ma.Schema):
    total = ma.fields.Integer(required=True)
    total_estimated = ma.fields.Boolean(
        required=True, metadata={"description": f"true when total is the planner's estimate (above "
                                                f"{EXACT_COUNT_UP_TO:,} rows), not an exact count"})
    limit = ma.fields.Integer(required=True)
    offset = ma.fields.Integer(required=True)
    next_cursor = ma.fields.String(allow_none=True, metadata={"description": "null on the last page"})
    prev_cursor = ma.fields.String(allow_none=True, metadata={"description": "null on the first page"})


@dataclass
class Page:
    items: list
    total: int
    limit: int
    offset: int
    next_cursor: str | None = None
    prev_cursor: str | None = None
    total_estimated: bool = False


def sort_clause(sort: str | None, sortable: dict[str, sa.ColumnElement], default: str) -> list:
    """`sort=name` or `sort=-name`; only the keys of `sortable` are accepted (they are indexed): else a 422."""
    key = sort or default
    desc = key.startswith("-")
    column = sortable.get(key.lstrip("-"))
    if column is None:
        raise Problem.invalid(f"sort harus salah satu dari: {', '.join(sorted(sortable))} (awali '-' untuk urutan "
                              "menurun)", field="sort")
    return [column.desc() if desc else column.asc()]


# --- cursors ------------------------------------------------------------------------------------------------

def _bad_cursor() -> Problem:
    return Problem.invalid("Cursor tidak dikenal: pakai next_cursor atau prev_cursor dari halaman sebelumnya, dengan "
                           "urutan (sort) dan filter yang sama.", field="cursor")


def _encode_value(value):
    if isinstance(value, datetime):
        return {"t": value.isoformat()}
    if isinstance(value, date):
        return {"d": value.isoformat()}
    if isinstance(value, Decimal):
        return {"n": str(value)}
    return value


def _decode_value(value):
    if isinstance(value, dict) and len(value) == 1:
        (tag, text), = value.items()
        if tag == "t":
            return datetime.fromisoformat(text)
        if tag == "d":
            return date.fromisoformat(text)
        if tag == "n":
            return Decimal(text)
        raise ValueError(tag)
    if value is None or isinstance(value, str | int | float | bool):
        return value
    raise ValueError(value)


def _encode_cursor(direction: str, signature: str, values: list) -> str:
    raw = json.dumps([direction, signature, [_encode_value(v) for v in values]], separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _decode_cursor(cursor: str, signature: str, width: int) -> tuple[str, list]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        direction, sig, values = json.loads(raw)
        values = [_decode_value(v) for v in values]
    except (binascii.Error, ValueError, TypeError, UnicodeDecodeError):
        raise _bad_cursor() from None
    if direction not in ("after", "before") or sig != signature or len(values) != width:
        raise _bad_cursor()
    return direction, values


def _key(clause) -> tuple[sa.ColumnElement, bool, bool]:
    """(column, descending, NULLs first) of one ORDER BY term: `col`, `col.desc()`, `col.asc().nulls_last()`…
    Without an explicit placement, PostgreSQL's: NULLs last ascending, first descending."""
    desc, nulls_first = False, None
    while getattr(clause, "modifier", None) in (operators.asc_op, operators.desc_op, operators.nulls_first_op,
                                                operators.nulls_last_op):
        modifier = clause.modifier
        if modifier in (operators.nulls_first_op, operators.nulls_last_op):
            nulls_first = modifier is operators.nulls_first_op
        else:
            desc = modifier is operators.desc_op
        clause = clause.element
    return clause, desc, desc if nulls_first is None else nulls_first


def _keys(order_by: list, tiebreak) -> list[tuple[sa.ColumnElement, bool, bool]]:
    """The sort keys, the tiebreak (a unique column, ascending unless given otherwise) last."""
    return [_key(clause) for clause in order_by] + [_key(tiebreak)]


def _signature(keys) -> str:
    return ",".join(f"{'-' if desc else ''}{getattr(col, 'key', None) or str(col)}" for col, desc, _ in keys)


def _strictly_after(col, desc: bool, nulls_first: bool, value):
    """Rows after `value` in this key's order, NULLs included where the order puts them."""
    if value is None:
        return col.is_not(None) if nulls_first else sa.false()
    beyond = col < value if desc else col > value
    return beyond if nulls_first else sa.or_(beyond, col.is_(None))


def _nullable(col) -> bool:
    """Whether the key may be NULL: a mapped column says so; anything else is taken as nullable."""
    return getattr(getattr(col, "expression", col), "nullable", True) is not False


def _after(keys, values):
    """Rows strictly after `values` in the order of `keys`. Keys in one direction that cannot be NULL compare as one
    row value, `(name_key, id) > (:v, :t)`, which PostgreSQL answers with one range scan of a (name_key, id)
    index; other orders are spelled key by key, led by a bound on the first key so the scan still starts there."""
    if all(not _nullable(col) and value is not None for (col, _, _), value in zip(keys, values, strict=True)) \
            and len({desc for _, desc, _ in keys}) == 1:
        row, bound = sa.tuple_(*(col for col, _, _ in keys)), sa.tuple_(*values)
        return row < bound if keys[0][1] else row > bound
    spelled = _spelled_after(keys, values)
    (col, desc, _), value = keys[0], values[0]
    if value is not None and not _nullable(col):
        return sa.and_(col <= value if desc else col >= value, spelled)
    return spelled


def _spelled_after(keys, values):
    (col, desc, nulls_first), value = keys[0], values[0]
    first = _strictly_after(col, desc, nulls_first, value)
    if len(keys) == 1:
        return first
    same = col.is_(None) if value is None else col == value
    return sa.or_(first, sa.and_(same, _spelled_after(keys[1:], values[1:])))


def _reversed(keys):
    """The exact reverse order: every direction and every NULL placement flipped."""
    return [(col, not desc, not nulls_first) for col, desc, nulls_first in keys]


def _ordered(keys):
    out = []
    for col, desc, nulls_first in keys:
        term = col.desc() if desc else col.asc()
        if nulls_first != desc:  # not PostgreSQL's default placement for this direction: say it
            term = term.nulls_first() if nulls_first else term.nulls_last()
        out.append(term)
    return out


# --- totals -------------------------------------------------------------------------------------------------

def _total(rows: sa.Select) -> tuple[int, bool]:
    """Exact up to EXACT_COUNT_UP_TO rows (a bounded count), else the planner's estimate of the rows."""
    bounded = rows.order_by(None).limit(EXACT_COUNT_UP_TO + 1).subquery()
    exact = db.session.execute(sa.select(sa.func.count()).select_from(bounded)).scalar_one()
    if exact <= EXACT_COUNT_UP_TO:
        return exact, False
    compiled = rows.order_by(None).compile(dialect=db.session.get_bind().dialect,
                                           compile_kwargs={"render_postcompile": True})
    plan = db.session.connection().exec_driver_sql(f"EXPLAIN (FORMAT JSON) {compiled}",
                                                   compiled.params).scalar_one()
    plan = json.loads(plan) if isinstance(plan, str) else plan
    return max(int(plan[0]["Plan"]["Plan Rows"]), exact), True


# --- the one way to page ------------------------------------------------------------------------------------

class _PageRow(tuple):
    """A row of the page without its sort keys: a tuple with the names of a Row (`row.name`, `row._mapping`)."""

    __slots__ = ()
    _fields: tuple = ()

    @property
    def _mapping(self) -> dict:
        return dict(zip(self._fields, self, strict=True))

    def __getattr__(self, name: str):
        try:
            return self[self._fields.index(name)]
        except ValueError:
            raise AttributeError(name) from None


def paginate(stmt: sa.Select, *, limit: int, offset: int, order_by: list, tiebreak: sa.ColumnElement,
             count_rows: sa.Select | None = None, view: Callable | None = None, cursor: str | None = None) -> Page:
    """The one way to page a list: the total (bounded, see `_total`) and the page, two or three queries.

    `count_rows` selects the same rows more cheaply (e.g. `select(Model.id)` without the page's joins); by default
    the statement itself is counted. With `cursor` the page starts after (or ends before) the row it names and
    `offset` is ignored. Each row of the page is `view(row)` when given, else the row's one entity (a select of one
    model) or the row itself."""
    keys = _keys(order_by, tiebreak)
    signature = _signature(keys)
    width = len(keys)
    direction, values = _decode_cursor(cursor, signature, width) if cursor else ("after", None)

    total, estimated = _total(count_rows if count_rows is not None else stmt)

    single = view is None and len(stmt.column_descriptions) == 1
    paged = stmt.add_columns(*(col.label(f"_page_key_{i}") for i, (col, _, _) in enumerate(keys)))
    if values is None:
        query = paged.order_by(*_ordered(keys)).limit(limit + 1).offset(offset)
    elif direction == "after":
        query = paged.where(_after(keys, values)).order_by(*_ordered(keys)).limit(limit + 1)
    else:  # before: the rows just before, read in the reverse order, then put back in order
        flipped = _reversed(keys)
        query = paged.where(_after(flipped, values)).order_by(*_ordered(flipped)).limit(limit + 1)
    rows = db.session.execute(query).all()
    more = len(rows) > limit
    rows = rows[:limit]
    if direction == "before" and values is not None:
        rows.reverse()

    def key_of(row) -> list:
        return list(row[-width:])

    if values is None:
        has_next, has_prev = more, offset > 0
    elif direction == "after":
        has_next, has_prev = more, True
    else:
        has_next, has_prev = True, more
    next_cursor = _encode_cursor("after", signature, key_of(rows[-1])) if rows and has_next else None
    prev_cursor = _encode_cursor("before", signature, key_of(rows[0])) if rows and has_prev else None

    row_type = type("PageRow", (_PageRow,), {"__slots__": (), "_fields": tuple(rows[0]._fields[:-width])}) \
        if rows else _PageRow
    bare = [row_type(row[:-width]) for row in rows]
    if single:
        items = [row[0] for row in bare]
    elif view:
        items = [view(row) for row in bare]
    else:
        items = bare
    return Page(items=items, total=total, limit=limit, offset=0 if values is not None else offset,
                next_cursor=next_cursor, prev_cursor=prev_cursor, total_estimated=estimated)

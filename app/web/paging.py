"""Paging on pages: the page size, `?cursor=` (keyset, the way for the next pages) or `?offset=`, and
previous/next links that keep the filters (the query side is app.services.pagination)."""

from __future__ import annotations

from urllib.parse import urlencode

from flask import request

PAGE_SIZE = 25


def offset_arg(args) -> int:
    """`?offset=` of a list page: a whole number from 0, anything else is the first page."""
    value = args.get("offset", "0")
    return int(value) if isinstance(value, str) and value.isdigit() and len(value) <= 8 else 0


def page_args(args) -> dict:
    """What a list page passes to its service: `offset` and `cursor` from the query string (a cursor wins)."""
    cursor = args.get("cursor") or None
    return {"offset": 0 if cursor else offset_arg(args), "cursor": cursor}


def pager(page, endpoint_args: dict | None = None) -> dict | None:
    """Previous/next links of an app.services.pagination.Page that keep the current filters; None when the page
    answers a form (POST). The next pages go by cursor; the rows' position is known only when paging by offset."""
    if request.method != "GET":
        return None
    args = {k: v for k, v in (endpoint_args if endpoint_args is not None else request.args).items()
            if k not in ("offset", "cursor") and v not in (None, "")}

    def link(**extra) -> str:
        query = urlencode({**args, **{k: v for k, v in extra.items() if v}})
        return f"{request.path}?{query}" if query else request.path

    by_cursor = bool(request.args.get("cursor"))
    count = len(page.items)
    if by_cursor:
        prev = link(cursor=page.prev_cursor) if page.prev_cursor else None
        first = last = None
    else:
        prev = link(offset=max(page.offset - page.limit, 0)) if page.offset > 0 else None
        first, last = (page.offset + 1, page.offset + count) if count else (0, 0)
    return {"total": page.total, "estimated": page.total_estimated, "count": count, "first": first, "last": last,
            "prev": prev, "next": link(cursor=page.next_cursor) if page.next_cursor else None,
            "start": link() if by_cursor and page.prev_cursor else None}

"""Paging on pages: the page size, `?offset=`, and previous/next links that keep the filters (the query side is
app.services.pagination)."""

from __future__ import annotations

from urllib.parse import urlencode

from flask import request

PAGE_SIZE = 25


def offset_arg(args) -> int:
    """`?offset=` of a list page: a whole number from 0, anything else is the first page."""
    value = args.get("offset", "0")
    return int(value) if isinstance(value, str) and value.isdigit() and len(value) <= 8 else 0


def pager(total: int, limit: int, offset: int, endpoint_args: dict | None = None) -> dict | None:
    """Previous/next links that keep the current filters; None when the page answers a form (POST)."""
    if request.method != "GET":
        return None
    args = {k: v for k, v in (endpoint_args if endpoint_args is not None else request.args).items()
            if k != "offset" and v not in (None, "")}

    def link(new_offset: int) -> str:
        return f"{request.path}?{urlencode({**args, 'offset': new_offset})}"

    return {"total": total, "first": offset + 1 if total else 0, "last": min(offset + limit, total),
            "prev": link(max(offset - limit, 0)) if offset > 0 else None,
            "next": link(offset + limit) if offset + limit < total else None}

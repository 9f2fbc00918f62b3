"""Small helpers shared by views: the single commit at the request boundary."""

from __future__ import annotations

from typing import TypeVar

from app.extensions import db

T = TypeVar("T")


def commit(result: T) -> T:
    """Commit the request's unit of work and hand back what the view will dump."""
    db.session.commit()
    return result


def send_table(fmt: str, columns, rows, *, name_parts: list, title: str, delimiter: str = ","):
    """Send rows as a CSV/XLSX attachment named after `name_parts` (e.g. `kepatuhan-jp-2024-kota-malang.xlsx`)."""
    from flask import send_file

    from app.services.files.writers import export
    from app.services.text import slugify

    stream, exporter = export(fmt, columns, rows, title=title, delimiter=delimiter)
    size = stream.seek(0, 2)
    stream.seek(0)
    stem = "-".join(slugify(str(p)) for p in name_parts if p)
    resp = send_file(stream, mimetype=exporter.mimetype, as_attachment=True,
                     download_name=f"{stem}.{exporter.extension}")
    resp.content_length = size
    resp.headers["Cache-Control"] = "private, no-store"  # personal data
    return resp


def downloadable(blp):
    """A decorator for a smorest view of `blp` that can answer CSV/XLSX (send_table): documents those bodies next
    to the JSON one (same 200, other content types), so the OpenAPI document matches what is sent."""
    from app.services.files.writers import EXPORTERS

    def decorate(view):
        for exporter in EXPORTERS.values():
            view = blp.alt_response(200, schema={"type": "string", "format": "binary"},
                                    content_type=exporter.mimetype, description="OK", success=True)(view)
        return view

    return decorate

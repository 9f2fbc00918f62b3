"""The imports area's part of the weekly digest to BKPSDM staff: the imports that failed during the week."""

from __future__ import annotations

import sqlalchemy as sa

from app.areas import DigestWindow
from app.extensions import db
from app.models.imports import ImportRun
from app.web.filters import angka, wib

LISTED = 20


def failed_imports(window: DigestWindow) -> tuple[int, list[str]]:
    when = sa.func.coalesce(ImportRun.finished_at, ImportRun.created_at)
    rows = db.session.execute(
        sa.select(ImportRun.id, ImportRun.filename, ImportRun.error, ImportRun.created_by, when.label("at"))
        .where(ImportRun.state == "failed", when >= window.start, when < window.end)
        .order_by(when, ImportRun.id)).all()
    lines = []
    for r in rows[:LISTED]:
        reason = " ".join((r.error or "tanpa keterangan").split())
        reason = reason if len(reason) <= 160 else reason[:157] + "..."
        who = f", oleh {r.created_by}" if r.created_by else ""
        lines.append(f"{r.filename} ({wib(r.at)}{who}): {reason}")
    if len(rows) > LISTED:
        lines.append(f"dan {angka(len(rows) - LISTED)} impor gagal lainnya")
    return len(rows), lines

"""The reconciliation area's part of the weekly digest to BKPSDM staff: partner reports with differences still open
(not yet kept or taken), whatever week they came in — an open difference waits until a person decides it."""

from __future__ import annotations

import sqlalchemy as sa

from app.areas import DigestWindow
from app.extensions import db
from app.models.catalogue import Partner, Program
from app.models.reconciliation import ReconciliationRow, ReconciliationRun
from app.services.reconciliation.runs import _open_rows
from app.web.filters import angka

LISTED = 20  # reports named in the mail; the count covers them all


def open_differences(_window: DigestWindow) -> tuple[int, list[str]]:
    rows = db.session.execute(
        sa.select(ReconciliationRun.id, ReconciliationRun.year, ReconciliationRun.filename, Program.name,
                  Partner.name.label("partner_name"), sa.func.count().label("open"))
        .join(ReconciliationRow, ReconciliationRow.run_id == ReconciliationRun.id)
        .join(Program, Program.id == ReconciliationRun.program_id)
        .join(Partner, Partner.id == ReconciliationRun.partner_id)
        .where(*_open_rows(), ReconciliationRun.state.in_(("classified", "applying")))
        .group_by(ReconciliationRun.id, Program.name, Partner.name)
        .order_by(sa.func.count().desc(), ReconciliationRun.id)).all()
    total = sum(r.open for r in rows)
    lines = [f"{r.name} {r.year} dari {r.partner_name} ({r.filename}): {angka(r.open)} selisih belum diputuskan"
             for r in rows[:LISTED]]
    if len(rows) > LISTED:
        lines.append(f"dan {angka(len(rows) - LISTED)} laporan lainnya")
    return total, lines

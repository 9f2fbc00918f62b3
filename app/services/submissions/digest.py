"""What the weekly staff digest says about learning submissions: how many wait for verification, and the oldest."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from app.extensions import db
from app.models.employees import Employee, Opd
from app.models.submissions import Submission

DIGEST_ITEMS = 10


def digest_section(window_start: datetime, window_end: datetime, *, opd_ids=None, limit: int = DIGEST_ITEMS) -> dict:
    """{"count": every pending submission (up to window_end), "new": those submitted in [window_start,
    window_end), "items": the oldest waiting ones (id, submitted_at, nip, name, opd, title, kind, jp_claimed)}.
    `opd_ids` limits it to those OPDs' employees (an OPD's digest); None is the whole region."""
    cond = [Submission.status == "pending", Submission.created_at < window_end]
    if opd_ids is not None:
        cond.append(Employee.opd_id.in_(sorted(opd_ids)))
    base = (sa.select(Submission.id).join(Employee, Employee.id == Submission.employee_id).where(*cond))
    counts = db.session.execute(sa.select(
        sa.func.count(), sa.func.count().filter(Submission.created_at >= window_start))
        .select_from(Submission).join(Employee, Employee.id == Submission.employee_id).where(*cond)).one()
    rows = db.session.execute(
        sa.select(Submission.id, Submission.created_at, Submission.title, Submission.kind, Submission.jp_claimed,
                  Employee.nip, Employee.name, Opd.name.label("opd_name"))
        .join(Employee, Employee.id == Submission.employee_id).outerjoin(Opd, Opd.id == Employee.opd_id)
        .where(Submission.id.in_(base.scalar_subquery()))
        .order_by(Submission.created_at, Submission.id).limit(limit)).all()
    return {"count": counts[0], "new": counts[1],
            "items": [{"id": r.id, "submitted_at": r.created_at, "nip": r.nip, "name": r.name, "opd": r.opd_name,
                       "title": r.title, "kind": r.kind, "jp_claimed": r.jp_claimed} for r in rows]}


def waiting_submissions(window) -> tuple[int, list[str]]:
    """The submissions area's part of the weekly staff digest (app.areas.DigestSection): every submission still
    waiting for verification, the oldest named first, and how many of them came in this week."""
    from app.services.submissions.kinds import LABELS
    from app.web.filters import angka, tanggal

    found = digest_section(window.start, window.end)
    lines = [f"{item['name']} ({item['nip']}, {item['opd'] or 'tanpa OPD'}): {item['title']} — "
             f"{LABELS.get(item['kind'], item['kind'])}, {angka(item['jp_claimed'])} JP diajukan, sejak "
             f"{tanggal(item['submitted_at'])}" for item in found["items"]]
    if found["count"] > len(found["items"]):
        lines.append(f"dan {angka(found['count'] - len(found['items']))} pengajuan lainnya")
    if found["count"]:
        lines.insert(0, f"{angka(found['new'])} masuk minggu ini; {angka(found['count'])} menunggu verifikasi.")
    return found["count"], lines

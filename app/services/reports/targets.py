"""A region's yearly training targets (people to train), set by its admin; shown against what was achieved
in the provincial and national rollups (e.g. Kab. Serang's 500 for 2022)."""

from __future__ import annotations

import sqlalchemy as sa

from app.extensions import db
from app.models.reports import TrainingTarget
from app.problems import Problem
from app.services.rollups import metrics as rollups
from app.signals import audit

MIN_YEAR, MAX_YEAR = 2000, 2100


def _check_year(year: int) -> None:
    if not MIN_YEAR <= year <= MAX_YEAR:
        reason = f"tahun harus antara {MIN_YEAR} dan {MAX_YEAR}"
        raise Problem(422, "Unprocessable Content", f"Tahun {year} tidak valid: {reason}.",
                      errors=[{"field": "year", "reason": reason}])


def _snapshot(target: TrainingTarget) -> dict:
    return {"year": target.year, "people": target.people, "note": target.note}


def list_targets() -> list[TrainingTarget]:
    return list(db.session.execute(sa.select(TrainingTarget).order_by(TrainingTarget.year)).scalars())


def set_target(year: int, people: int, note: str | None = None) -> TrainingTarget:
    """Create or replace the target of `year`; the rollups are refreshed (debounced) afterwards."""
    _check_year(year)
    if people <= 0:
        raise Problem(422, "Unprocessable Content", "Target harus lebih dari 0 orang.",
                      errors=[{"field": "people", "reason": "harus lebih dari 0"}])
    target = db.session.get(TrainingTarget, year)
    before = _snapshot(target) if target is not None else None
    if target is None:
        target = TrainingTarget(year=year)
        db.session.add(target)
    target.people, target.note = people, note
    db.session.flush()
    audit("target.set", "training_targets", year, before, _snapshot(target))
    rollups.request_refresh()
    return target


def delete_target(year: int) -> None:
    _check_year(year)
    target = db.session.get(TrainingTarget, year)
    if target is None:
        raise Problem(404, "Not Found", f"Target tahun {year} tidak ditemukan.")
    before = _snapshot(target)
    db.session.delete(target)
    db.session.flush()
    audit("target.delete", "training_targets", year, before, None)
    rollups.request_refresh()

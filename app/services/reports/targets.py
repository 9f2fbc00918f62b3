"""A region's yearly training targets (people to train), set by its admin; shown against what was achieved
in the provincial and national rollups (e.g. Kab. Serang's 500 for 2022)."""

from __future__ import annotations

import sqlalchemy as sa

from app.extensions import db
from app.models.reports import TrainingTarget
from app.problems import Problem
from app.services.audit import log as audit
from app.services.rollups import metrics as rollups

MIN_YEAR, MAX_YEAR = 2000, 2100


def _check_year(year: int) -> None:
    if not MIN_YEAR <= year <= MAX_YEAR:
        reason = f"tahun harus antara {MIN_YEAR} dan {MAX_YEAR}"
        raise Problem.invalid(f"Tahun {year} tidak valid: {reason}.", errors=[{"field": "year", "reason": reason}])


AUDITED = ("year", "people", "note")


def list_targets() -> list[TrainingTarget]:
    return list(db.session.execute(sa.select(TrainingTarget).order_by(TrainingTarget.year)).scalars())


def set_target(year: int, people: int, note: str | None = None) -> TrainingTarget:
    """Create or replace the target of `year`; the rollups are refreshed (debounced) afterwards."""
    _check_year(year)
    if people <= 0:
        raise Problem.invalid("Target harus lebih dari 0 orang.",
                              errors=[{"field": "people", "reason": "harus lebih dari 0"}])
    target = db.session.get(TrainingTarget, year)
    before = audit.snapshot(target, AUDITED) if target is not None else None
    if target is None:
        target = TrainingTarget(year=year)
        db.session.add(target)
    target.people, target.note = people, note
    db.session.flush()
    audit.record("target.set", "training_targets", year, before=before, after=audit.snapshot(target, AUDITED))
    rollups.request_refresh()
    return target


def delete_target(year: int) -> None:
    _check_year(year)
    target = db.session.get(TrainingTarget, year)
    if target is None:
        raise Problem.not_found(f"Target tahun {year} tidak ditemukan.")
    before = audit.snapshot(target, AUDITED)
    db.session.delete(target)
    db.session.flush()
    audit.record("target.delete", "training_targets", year, before=before)
    rollups.request_refresh()

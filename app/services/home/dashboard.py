"""The home page's figures: a year's 20 JP compliance, people trained, open cohorts, running imports and open
reconciliation differences.

Every figure honours the caller's OPD scope exactly as the reports do (app.services.scope); imports are shown
only to callers who may read them (unscoped staff, as app.services.imports.runs decides).
"""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa

from app.authz import opd_scope
from app.extensions import db
from app.models.catalogue import Program
from app.models.cohorts import Cohort
from app.models.employees import JpEntry
from app.models.imports import ImportRun
from app.services.cohorts.schedule import cohort_label
from app.services.employees import records
from app.services.reconciliation import runs as reconciliation
from app.services.reports import compliance as reports
from app.services.scope import employee_id_in_scope_clause, scoped

RUNNING_IMPORT_STATES = ("queued", "validating", "importing")
OPEN_COHORTS_SHOWN = 8


def people_trained(year: int) -> int:
    """Distinct employees (in scope) with at least one JP ledger line in the year."""
    return db.session.execute(
        sa.select(sa.func.count(sa.distinct(JpEntry.employee_id)))
        .where(JpEntry.year == year, *scoped(employee_id_in_scope_clause(JpEntry.employee_id)))).scalar_one()


def open_cohorts(today: date) -> dict:
    """Cohorts running or upcoming (not yet ended; undated ones of this year count as open): {total, items}."""
    condition = sa.or_(Cohort.end_date >= today, sa.and_(Cohort.end_date.is_(None), Cohort.year >= today.year))
    total = db.session.execute(sa.select(sa.func.count()).select_from(Cohort).where(condition)).scalar_one()
    rows = db.session.execute(
        sa.select(Cohort.id, Cohort.number, Cohort.year, Cohort.start_date, Cohort.end_date, Program.code,
                  Program.name).join(Program, Program.id == Cohort.program_id).where(condition)
        .order_by(Cohort.start_date.asc().nulls_last(), Cohort.id).limit(OPEN_COHORTS_SHOWN)).all()
    items = [{"id": r.id, "label": cohort_label(r.code, r.number, r.year), "program_name": r.name,
              "start_date": r.start_date, "end_date": r.end_date,
              "running": r.start_date is not None and r.start_date <= today} for r in rows]
    return {"total": total, "items": items}


def running_imports() -> list[dict] | None:
    """Import runs not yet ended, newest first; None when the caller may not read imports (OPD-scoped)."""
    if opd_scope() is not None:
        return None
    runs = db.session.execute(sa.select(ImportRun).where(ImportRun.state.in_(RUNNING_IMPORT_STATES))
                              .order_by(ImportRun.id.desc()).limit(10)).scalars().all()
    return [{"id": r.id, "filename": r.filename, "state": r.state, "created_at": r.created_at} for r in runs]


def staff_summary(today: date, year: int | None = None) -> dict:
    """Everything the staff dashboard shows: compliance and people trained for `year` (default: the calendar year
    of `today`); cohorts, imports and differences open `today`."""
    year = year or today.year
    report = reports.jp_compliance(year, limit=1)
    return {"year": year, "compliance": report.overall, "people_trained": people_trained(year),
            "open_cohorts": open_cohorts(today), "running_imports": running_imports(),
            "open_differences": open_differences(), "incomplete_employees": records.count_incomplete()}


def open_differences() -> int | None:
    """Reconciliation differences not yet decided; None for OPD-scoped callers (reports span every OPD)."""
    if opd_scope() is not None:
        return None
    return reconciliation.open_differences_count()

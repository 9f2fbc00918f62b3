"""The home page's figures: a year's 20 JP compliance, people trained, open cohorts, running imports and open
reconciliation differences.

Every figure honours the caller's OPD scope exactly as the reports do (app.services.scope); imports are shown
only to callers who may read them (unscoped staff, as app.services.imports.runs decides).
"""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa

from app.authz import opd_scope
from app.domain.dates import today_wib
from app.extensions import db
from app.models.catalogue import Program
from app.models.cohorts import Cohort
from app.models.employees import JpEntry
from app.models.imports import ImportRun
from app.models.rollups import TenantRefresh, TenantSummary
from app.services.cohorts.schedule import cohort_label
from app.services.reconciliation import runs as reconciliation
from app.services.reports import compliance as reports
from app.services.scope import employee_id_in_scope_clause, scoped
from app.tenancy import current_tenant

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


SUMMARY_METRICS = ("asn_pns", "asn_pppk", "asn_meeting_20jp", "people_trained", "jp_delivered")


def summary_figures(year: int) -> dict | None:
    """This year's compliance and people trained from the region's own rollup summary (one indexed query on
    platform.tenant_summaries, refreshed after every change that moves a figure: app.services.rollups), instead of
    recomputing the whole region on every visit. None, and the caller computes live, when the caller is limited to
    some OPDs (the summary is the whole region's), for a past year (the summary counts the ASN of the year's end,
    the report page today's: the tile must match the page it links to), or when the summary is missing or its last
    refresh failed."""
    if opd_scope() is not None or year != today_wib().year:
        return None
    tenant = current_tenant()
    rows = db.session.execute(
        sa.select(TenantSummary.metric, TenantSummary.value, TenantSummary.refreshed_at, TenantRefresh.stale)
        .outerjoin(TenantRefresh, TenantRefresh.tenant_id == TenantSummary.tenant_id)
        .where(TenantSummary.tenant_id == tenant.id, TenantSummary.year == year,
               TenantSummary.metric.in_(SUMMARY_METRICS))).all()
    values = {r.metric: int(r.value) for r in rows}
    if set(values) != set(SUMMARY_METRICS) or any(r.stale for r in rows):
        return None
    compliance = reports.ComplianceGroup(opd_id=None, opd_name=None,
                                         active_employees=values["asn_pns"] + values["asn_pppk"],
                                         compliant=values["asn_meeting_20jp"], total_jp=values["jp_delivered"])
    return {"compliance": compliance, "people_trained": values["people_trained"],
            "as_of": min(r.refreshed_at for r in rows)}


def staff_summary(today: date, year: int | None = None) -> dict:
    """Everything the staff dashboard shows: compliance and people trained for `year` (default: the calendar year
    of `today`), from the region's summary where it serves (`summary_figures`, with the time it was computed in
    `as_of`), else computed now; cohorts, imports and differences open `today`."""
    year = year or today.year
    figures = summary_figures(year)
    if figures is None:
        figures = {"compliance": reports.jp_compliance(year, limit=1).overall,
                   "people_trained": people_trained(year), "as_of": None}
    return {"year": year, **figures, "open_cohorts": open_cohorts(today), "running_imports": running_imports(),
            "open_differences": open_differences()}


def open_differences() -> int | None:
    """Reconciliation differences not yet decided; None for OPD-scoped callers (reports span every OPD)."""
    if opd_scope() is not None:
        return None
    return reconciliation.open_differences_count()

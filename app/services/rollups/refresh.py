"""Compute a tenant's rollup figures in its own schema and write them to `platform.tenant_summaries`.

`compute_summaries` is a handful of aggregate queries over the whole tenant (GROUP BY year), never a loop over
people. `refresh_tenant_summaries` replaces the tenant's rows and marks it fresh in the same transaction; the
job `refresh_rollups` does that for one tenant, and when its last attempt fails it marks the tenant stale and
keeps the last good rows (shown as stale, never a silent zero).
"""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import sqlalchemy as sa
from flask import current_app

from app.domain.jp import REQUIRED_JP_PER_YEAR
from app.extensions import db
from app.jobs import enqueue, redis_connection, tenant_job
from app.services.rollups.metrics import BASE_METRICS, ORIENTATION_PROGRAM_TYPE, ORIENTED_STATUSES, cohorts_metric
from app.tenancy import TenantInfo, current_tenant, resolve

log = logging.getLogger(__name__)

MAX_ERROR_CHARS = 2000

_YEARS_SQL = sa.text(
    "SELECT DISTINCT year FROM jp_entries UNION SELECT DISTINCT year FROM cohorts "
    "UNION SELECT year FROM training_targets"
)
_EMPLOYEES_SQL = sa.text(
    "SELECT count(*) FILTER (WHERE employee_type = 'PNS') AS pns, "
    "count(*) FILTER (WHERE employee_type = 'PPPK') AS pppk FROM employees WHERE active"
)
_JP_SQL = sa.text(
    "SELECT year, count(DISTINCT employee_id) AS people, sum(jp) AS jp FROM jp_entries "
    "WHERE year = ANY(:years) GROUP BY year"
)
_MEETING_SQL = sa.text(
    "SELECT y.year, count(*) AS n FROM ("
    "  SELECT year, employee_id FROM jp_entries WHERE year = ANY(:years) GROUP BY year, employee_id"
    "  HAVING sum(jp) >= :required"
    ") y JOIN employees e ON e.id = y.employee_id WHERE e.active GROUP BY y.year"
)
_ORIENTED_SQL = sa.text(
    "SELECT c.year, count(DISTINCT en.employee_id) AS n FROM enrolments en "
    "JOIN cohorts c ON c.id = en.cohort_id JOIN programs p ON p.id = c.program_id "
    "JOIN employees e ON e.id = en.employee_id "
    "WHERE c.year = ANY(:years) AND p.program_type = :ptype AND e.employee_type = 'PPPK' "
    "AND en.status = ANY(:statuses) GROUP BY c.year"
)
_COHORTS_SQL = sa.text(
    "SELECT c.year, p.code, count(*) AS n FROM cohorts c JOIN programs p ON p.id = c.program_id "
    "WHERE c.year = ANY(:years) GROUP BY c.year, p.code"
)
_TARGETS_SQL = sa.text("SELECT year, people FROM training_targets WHERE year = ANY(:years)")

_DELETE_SQL = sa.text("DELETE FROM platform.tenant_summaries WHERE tenant_id = :tenant_id")
_DELETE_YEARS_SQL = sa.text(
    "DELETE FROM platform.tenant_summaries WHERE tenant_id = :tenant_id AND year = ANY(:years)"
)
_INSERT_SQL = sa.text(
    "INSERT INTO platform.tenant_summaries (tenant_id, year, metric, value, refreshed_at) "
    "VALUES (:tenant_id, :year, :metric, :value, :refreshed_at)"
)
_FRESH_SQL = sa.text(
    "INSERT INTO platform.tenant_refresh (tenant_id, last_success_at, last_attempt_at, last_error, stale) "
    "VALUES (:tenant_id, :now, :now, NULL, false) ON CONFLICT (tenant_id) DO UPDATE SET "
    "last_success_at = excluded.last_success_at, last_attempt_at = excluded.last_attempt_at, "
    "last_error = NULL, stale = false"
)
_STALE_SQL = sa.text(
    "INSERT INTO platform.tenant_refresh (tenant_id, last_success_at, last_attempt_at, last_error, stale) "
    "VALUES (:tenant_id, NULL, :now, :error, true) ON CONFLICT (tenant_id) DO UPDATE SET "
    "last_attempt_at = excluded.last_attempt_at, last_error = excluded.last_error, stale = true"
)


def refresh_years() -> list[int]:
    """Every year with JP lines, cohorts or a target in the bound tenant, plus the current year."""
    years = set(db.session.execute(_YEARS_SQL).scalars())
    years.add(date.today().year)
    return sorted(years)


def compute_summaries(years: list[int] | None = None) -> list[tuple[int, str, Decimal]]:
    """The bound tenant's figures as (year, metric, value), from a handful of aggregate queries."""
    years = sorted(set(years)) if years else refresh_years()
    params = {"years": years}
    figures: dict[tuple[int, str], int] = {}
    employees = db.session.execute(_EMPLOYEES_SQL).one()
    for year in years:
        for metric in BASE_METRICS:
            figures[(year, metric)] = 0
        figures[(year, "asn_pns")] = employees.pns
        figures[(year, "asn_pppk")] = employees.pppk
    for row in db.session.execute(_JP_SQL, params):
        figures[(row.year, "people_trained")] = row.people
        figures[(row.year, "jp_delivered")] = row.jp
    for row in db.session.execute(_MEETING_SQL, {**params, "required": REQUIRED_JP_PER_YEAR}):
        figures[(row.year, "asn_meeting_20jp")] = row.n
    oriented = {**params, "ptype": ORIENTATION_PROGRAM_TYPE, "statuses": list(ORIENTED_STATUSES)}
    for row in db.session.execute(_ORIENTED_SQL, oriented):
        figures[(row.year, "pppk_oriented")] = row.n
    for row in db.session.execute(_COHORTS_SQL, params):
        figures[(row.year, cohorts_metric(row.code))] = row.n
    for row in db.session.execute(_TARGETS_SQL, params):
        figures[(row.year, "target_people")] = row.people
    return [(year, metric, Decimal(value)) for (year, metric), value in sorted(figures.items())]


def refresh_tenant_summaries(years: list[int] | None = None) -> dict:
    """Recompute the bound tenant's figures and replace its platform rows, in the caller's transaction.

    With no `years`, every year is recomputed and all the tenant's old rows go (a year without data any more
    disappears); with `years`, only those years' rows are replaced. The caller commits."""
    tenant = current_tenant()
    rows = compute_summaries(years)
    now = datetime.now(UTC)
    if years:
        db.session.execute(_DELETE_YEARS_SQL, {"tenant_id": tenant.id, "years": sorted(set(years))})
    else:
        db.session.execute(_DELETE_SQL, {"tenant_id": tenant.id})
    if rows:
        db.session.execute(_INSERT_SQL, [
            {"tenant_id": tenant.id, "year": year, "metric": metric, "value": value, "refreshed_at": now}
            for year, metric, value in rows
        ])
    db.session.execute(_FRESH_SQL, {"tenant_id": tenant.id, "now": now})
    done_years = sorted({year for year, _, _ in rows})
    log.info("rollups of %s refreshed: %d rows for %s", tenant.slug, len(rows), done_years)
    return {"tenant": tenant.slug, "years": done_years, "rows": len(rows)}


def _mark_stale(error, *args, **kwargs) -> None:
    """The last attempt failed: keep the last good rows, mark them stale and say why."""
    tenant = current_tenant()
    db.session.execute(_STALE_SQL, {"tenant_id": tenant.id, "now": datetime.now(UTC),
                                    "error": str(error)[:MAX_ERROR_CHARS]})
    log.warning("rollups of %s are stale: %s", tenant.slug, error)


@tenant_job("rollups", retries=2, retry_intervals=(5, 30), on_final_failure=_mark_stale)
def refresh_rollups(years: list[int] | None = None) -> dict:
    """Refresh one tenant's rollup rows (the decorator binds the tenant and commits)."""
    return refresh_tenant_summaries(years)


def pending_key(tenant_id: int) -> str:
    return f"{current_app.config['REDIS_KEY_PREFIX']}:rollup-pending:{tenant_id}"


def schedule_refresh(tenant: TenantInfo | int | str | None = None, delay_seconds: int = 30):
    """Debounced refresh: the first change of a tenant schedules one job `delay_seconds` later; further changes
    until then schedule nothing (that job will see them). Returns the job, or None when one was pending."""
    info = resolve(tenant) if tenant is not None else current_tenant()
    if delay_seconds <= 0:
        return enqueue(refresh_rollups, tenant=info)
    if not redis_connection().set(pending_key(info.id), "1", nx=True, ex=delay_seconds):
        return None
    return enqueue(refresh_rollups, tenant=info, delay=timedelta(seconds=delay_seconds))

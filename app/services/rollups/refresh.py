"""Compute a tenant's rollup figures in its own schema and write them to `platform.tenant_summaries` (and its
drill-down by OPD kind and jabatan kind to `platform.tenant_breakdowns`).

`compute_summaries` is a handful of aggregate queries over the whole tenant (GROUP BY year), never a loop over
people. `refresh_tenant_summaries` replaces the tenant's rows and marks it fresh in the same transaction; the
job `refresh_rollups` does that for one tenant, and when its last attempt fails it marks the tenant stale and
keeps the last good rows (shown as stale with the date of those figures, never a silent zero).

Years: every year from the first one with training anywhere on the platform (or in this region, if earlier) to
this year (or the last year with a target), contiguous: a year without activity is a row of zeros, not a hole.

Point in time: the headcount (PNS, PPPK), OPD and jabatan of a year come from that year's snapshot
(`asn_year_snapshots`), not from today's employees. The rule (app.models.rollups, docs/architecture.md): the
current year's snapshot is retaken at every refresh; a past year's is frozen (closed) — the last one taken while
the year ran, or, for a year that never had one, the one taken at its first computation.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import Session

from app.domain.dates import today_wib
from app.domain.jp import REQUIRED_JP_PER_YEAR
from app.extensions import db
from app.jobs import enqueue, redis_connection, tenant_job
from app.services.rollups.metrics import BASE_METRICS, ORIENTATION_PROGRAM_TYPE, ORIENTED_STATUSES, cohorts_metric
from app.tenancy import TenantInfo, current_tenant, resolve

log = logging.getLogger(__name__)

MAX_ERROR_CHARS = 2000
LOCK_BASE = 19_000_000  # pg_advisory_xact_lock(LOCK_BASE + tenant id): one refresh of a region at a time

_LOCK_SQL = sa.text("SELECT pg_advisory_xact_lock(:key)")
_DATA_YEARS_SQL = sa.text(
    "SELECT min(year) AS first, max(year) AS last FROM ("
    "  SELECT year FROM jp_entries UNION ALL SELECT year FROM cohorts UNION ALL SELECT year FROM training_targets"
    ") y"
)
_PLATFORM_FIRST_SQL = sa.text(
    "SELECT min(year) FROM platform.tenant_summaries "
    "WHERE metric = 'jp_delivered' AND value > 0 AND tenant_id <> :tenant_id"
)
_CLOSE_SQL = sa.text(
    "UPDATE asn_snapshot_years SET closed = true, basis = 'year_end' WHERE year < :this_year AND NOT closed"
)
_SNAPSHOT_YEARS_SQL = sa.text("SELECT year, closed FROM asn_snapshot_years")
# Retaking a snapshot writes only what changed: people no longer active go, the others are upserted (a row is
# rewritten only when its type, OPD or jabatan moved), so the nightly retake of a large region is mostly reads.
_SNAPSHOT_CLEAR_SQL = sa.text(
    "DELETE FROM asn_year_snapshots s WHERE s.year = :year "
    "AND NOT EXISTS (SELECT 1 FROM employees e WHERE e.id = s.employee_id AND e.active)"
)
_SNAPSHOT_HEADER_SQL = sa.text(
    "INSERT INTO asn_snapshot_years (year, taken_at, basis, closed, people) VALUES (:year, :now, :basis, :closed, 0) "
    "ON CONFLICT (year) DO UPDATE SET taken_at = excluded.taken_at, basis = excluded.basis, closed = excluded.closed"
)
_SNAPSHOT_TAKE_SQL = sa.text(
    "INSERT INTO asn_year_snapshots (year, employee_id, employee_type, opd_id, opd_kind, jabatan_kind) "
    # the kind of an OPD, from its folded name: what the province's drill-down groups by
    "SELECT :year, e.id, e.employee_type, e.opd_id, "
    "  CASE WHEN o.name_key LIKE 'dinas%' THEN 'dinas' WHEN o.name_key LIKE 'badan%' THEN 'badan' "
    "  WHEN o.name_key LIKE 'kecamatan%' THEN 'kecamatan' WHEN o.name_key LIKE 'kelurahan%' THEN 'kelurahan' "
    "  WHEN o.name_key LIKE 'sekretariat%' THEN 'sekretariat' ELSE 'lainnya' END, e.jabatan_kind "
    "FROM employees e LEFT JOIN opds o ON o.id = e.opd_id WHERE e.active "
    "ON CONFLICT (year, employee_id) DO UPDATE SET employee_type = excluded.employee_type, "
    "opd_id = excluded.opd_id, opd_kind = excluded.opd_kind, jabatan_kind = excluded.jabatan_kind "
    "WHERE (asn_year_snapshots.employee_type, asn_year_snapshots.opd_id, asn_year_snapshots.opd_kind, "
    "       asn_year_snapshots.jabatan_kind) IS DISTINCT FROM "
    "      (excluded.employee_type, excluded.opd_id, excluded.opd_kind, excluded.jabatan_kind)"
)
_SNAPSHOT_COUNT_SQL = sa.text(
    "UPDATE asn_snapshot_years SET people = (SELECT count(*) FROM asn_year_snapshots s WHERE s.year = :year) "
    "WHERE year = :year"
)
_HEADCOUNT_SQL = sa.text(
    "SELECT year, count(*) FILTER (WHERE employee_type = 'PNS') AS pns, "
    "count(*) FILTER (WHERE employee_type = 'PPPK') AS pppk FROM asn_year_snapshots "
    "WHERE year = ANY(:years) GROUP BY year"
)
_JP_SQL = sa.text(
    "SELECT year, count(DISTINCT employee_id) AS people, sum(jp) AS jp FROM jp_entries "
    "WHERE year = ANY(:years) GROUP BY year"
)
_MEETING_SQL = sa.text(
    "SELECT y.year, count(*) AS n FROM ("
    "  SELECT year, employee_id FROM jp_entries WHERE year = ANY(:years) GROUP BY year, employee_id"
    "  HAVING sum(jp) >= :required"
    ") y JOIN asn_year_snapshots s ON s.year = y.year AND s.employee_id = y.employee_id GROUP BY y.year"
)
_ORIENTED_SQL = sa.text(
    "SELECT c.year, count(DISTINCT en.employee_id) AS n FROM enrolments en "
    "JOIN cohorts c ON c.id = en.cohort_id JOIN programs p ON p.id = c.program_id "
    "JOIN employees e ON e.id = en.employee_id "
    "LEFT JOIN asn_year_snapshots s ON s.year = c.year AND s.employee_id = en.employee_id "
    "WHERE c.year = ANY(:years) AND p.program_type = :ptype AND coalesce(s.employee_type, e.employee_type) = 'PPPK' "
    "AND en.status = ANY(:statuses) GROUP BY c.year"
)
_COHORTS_SQL = sa.text(
    "SELECT c.year, p.code, count(*) AS n FROM cohorts c JOIN programs p ON p.id = c.program_id "
    "WHERE c.year = ANY(:years) GROUP BY c.year, p.code"
)
_TARGETS_SQL = sa.text("SELECT year, people FROM training_targets WHERE year = ANY(:years)")
_BREAKDOWN_SQL = sa.text(
    "WITH per AS (SELECT year, employee_id, sum(jp) AS jp FROM jp_entries WHERE year = ANY(:years) "
    "             GROUP BY year, employee_id) "
    "SELECT s.year, d.dimension, d.kind, count(*) AS asn_total, count(p.employee_id) AS people_trained, "
    "       count(*) FILTER (WHERE p.jp >= :required) AS asn_meeting_20jp, coalesce(sum(p.jp), 0) AS jp_delivered "
    "FROM asn_year_snapshots s LEFT JOIN per p ON p.year = s.year AND p.employee_id = s.employee_id "
    "CROSS JOIN LATERAL (VALUES ('opd_kind', s.opd_kind), "
    "                           ('jabatan_kind', coalesce(s.jabatan_kind, 'belum_diisi'))) d(dimension, kind) "
    "WHERE s.year = ANY(:years) GROUP BY s.year, d.dimension, d.kind"
)

_DELETE_SQL = sa.text("DELETE FROM platform.tenant_summaries WHERE tenant_id = :tenant_id")
_DELETE_YEARS_SQL = sa.text(
    "DELETE FROM platform.tenant_summaries WHERE tenant_id = :tenant_id AND year = ANY(:years)"
)
_DELETE_BREAKDOWNS_SQL = sa.text("DELETE FROM platform.tenant_breakdowns WHERE tenant_id = :tenant_id")
_DELETE_BREAKDOWN_YEARS_SQL = sa.text(
    "DELETE FROM platform.tenant_breakdowns WHERE tenant_id = :tenant_id AND year = ANY(:years)"
)
_INSERT_SQL = sa.text(
    "INSERT INTO platform.tenant_summaries (tenant_id, year, metric, value, refreshed_at) "
    "VALUES (:tenant_id, :year, :metric, :value, :refreshed_at)"
)
_INSERT_BREAKDOWN_SQL = sa.text(
    "INSERT INTO platform.tenant_breakdowns (tenant_id, year, dimension, kind, asn_total, people_trained, "
    "asn_meeting_20jp, jp_delivered) VALUES (:tenant_id, :year, :dimension, :kind, :asn_total, :people_trained, "
    ":asn_meeting_20jp, :jp_delivered)"
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
CHANGED = "rollups_changed"  # session.info flag: bump the read cache's version once this transaction commits


@sa.event.listens_for(Session, "after_commit")
def _bump_after_commit(session) -> None:
    if session.info.pop(CHANGED, False):
        from app.services.rollups.read import bump_version

        bump_version()


@sa.event.listens_for(Session, "after_rollback")
def _forget_after_rollback(session) -> None:
    session.info.pop(CHANGED, None)


# Other active regions whose rows start after `first` (regions never refreshed get every year at their first).
_LATER_OTHERS_SQL = sa.text(
    "SELECT t.id FROM platform.tenants t WHERE t.status = 'active' AND t.id <> :tenant_id "
    "AND (SELECT min(s.year) FROM platform.tenant_summaries s WHERE s.tenant_id = t.id) > :first"
)


def this_year() -> int:
    """The current year in the regions' calendar (WIB): a year closes at midnight WIB on 31 December."""
    return today_wib().year


def _platform_first_year(tenant_id: int) -> int | None:
    return db.session.execute(_PLATFORM_FIRST_SQL, {"tenant_id": tenant_id}).scalar()


def refresh_years(tenant_id: int | None = None) -> list[int]:
    """Contiguous years: from the first year with training anywhere on the platform (or the bound tenant's first
    year with JP lines, cohorts or a target, if earlier) to this year, or to its last target's year if later."""
    tenant_id = current_tenant().id if tenant_id is None else tenant_id
    own = db.session.execute(_DATA_YEARS_SQL).one()
    now = this_year()
    first = min(y for y in (own.first, _platform_first_year(tenant_id), now) if y is not None)
    last = max(now, own.last or now)
    return list(range(first, last + 1))


def take_snapshots(years: list[int], now: datetime | None = None) -> dict[int, str]:
    """Close past years' open snapshots, retake the current (and any future) year's, and take a closed one for a
    past year that has none. Returns {year: what was done} ("retaken", "first_computed", "kept")."""
    now = now or datetime.now(UTC)
    current = this_year()
    db.session.execute(_CLOSE_SQL, {"this_year": current})
    existing = dict(db.session.execute(_SNAPSHOT_YEARS_SQL).all())
    done: dict[int, str] = {}
    for year in years:
        if year >= current:
            basis, closed, what = "current", False, "retaken"
        elif year not in existing:
            basis, closed, what = "first_computed", True, "first_computed"
        else:
            done[year] = "kept"
            continue
        db.session.execute(_SNAPSHOT_HEADER_SQL, {"year": year, "now": now, "basis": basis, "closed": closed})
        db.session.execute(_SNAPSHOT_CLEAR_SQL, {"year": year})
        db.session.execute(_SNAPSHOT_TAKE_SQL, {"year": year})
        db.session.execute(_SNAPSHOT_COUNT_SQL, {"year": year})
        done[year] = what
    return done


def compute_summaries(years: list[int] | None = None, *, snapshots_taken: bool = False
                      ) -> list[tuple[int, str, Decimal]]:
    """The bound tenant's figures as (year, metric, value), from a handful of aggregate queries over the years'
    snapshots (taken first unless `snapshots_taken`; that writes, in the caller's transaction)."""
    years = sorted(set(years)) if years else refresh_years()
    if not snapshots_taken:
        take_snapshots(years)
    params = {"years": years}
    figures: dict[tuple[int, str], int] = {}
    for year in years:
        for metric in BASE_METRICS:
            figures[(year, metric)] = 0
    for row in db.session.execute(_HEADCOUNT_SQL, params):
        figures[(row.year, "asn_pns")] = row.pns
        figures[(row.year, "asn_pppk")] = row.pppk
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
    from app.services.ipasn.report import rollup_figures

    for year, metric, value in rollup_figures(years):  # IP ASN competency: counts and a score total
        figures[(year, metric)] = value
    return [(year, metric, Decimal(value)) for (year, metric), value in sorted(figures.items())]


def compute_breakdowns(years: list[int]) -> list[dict]:
    """The years split by OPD kind and by jabatan kind (counts over the snapshot; small cells included: the read
    side suppresses them)."""
    rows = db.session.execute(_BREAKDOWN_SQL, {"years": years, "required": REQUIRED_JP_PER_YEAR})
    return [dict(row._mapping) for row in rows]


def refresh_tenant_summaries(years: list[int] | None = None) -> dict:
    """Take the snapshots, recompute the bound tenant's figures and replace its platform rows, in the caller's
    transaction (one refresh of a region at a time: an advisory lock).

    With no `years`, every year is recomputed and all the tenant's old rows go; with `years`, only those years'
    rows are replaced. The caller commits."""
    tenant = current_tenant()
    db.session.execute(_LOCK_SQL, {"key": LOCK_BASE + tenant.id})
    todo = sorted(set(years)) if years else refresh_years(tenant.id)
    now = datetime.now(UTC)
    snapshots = take_snapshots(todo, now)
    rows = compute_summaries(todo, snapshots_taken=True)
    breakdowns = compute_breakdowns(todo)
    if years:
        db.session.execute(_DELETE_YEARS_SQL, {"tenant_id": tenant.id, "years": todo})
        db.session.execute(_DELETE_BREAKDOWN_YEARS_SQL, {"tenant_id": tenant.id, "years": todo})
    else:
        db.session.execute(_DELETE_SQL, {"tenant_id": tenant.id})
        db.session.execute(_DELETE_BREAKDOWNS_SQL, {"tenant_id": tenant.id})
    if rows:
        db.session.execute(_INSERT_SQL, [
            {"tenant_id": tenant.id, "year": year, "metric": metric, "value": value, "refreshed_at": now}
            for year, metric, value in rows
        ])
    if breakdowns:
        db.session.execute(_INSERT_BREAKDOWN_SQL, [{"tenant_id": tenant.id, **row} for row in breakdowns])
    db.session.execute(_FRESH_SQL, {"tenant_id": tenant.id, "now": now})
    db.session.info[CHANGED] = True
    done_years = sorted({year for year, _, _ in rows})
    widened = _widen_others(tenant, done_years)
    log.info("rollups of %s refreshed: %d rows for %s", tenant.slug, len(rows), done_years)
    return {"tenant": tenant.slug, "years": done_years, "rows": len(rows), "snapshots": snapshots,
            "others_scheduled": widened}


def _widen_others(tenant: TenantInfo, done_years: list[int]) -> int:
    """This region's rows start earlier than some other region's (it brought older training): those others' rows
    must now start that year too, so each gets a (debounced) refresh. Rare: a region's first import of old
    records, or the first training on the platform."""
    if not done_years:
        return 0
    others = db.session.execute(_LATER_OTHERS_SQL, {"tenant_id": tenant.id, "first": done_years[0]}).scalars().all()
    for other in others:
        try:
            schedule_refresh(other)
        except Exception as exc:  # noqa: BLE001 - the nightly full refresh catches up
            log.warning("could not schedule the refresh of region %s: %s", other, exc)
    return len(others)


def _mark_stale(error, *args, **kwargs) -> None:
    """The last attempt failed: keep the last good rows, mark them stale and say why."""
    tenant = current_tenant()
    db.session.execute(_STALE_SQL, {"tenant_id": tenant.id, "now": datetime.now(UTC),
                                    "error": str(error)[:MAX_ERROR_CHARS]})
    db.session.info[CHANGED] = True
    log.warning("rollups of %s are stale: %s", tenant.slug, error)


@tenant_job("rollups", retries=2, retry_intervals=(5, 30), on_final_failure=_mark_stale)
def refresh_rollups(years: list[int] | None = None) -> dict:
    """Refresh one tenant's rollup rows (the decorator binds the tenant and commits). Safe to run twice: it
    recomputes; the scheduled nightly full refresh (`rollups.refresh_all`) runs it for every active region."""
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


def vendor_refresh(slug: str, *, years: list[int] | None = None, inline: bool = False) -> tuple[int, dict]:
    """POST /admin/api/v1/tenants/<slug>/rollups/refresh: refresh one region's rollups now — enqueued on the
    `rollups` queue (202, with the job id), or `inline` (200, with what was written). Audited in the platform log
    (`rollups.refresh`) in the caller's transaction; the caller commits. 404 for an unknown region, 409 for one
    that is not active (a suspended region's job would only wait; an archived one has nothing to refresh)."""
    from app.models.platform import Tenant
    from app.problems import Problem
    from app.services.audit import log as audit
    from app.tenancy import tenant_context

    row = db.session.execute(sa.select(Tenant).where(Tenant.slug == slug)).scalar_one_or_none()
    if row is None:
        raise Problem.not_found(f"Wilayah {slug} tidak ditemukan.", type_="tenant-not-found")
    if row.status != "active":
        raise Problem.conflict(f"Wilayah {slug} berstatus {row.status}: rekap hanya diperbarui untuk wilayah aktif.",
                               field="slug", reason=f"status {row.status}")
    years = sorted(set(years)) if years else None
    if inline:
        db.session.commit()  # end the lookup's transaction: the refresh runs bound to the region
        with tenant_context(slug):
            result = refresh_tenant_summaries(years)
            db.session.commit()
        audit.record("rollups.refresh", "tenants", row.id, after={"tenant": slug, "inline": True, "years": years,
                                                                  "rows": result["rows"]}, platform=True)
        return 200, {"tenant": slug, "inline": True, "job_id": None, "years": result["years"], "rows": result["rows"]}
    job = enqueue(refresh_rollups, years, tenant=slug)
    audit.record("rollups.refresh", "tenants", row.id, after={"tenant": slug, "inline": False, "years": years,
                                                              "job_id": job.id}, platform=True)
    return 202, {"tenant": slug, "inline": False, "job_id": job.id, "years": years or [], "rows": None}

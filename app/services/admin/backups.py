"""Nightly backups: every active region exported by the schedule `admin.backup` (RQ's cron scheduler, 02:00 WIB),
kept by a retention rule, the rest deleted.

A backup is an export (`platform.tenant_exports`, kind `backup`, the same signed bundle a vendor's export writes, so
`kompeten tenants restore <id>` restores it) with its day (WIB): one per region and day, a unique index, so a
second tick or a re-run the same day writes nothing new. After a region's backup is written, its older backups
are pruned: the newest of each of the last KOMPETEN_BACKUP_KEEP_DAILY days (7), of each of the last
KOMPETEN_BACKUP_KEEP_WEEKLY ISO weeks (4) and of each of the last KOMPETEN_BACKUP_KEEP_MONTHLY months (12) are kept
(one bundle can count for all three); every other backup of the region loses its file and its row. Manual exports
are never pruned. `.zip.part` files of the region older than KOMPETEN_BACKUP_STALE_PART_HOURS (6) are removed:
an export killed mid-write (a worker killed by the OOM killer, a lost container) leaves one.

A failed backup (its last attempt) stays as a `failed` row until a later backup of the region succeeds: the job
dashboard lists it and `kompeten_backup_failed_regions` counts it.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import UTC, date, datetime

import sqlalchemy as sa
from flask import current_app

from app.domain.dates import WIB
from app.extensions import db
from app.jobs import tenant_job
from app.models.admin import TenantExport
from app.services.admin import bundles, exports
from app.tenancy import current_tenant

log = logging.getLogger(__name__)

BACKUP_ACTOR = "jadwal-cadangan"  # requested_by of a scheduled backup (no person asked for it)
MAX_LISTED = 100


def clock() -> datetime:
    """Now (UTC); the tests replace it to run the schedule over simulated days."""
    return datetime.now(UTC)


@dataclass(frozen=True)
class Retention:
    daily: int = 7
    weekly: int = 4
    monthly: int = 12

    @classmethod
    def from_config(cls) -> Retention:
        cfg = current_app.config
        return cls(int(cfg.get("BACKUP_KEEP_DAILY", 7)), int(cfg.get("BACKUP_KEEP_WEEKLY", 4)),
                   int(cfg.get("BACKUP_KEEP_MONTHLY", 12)))


def keep(days: list[date], rule: Retention) -> set[date]:
    """Which backup days to keep: the newest of each of the last `daily` days that have a backup, of each of the last
    `weekly` ISO weeks and of each of the last `monthly` months (grandfather-father-son)."""
    newest_first = sorted(set(days), reverse=True)
    kept: set[date] = set()
    for count, period in ((rule.daily, lambda d: d), (rule.weekly, lambda d: d.isocalendar()[:2]),
                          (rule.monthly, lambda d: (d.year, d.month))):
        seen: list = []
        for day in newest_first:
            key = period(day)
            if key in seen:
                continue
            if len(seen) == count:
                break
            seen.append(key)
            kept.add(day)
    return kept


def mark_failed(error: Exception) -> None:
    """Today's backup of the bound region failed for good: its row says so (the dashboard and metric show it)."""
    tenant = current_tenant()
    day = clock().astimezone(WIB).date()
    db.session.execute(sa.update(TenantExport).where(
        TenantExport.tenant_id == tenant.id, TenantExport.kind == "backup", TenantExport.backup_day == day,
        TenantExport.status != "done").values(status="failed", error=f"{type(error).__name__}: {error}"[:2000],
                                              finished_at=clock()))
    log.error("backup of %s failed: %s: %s", tenant.slug, type(error).__name__, error)


@tenant_job("default", retries=2, retry_intervals=(60, 600), timeout=3600, on_final_failure=mark_failed)
def backup_region() -> dict:
    """The schedule's job in one region: today's backup (unless written already), then the retention rule."""
    return run_backup(clock())


def _claim(tenant_id: int, slug: str, day: date, now: datetime) -> tuple[int, str]:
    """Today's backup row: (id, status). A new one is committed at once (others see it running)."""
    with db.engine.begin() as conn:
        row = conn.execute(sa.text(
            "INSERT INTO platform.tenant_exports (tenant_id, slug, status, kind, backup_day, requested_by, created_at) "
            "VALUES (:t, :s, 'queued', 'backup', :d, :by, :now) ON CONFLICT (tenant_id, backup_day) "
            "WHERE kind = 'backup' DO NOTHING RETURNING id"),
            {"t": tenant_id, "s": slug, "d": day, "by": BACKUP_ACTOR, "now": now}).first()
        if row is not None:
            return row.id, "queued"
        existing = conn.execute(sa.text(
            "SELECT id, status FROM platform.tenant_exports WHERE tenant_id = :t AND kind = 'backup' "
            "AND backup_day = :d"), {"t": tenant_id, "d": day}).one()
        if existing.status != "done":  # an attempt that failed or died: this one writes it again
            conn.execute(sa.text("UPDATE platform.tenant_exports SET status = 'queued', error = NULL, "
                                 "created_at = :now WHERE id = :id"), {"id": existing.id, "now": now})
            return existing.id, "queued"
        return existing.id, "done"


def run_backup(now: datetime) -> dict:
    """Back up the bound region for `now`'s day (WIB), prune by the retention rule, sweep stale partial files."""
    tenant = current_tenant()
    day = now.astimezone(WIB).date()
    export_id, status = _claim(tenant.id, tenant.slug, day, now)
    written = None
    if status != "done":
        started = time.perf_counter()
        written = exports.write_export(export_id)
        row = db.session.get(TenantExport, export_id)
        row.created_at = row.finished_at = now  # the backup's own clock (simulated in the tests)
        log.info("backup of %s for %s written in %.1f s", tenant.slug, day, time.perf_counter() - started)
    db.session.flush()
    pruned = prune(tenant.id, Retention.from_config())
    parts = sweep_partial_files(tenant.slug, now)
    return {"export_id": export_id, "day": day.isoformat(), "written": written is not None, "pruned": pruned,
            "partial_files_removed": parts}


def prune(tenant_id: int, rule: Retention) -> list[int]:
    """Delete the region's backups the rule does not keep (file and row); failed backups older than the newest good
    one go too. Returns the ids deleted."""
    rows = db.session.execute(sa.select(TenantExport).where(
        TenantExport.tenant_id == tenant_id, TenantExport.kind == "backup")
        .order_by(TenantExport.backup_day.desc())).scalars().all()
    done = [r for r in rows if r.status == "done"]
    kept = keep([r.backup_day for r in done], rule)
    newest_done = done[0].backup_day if done else None
    doomed = [r for r in done if r.backup_day not in kept]
    doomed += [r for r in rows if r.status == "failed" and newest_done and r.backup_day < newest_done]
    directory = bundles.export_dir()
    for row in doomed:
        if row.file_name:
            (directory / row.file_name).unlink(missing_ok=True)
        db.session.delete(row)
    return sorted(r.id for r in doomed)


def sweep_partial_files(slug: str, now: datetime) -> int:
    """Remove the region's `.zip.part` files older than KOMPETEN_BACKUP_STALE_PART_HOURS (a live export's is newer)."""
    limit = float(current_app.config.get("BACKUP_STALE_PART_HOURS", 6)) * 3600
    removed = 0
    for path in bundles.export_dir().glob(f"{slug}-*.zip.part"):
        try:
            if time.time() - path.stat().st_mtime > limit:
                path.unlink()
                removed += 1
        except FileNotFoundError:
            continue
    return removed


# --- what the dashboard and the metrics show ------------------------------------------------------------------

_LATEST_SQL = sa.text("""
SELECT t.slug, t.name, b.status, b.backup_day, b.finished_at, b.error, b.size_bytes,
       (SELECT max(d.finished_at) FROM platform.tenant_exports d
         WHERE d.tenant_id = t.id AND d.kind = 'backup' AND d.status = 'done') AS last_success_at
FROM platform.tenants t
LEFT JOIN LATERAL (SELECT * FROM platform.tenant_exports e WHERE e.tenant_id = t.id AND e.kind = 'backup'
                   ORDER BY e.backup_day DESC LIMIT 1) b ON true
WHERE t.status = 'active'
ORDER BY t.slug
""")


def latest_by_region(conn) -> list:
    return conn.execute(_LATEST_SQL).all()


def overview() -> dict:
    """For the job dashboard: how many regions are backed up, and those whose last backup failed or is missing."""
    with db.engine.connect() as conn:  # platform tables only, on a connection of its own
        rows = latest_by_region(conn)
        bundles_kept = conn.execute(sa.text(
            "SELECT count(*), coalesce(sum(size_bytes), 0) FROM platform.tenant_exports "
            "WHERE kind = 'backup' AND status = 'done'")).one()
    failed = [r._asdict() for r in rows if r.status == "failed"]
    missing = [r._asdict() for r in rows if r.status is None]
    return {"regions": len(rows), "ok": sum(1 for r in rows if r.status == "done"), "failed": failed[:MAX_LISTED],
            "failed_count": len(failed), "missing": missing[:MAX_LISTED], "missing_count": len(missing),
            "bundles": bundles_kept[0], "bytes": bundles_kept[1],
            "last_success_at": min((r.last_success_at for r in rows if r.last_success_at), default=None)}


def metric_families(conn):
    from prometheus_client.core import GaugeMetricFamily

    rows = latest_by_region(conn)
    now = datetime.now(UTC)
    yield GaugeMetricFamily("kompeten_backup_failed_regions", "Active regions whose last backup failed",
                            value=sum(1 for r in rows if r.status == "failed"))
    yield GaugeMetricFamily("kompeten_backup_missing_regions", "Active regions with no backup yet",
                            value=sum(1 for r in rows if r.status is None))
    ages = [(now - r.last_success_at).total_seconds() for r in rows if r.last_success_at]
    yield GaugeMetricFamily("kompeten_backup_last_success_age_max_seconds",
                            "Age of the oldest region's newest good backup", value=max(ages, default=0.0))
    kept = GaugeMetricFamily("kompeten_backup_bundles", "Export bundles kept, by kind", labels=("kind",))
    for kind, count in conn.execute(sa.text(
            "SELECT kind, count(*) FROM platform.tenant_exports WHERE status = 'done' GROUP BY kind")).all():
        kept.add_metric([kind], count)
    yield kept

"""Periodic work, declared by the areas and run by RQ's own cron scheduler: no crontab on the worker host.

An area lists its periodic jobs in `Area(schedules=(Schedule(...), ...))`. `kompeten scheduler` (one process per
deployment; a second one only enqueues duplicates, which every scheduled job must tolerate) registers each with
`rq.cron.CronScheduler`; at each tick the scheduler enqueues `fan_out(name)`, which a worker runs: it enqueues the
schedule's tenant job once for every active region (`per_region=True`, the default), each in its own tenant, or
runs the platform job itself once (`per_region=False`). Every scheduled job must therefore be safe to run twice
(an outbox key, a lease, a refresh that recomputes): the schedule says *when*, the job decides *whether*.

Cron expressions are read in UTC by RQ; WIB is UTC+7, so "1 am WIB" is `0 18 * * *`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

import sqlalchemy as sa
from flask import current_app

from app.extensions import db

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Schedule:
    name: str  # unique, "<area>.<what>", e.g. "rollups.refresh_all"
    job: Callable  # a @tenant_job (per_region) or a plain function taking no arguments (platform)
    cron: str | None = None  # UTC cron expression, e.g. "0 18 * * *" (01:00 WIB)
    interval: int | None = None  # or every so many seconds
    per_region: bool = True
    description: str = ""

    def __post_init__(self) -> None:
        if (self.cron is None) == (self.interval is None):
            raise ValueError(f"schedule {self.name!r}: give exactly one of cron= or interval=")


def schedules() -> dict[str, Schedule]:
    """Every schedule the areas declare, by name; a name declared twice is a mistake."""
    from app.areas import areas

    out: dict[str, Schedule] = {}
    for area in areas():
        for item in area.schedules:
            if item.name in out:
                raise ValueError(f"schedule {item.name!r} declared twice")
            out[item.name] = item
    return out


def active_region_ids() -> list[int]:
    with db.engine.connect() as conn:
        return list(conn.execute(sa.text("SELECT id FROM platform.tenants WHERE status = 'active' ORDER BY id"))
                    .scalars())


def fan_out(name: str) -> int:
    """Run by a worker at each tick of schedule `name`: enqueue its job for every active region (or run the platform
    job once). Returns how many jobs were enqueued (1 for a platform job run in place)."""
    from app.jobs import enqueue

    item = schedules().get(name)
    if item is None:  # a schedule removed by a deploy while the scheduler still knew it
        log.warning("schedule %s is no longer declared; nothing enqueued", name)
        return 0
    if not item.per_region:
        item.job()
        return 1
    ids = active_region_ids()
    for tenant_id in ids:
        enqueue(item.job, tenant=tenant_id)
    log.info("schedule %s: %d region job(s) enqueued", name, len(ids))
    return len(ids)


def register_all(scheduler) -> list[str]:
    """Register every declared schedule with an `rq.cron.CronScheduler`; returns the names registered."""
    from app.jobs import queue

    names = []
    for item in schedules().values():
        scheduler.register(fan_out, queue("default").name, args=(item.name,), cron=item.cron,
                           interval=item.interval, job_timeout=600,
                           meta={"schedule": item.name, "app": current_app.import_name})
        names.append(item.name)
    return names

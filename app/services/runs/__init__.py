"""One lifecycle for every background run (an import, a reconciliation's classify or apply): the database is the
source of truth, not the Redis job.

A run row records the id of the RQ job meant to work on it (`job_id`), how many jobs it has had (`attempt`), when
that job last showed it was alive (`heartbeat_at`) and until when the run is held by it (`lease_until`).

- `dispatch(kind, run_id, job)` gives the run a fresh job id, records it (with a lease) and commits, THEN enqueues
  the job under that id: a run can never point at a job that was enqueued but not recorded, and a job that was
  recorded but never reached Redis is simply found missing by the reaper.
- `holds(kind)` wraps the job function: a job whose id is not the run's (a stale retry, a job RQ requeued after the
  reaper had already taken over) does nothing; otherwise a heartbeat thread renews the lease every lease/4 while
  the function runs (its own short transactions), so a live job keeps its run and a dead one lets it go.
- `reap()` (a scheduled job every 30 s per region, at worker start, and on every view of a run) takes over each
  active run whose RQ job is failed, stopped, finished while the run is still active, or missing/abandoned with the
  lease run out: it re-enqueues the run (the pipeline resumes from its checkpoint or restarts cleanly; staged rows
  are idempotent) while fewer than RUN_MAX_ATTEMPTS jobs were used, else fails it with a reason a person
  understands and cleans its staged rows (the kind's `give_up`). Runs locked by a live transaction are skipped
  (FOR UPDATE SKIP LOCKED): being locked means being worked on.
"""

from __future__ import annotations

import contextvars
import functools
import logging
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

import sqlalchemy as sa
from flask import current_app
from redis.exceptions import RedisError
from rq import get_current_job
from rq.exceptions import NoSuchJobError
from rq.job import Job

from app.extensions import db
from app.jobs import enqueue, redis_connection, tenant_job
from app.tenancy import current_tenant

log = logging.getLogger(__name__)

# RQ job statuses in which the job is still on its way to a worker: the run waits, whatever its lease says.
WAITING = ("queued", "scheduled", "deferred")
DEAD = ("failed", "stopped", "canceled", "finished")


@dataclass(frozen=True)
class RunKind:
    """A table of runs and how to move them: the job for each active state, and how to give up on one."""

    name: str
    table: str
    jobs: dict[str, Callable[[], Callable]]  # active state -> (a function returning) the job that works on it
    give_up: Callable[[int, str, int], None]  # (run id, state, attempts): mark failed with a reason, clean up

    @property
    def active_states(self) -> tuple[str, ...]:
        return tuple(self.jobs)

    @property
    def t(self) -> sa.TableClause:
        """The run table's lifecycle columns (Core), in the bound region's schema."""
        return sa.table(self.table, *(sa.column(c) for c in (
            "id", "state", "job_id", "attempt", "heartbeat_at", "lease_until", "created_at")))


KINDS: dict[str, RunKind] = {}
# The modules that register a kind (imported by their areas anyway; imported here too for a bare reaper).
KIND_MODULES = ("app.services.imports.pipeline", "app.services.reconciliation.pipeline",
                "app.services.cohorts.bulk_runs")


def _load_kinds() -> None:
    import importlib

    for name in KIND_MODULES:
        importlib.import_module(name)


def register(kind: RunKind) -> RunKind:
    KINDS[kind.name] = kind
    return kind


def _lease() -> float:
    return float(current_app.config.get("RUN_LEASE_SECONDS", 20))


def max_attempts() -> int:
    return int(current_app.config.get("RUN_MAX_ATTEMPTS", 3))


def _after(seconds: float, start=None):
    """`start` (default now()) + so many seconds, in SQL."""
    return (sa.func.now() if start is None else start) + sa.literal_column("interval '1 second'") * seconds


# --- dispatching -------------------------------------------------------------------------------------------------

def dispatch(kind: RunKind | str, run_id: int, job_fn: Callable | None = None, *, new_attempt: bool = True,
             first: bool = False) -> str:
    """Record a fresh job id for the run (attempt + 1 unless this continues the same attempt; attempt 1 when
    `first`, a new phase of the run), commit, then enqueue the job under that id. Returns the job id. Commits."""
    kind = KINDS[kind] if isinstance(kind, str) else kind
    job_id = f"run-{kind.name}-{run_id}-{uuid.uuid4().hex[:12]}"
    t = kind.t
    if job_fn is None:
        job_fn = kind.jobs[db.session.execute(sa.select(t.c.state).where(t.c.id == run_id)).scalar_one()]()
    attempt = 1 if first else t.c.attempt + (1 if new_attempt else 0)
    db.session.execute(sa.update(t).where(t.c.id == run_id).values(job_id=job_id, lease_until=_after(_lease()),
                                                                   attempt=attempt))
    db.session.commit()
    enqueue(job_fn, run_id, job_id=job_id)
    return job_id


# --- holding a run while a job works on it ------------------------------------------------------------------------

class _Heartbeat:
    """Renews a run's lease every lease/4 seconds from a thread of its own (own connection, own transactions)."""

    def __init__(self, kind: RunKind, run_id: int, job_id: str) -> None:
        self.kind, self.run_id, self.job_id = kind, run_id, job_id
        self.lease = _lease()
        self.stop = threading.Event()
        self.app = current_app._get_current_object()
        context = contextvars.copy_context()  # the bound tenant: its transactions run in the region's schema
        self.thread = threading.Thread(target=context.run, args=(self._loop,), daemon=True,
                                       name=f"lease-{kind.name}-{run_id}")

    def beat(self) -> bool:
        t = self.kind.t
        with db.engine.begin() as conn:
            # The job's own transaction may hold the run's row (a chunk, an apply): then the run is plainly being
            # worked on (the reaper skips locked rows) and the job's commit renews the lease itself.
            conn.execute(sa.text(f"SET LOCAL lock_timeout = '{max(int(self.lease * 250), 50)}ms'"))
            return conn.execute(sa.update(t).where(t.c.id == self.run_id, t.c.job_id == self.job_id).values(
                heartbeat_at=sa.func.now(), lease_until=_after(self.lease))).rowcount == 1

    def _loop(self) -> None:
        with self.app.app_context():
            while not self.stop.wait(self.lease / 4):
                try:
                    self.beat()
                except sa.exc.OperationalError as exc:
                    if "lock timeout" in str(exc):
                        continue  # the job's transaction holds the row: it renews the lease when it commits
                    log.warning("run %s %s: heartbeat failed: %s", self.kind.name, self.run_id, exc)
                except Exception as exc:  # the database restarting: the job's own work fails and is retried
                    log.warning("run %s %s: heartbeat failed: %s", self.kind.name, self.run_id, exc)

    def __enter__(self) -> _Heartbeat:
        self.thread.start()
        return self

    def __exit__(self, *_exc) -> None:
        self.stop.set()
        self.thread.join(self.lease)


def holds(kind_name: str) -> Callable:
    """Decorate a run's job function `fn(run_id)` (under @tenant_job): it runs only when its RQ job is the run's
    job, and renews the run's lease while it runs."""

    def decorate(fn: Callable) -> Callable:
        @functools.wraps(fn)
        def run(run_id: int, *args, **kwargs):
            kind = KINDS[kind_name]
            job = get_current_job()
            if job is None:  # called directly (a test, a command): nothing to fence or renew
                return fn(run_id, *args, **kwargs)
            t = kind.t
            # Ours: the run's recorded job, a run dispatched without one, or the deferred copy of its job (a region
            # that was suspended when it was due: app.jobs._waits_for_resume).
            mine = sa.func.coalesce(t.c.job_id, job.id).in_([job.id, job.meta.get("stands_for") or job.id])
            with db.engine.begin() as conn:  # claims a run dispatched without an id; renews the lease if it is ours
                owner = conn.execute(sa.update(t).where(t.c.id == run_id).values(
                    job_id=sa.case((mine, job.id), else_=t.c.job_id),
                    heartbeat_at=sa.case((mine, sa.func.now()), else_=t.c.heartbeat_at),
                    lease_until=sa.case((mine, _after(_lease())), else_=t.c.lease_until)).returning(t.c.job_id)
                ).scalar_one_or_none()
            if owner is not None and owner != job.id:
                log.warning("run %s %s belongs to job %s: stale job %s does nothing", kind.name, run_id, owner, job.id)
                return "superseded"
            session = db.session()

            def renew_on_commit(sess) -> None:  # every commit of the job's own work renews the lease with it
                if sess.in_transaction():
                    sess.execute(sa.update(t).where(t.c.id == run_id, t.c.job_id == job.id).values(
                        heartbeat_at=sa.func.now(), lease_until=_after(_lease())))

            sa.event.listen(session, "before_commit", renew_on_commit)
            try:
                with _Heartbeat(kind, run_id, job.id):
                    return fn(run_id, *args, **kwargs)
            finally:
                sa.event.remove(session, "before_commit", renew_on_commit)

        return run

    return decorate


# --- the reaper ---------------------------------------------------------------------------------------------------

def job_status(job_id: str | None) -> tuple[str | None, float | None]:
    """The RQ job's status and how many seconds ago it started (None, None when Redis has no such job: lost with
    a Redis that kept nothing)."""
    if not job_id:
        return None, None
    try:
        job = Job.fetch(job_id, connection=redis_connection())
        status = job.get_status(refresh=False)
    except NoSuchJobError:
        return None, None
    except RedisError:
        raise
    except Exception:  # a job hash left with only a field or two (a Redis that lost the rest): as good as gone
        return None, None
    age = None
    if job.started_at is not None:
        started = job.started_at if job.started_at.tzinfo else job.started_at.replace(tzinfo=UTC)
        age = (datetime.now(UTC) - started).total_seconds()
    return (str(getattr(status, "value", status)) if status is not None else None), age


@dataclass
class Outcome:
    kind: str
    run_id: int
    action: str  # "requeued" | "failed"
    why: str


def _decide(status: str | None, lease_expired: bool, started_ago: float | None = None) -> str | None:
    """Why the run needs taking over, or None when its job is waiting or alive. A job that started less than a
    lease ago has not had the time to take its lease yet (its lease was set when it was enqueued)."""
    if status in WAITING:
        return None
    if status in DEAD:
        return f"job {status}"
    if status == "started" and started_ago is not None and started_ago < _lease():
        return None
    if lease_expired:
        return "job missing" if status is None else f"job {status}, lease expired"
    return None


def reap(kinds: list[str] | None = None, run_id: int | None = None) -> list[Outcome]:
    """Take over the bound region's active runs whose job is gone, failed or abandoned. Commits. When Redis cannot
    be reached nothing is decided (a missing job cannot be told from an unreachable one)."""
    _load_kinds()
    outcomes: list[Outcome] = []
    to_enqueue: list[tuple[Callable, int, str]] = []
    for kind in (KINDS[k] for k in (kinds or list(KINDS))):
        t = kind.t
        expired = sa.func.coalesce(t.c.lease_until, _after(_lease(), t.c.created_at)) < sa.func.now()
        stmt = sa.select(t.c.id, t.c.state, t.c.job_id, t.c.attempt, expired.label("expired")).where(
            t.c.state.in_(kind.active_states))
        if run_id is not None:
            stmt = stmt.where(t.c.id == run_id)
        rows = db.session.execute(stmt.order_by(t.c.id).with_for_update(skip_locked=True)).all()
        for row in rows:
            try:
                status, started_ago = job_status(row.job_id)
                why = _decide(status, row.expired, started_ago)
            except RedisError as exc:
                log.warning("reaper: Redis unreachable (%s); nothing decided", exc)
                db.session.rollback()
                return []
            if why is None:
                continue
            if row.attempt >= max_attempts():
                log.error("run %s %s (%s): %s after %d attempt(s): failed", kind.name, row.id, row.state, why,
                          row.attempt)
                kind.give_up(row.id, row.state, row.attempt)
                outcomes.append(Outcome(kind.name, row.id, "failed", why))
                continue
            job_id = f"run-{kind.name}-{row.id}-{uuid.uuid4().hex[:12]}"
            db.session.execute(sa.update(t).where(t.c.id == row.id).values(
                job_id=job_id, attempt=t.c.attempt + 1, lease_until=_after(_lease())))
            to_enqueue.append((kind.jobs[row.state](), row.id, job_id))
            log.warning("run %s %s (%s): %s; attempt %d enqueued as %s", kind.name, row.id, row.state, why,
                        row.attempt + 1, job_id)
            outcomes.append(Outcome(kind.name, row.id, "requeued", why))
    db.session.commit()
    for job_fn, rid, job_id in to_enqueue:
        try:
            enqueue(job_fn, rid, job_id=job_id)
        except RedisError as exc:  # recorded, not enqueued: found missing again once its lease runs out
            log.warning("reaper: could not enqueue %s (%s)", job_id, exc)
    return outcomes


def check(kind_name: str, run_id: int) -> None:
    """On a view of one run: take it over if it needs it (cheap when it does not: one locked row, one Redis read).
    Never fails the view."""
    try:
        reap([kind_name], run_id)
    except Exception as exc:
        log.warning("reaper on view of %s %s failed: %s", kind_name, run_id, exc)
        db.session.rollback()


@tenant_job("default", retries=0, timeout=300)
def reap_runs() -> dict:
    """The scheduled reaper of one region (app/blueprints/runs: every 30 s)."""
    outcomes = reap()
    return {"region": current_tenant().slug, "requeued": sum(o.action == "requeued" for o in outcomes),
            "failed": sum(o.action == "failed" for o in outcomes)}


def reap_everywhere() -> int:
    """At worker start: reap every active region now (a worker that died took its runs with it). Returns how many
    runs were taken over; a region that cannot be reaped is logged and skipped."""
    from app.schedules import active_region_ids
    from app.tenancy import tenant_context

    total = 0
    for tenant_id in active_region_ids():
        try:
            with tenant_context(tenant_id):
                total += len(reap())
        except Exception as exc:
            log.warning("reaper at worker start: region %s skipped: %s", tenant_id, exc)
    return total

"""RQ jobs: one decorator names the queue and retry policy; every job carries its tenant id.

A job is a plain function that receives ids, never ORM objects. The decorator binds the tenant the job
was enqueued for (whatever tenant the enqueuing code had bound), runs the function, commits once, and
puts the job id on every log line.

Failures are told apart (`failure_kind`): a *transient* one (the database or Redis unreachable, restarting, or the
connection cut) is retried after each delay of JOB_RETRY_BACKOFF in turn (1, 2, 4 … 60 s: three minutes in all), so
a server restart is outlasted; a *permanent* one (the job's `permanent` exceptions: a file that cannot be read) is
final at once; any other error gets the job's own `retries`. What a job tracks in the database (a run) is also
watched by the reaper (app/services/runs), so a job that dies where no handler runs (SIGKILL, lost Redis) does not
leave its run "in progress" for ever.
"""

from __future__ import annotations

import functools
import logging
import time
from collections.abc import Callable
from datetime import timedelta

import psycopg
import rq
import sqlalchemy as sa
from flask import current_app
from redis import Redis
from redis import exceptions as redis_errors
from rq import Queue, Retry, get_current_job

from app.extensions import db
from app.logs import request_id_var
from app.tenancy import TenantInfo, current_tenant, registry, resolve, tenant_context

log = logging.getLogger(__name__)

# Worker priority order: a worker takes from the first non-empty queue.
QUEUES = ("default", "imports", "rollups")
# A job for a suspended region is not run and not failed: it is scheduled again this much later.
SUSPENDED_RETRY_DELAY = timedelta(minutes=5)


def redis_connection() -> Redis:
    conns = current_app.extensions.setdefault("kompeten_redis", {})
    url = current_app.config["REDIS_URL"]
    if url not in conns:
        conns[url] = Redis.from_url(url, socket_connect_timeout=5, health_check_interval=30)
    return conns[url]


def queue(name: str) -> Queue:
    if name not in QUEUES:
        raise ValueError(f"unknown queue {name!r}")
    prefix = current_app.config["REDIS_KEY_PREFIX"]
    return Queue(f"{prefix}:{name}", connection=redis_connection())


# Words of a server that is down, restarting or cut the connection (psycopg / libpq, PostgreSQL, redis-py).
TRANSIENT_WORDS = ("connection refused", "the database system is starting up", "the database system is shutting down",
                   "the database system is in recovery mode", "the database system is not yet accepting connections",
                   "server closed the connection", "terminating connection", "connection timed out",
                   "could not connect", "connection reset", "no connection to the server", "consuming input failed",
                   "connection is closed", "connection to server", "ssl syscall", "broken pipe",
                   "cannot connect now")


def _chain(exc: BaseException):
    seen = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        yield exc
        exc = exc.__cause__ or exc.__context__


def failure_kind(exc: BaseException, permanent: tuple[type[BaseException], ...] = ()) -> str:
    """'permanent' (one of `permanent`: retrying cannot help), 'transient' (a server unreachable, restarting, or
    the connection cut: retrying later will) or 'error' (anything else)."""
    for item in _chain(exc):
        if permanent and isinstance(item, permanent):
            return "permanent"
    for item in _chain(exc):
        if isinstance(item, redis_errors.ConnectionError | redis_errors.TimeoutError | sa.exc.TimeoutError):
            return "transient"
        if isinstance(item, sa.exc.DBAPIError) and item.connection_invalidated:
            return "transient"
        if isinstance(item, sa.exc.OperationalError | sa.exc.InterfaceError | psycopg.OperationalError
                      | psycopg.InterfaceError | sa.exc.DisconnectionError):
            text = str(item).lower()
            if any(word in text for word in TRANSIENT_WORDS):
                return "transient"
    return "error"


def _plan_retry(job, kind: str, retry_intervals: tuple[int, ...]) -> None:
    """Shape what RQ does next with a job that raised (RQ reads `retries_left` / `retry_intervals` of this very
    object): no retry for a permanent failure; the next backoff delay for a transient one (not counted against the
    job's own retries); the job's own retries for anything else."""
    if kind == "permanent":
        job.retries_left = 0
        return
    if kind == "transient":
        backoff = current_app.config.get("JOB_RETRY_BACKOFF") or ()
        done = int(job.meta.get("transient_retries", 0))
        if done < len(backoff):
            job.meta["transient_retries"] = done + 1
            job.retry_intervals = [max(1, round(backoff[done]))]  # a single delay: RQ's index is then always 0
            job.retries_left = (job.retries_left or 0) + 1
            log.warning("job %s: transient failure %d of %d, retried in %s s", job.id, done + 1, len(backoff),
                        backoff[done])
            return
    job.retry_intervals = list(retry_intervals)


def tenant_job(queue_name: str = "default", *, retries: int = 3, timeout: int = 1800,
               retry_intervals: tuple[int, ...] = (5, 30, 120), on_final_failure: Callable | None = None,
               allow_status: tuple[str, ...] = ("active",),
               permanent: tuple[type[BaseException], ...] = ()) -> Callable:
    """Declare a tenant job: `fn(*ids)` runs inside `tenant_context(tenant_id)` and commits once.

    `on_final_failure(error, *ids)` runs (in the tenant, in its own transaction) when the last attempt fails,
    so that what the job tracks (e.g. an import run) does not stay "in progress" forever. A job whose region is
    suspended (and that does not list `suspended` in `allow_status`) waits: it is re-scheduled, not run, not
    failed. `allow_status` lets vendor jobs (exports) run for suspended or archived regions. An exception of
    `permanent` fails the job at once (no retry); transient server errors are retried with backoff."""
    if queue_name not in QUEUES:
        raise ValueError(f"unknown queue {queue_name!r}")

    def decorate(fn: Callable) -> Callable:
        @functools.wraps(fn)
        def run(tenant_id: int, *args, **kwargs):
            job = get_current_job()
            token = request_id_var.set(f"job:{job.id}" if job else None)
            try:
                if _waits_for_resume(job, tenant_id, allow_status, _retry(retries, retry_intervals)):
                    return None
                with tenant_context(tenant_id, allow_status=allow_status):
                    result = fn(*args, **kwargs)
                    db.session.commit()
                    return result
            except Exception as exc:
                kind = failure_kind(exc, permanent)
                if job is not None:
                    _plan_retry(job, kind, retry_intervals)
                if on_final_failure is not None and (job is None or not job.retries_left):
                    db.session.remove()
                    try:
                        with tenant_context(tenant_id, allow_status=(*allow_status, "suspended")):
                            on_final_failure(exc, *args, **kwargs)
                            db.session.commit()
                    except Exception as handler_exc:  # the database may still be down: the reaper finishes it
                        log.error("job %s: final-failure handler failed (%s: %s); the reaper will settle its run",
                                  job.id if job else "-", type(handler_exc).__name__, handler_exc)
                        db.session.remove()
                raise
            finally:
                request_id_var.reset(token)

        run = _measured(fn, queue_name, run)
        run.queue_name = queue_name  # type: ignore[attr-defined]
        run.retries = retries  # type: ignore[attr-defined]
        run.timeout = timeout  # type: ignore[attr-defined]
        run.retry_intervals = retry_intervals  # type: ignore[attr-defined]
        run.allow_status = allow_status  # type: ignore[attr-defined]
        run.permanent = permanent  # type: ignore[attr-defined]
        return run

    return decorate


def _measured(fn: Callable, queue_name: str, run: Callable) -> Callable:
    """Every run of a job is timed and, when it raises, counted as failed (app/services/ops/metrics.py, in Redis)."""
    from app.services.ops.metrics import job_kind, record_job

    kind = job_kind(fn)

    @functools.wraps(run)
    def measured(*args, **kwargs):
        started = time.perf_counter()
        try:
            result = run(*args, **kwargs)
        except BaseException:
            record_job(kind, queue_name, time.perf_counter() - started, failed=True)
            raise
        record_job(kind, queue_name, time.perf_counter() - started, failed=False)
        return result

    return measured


def _retry(retries: int, intervals: tuple[int, ...]) -> Retry | None:
    return Retry(max=retries, interval=list(intervals)) if retries else None


def _waits_for_resume(job, tenant_id: int, allow_status: tuple[str, ...], retry: Retry | None) -> bool:
    """A suspended region's job is enqueued again SUSPENDED_RETRY_DELAY later (same args, same meta), so it
    runs once the region is resumed; nothing of it runs now. Returns whether the job was deferred."""
    info = registry.get_by_id(tenant_id)
    if job is None or info is None or info.status != "suspended" or "suspended" in allow_status:
        return False
    q = Queue(job.origin, connection=job.connection)
    # `stands_for`: the run that recorded the first job's id accepts its deferred copy (app/services/runs).
    meta = {**job.meta, "deferred": int(job.meta.get("deferred", 0)) + 1,
            "stands_for": job.meta.get("stands_for", job.id)}
    later = q.enqueue_in(SUSPENDED_RETRY_DELAY, job.func_name, args=job.args, kwargs=job.kwargs,
                         job_timeout=job.timeout, retry=retry, meta=meta)
    log.info("region %s is suspended: job %s deferred as %s", info.slug, job.id, later.id)
    return True


def enqueue(job_fn: Callable, *args, tenant: TenantInfo | int | str | None = None, delay: timedelta | None = None,
            job_id: str | None = None, **kwargs):
    """Enqueue a tenant job for `tenant` (default: the bound tenant); only ids travel. With a `delay`, the job
    is scheduled to run that much later (the worker runs with RQ's scheduler). `job_id`: the id to give the job
    (a run records it before the job exists: app/services/runs)."""
    allowed = (*getattr(job_fn, "allow_status", ("active",)), "suspended")  # a suspended region's jobs wait
    info = resolve(tenant, allow_status=allowed) if tenant is not None else current_tenant()
    q = queue(job_fn.queue_name)
    retry = _retry(job_fn.retries, job_fn.retry_intervals)
    options = {"args": (info.id, *args), "kwargs": kwargs, "job_timeout": job_fn.timeout, "retry": retry,
               "meta": {"tenant": info.slug}}
    if job_id:
        options["job_id"] = job_id
    job = q.enqueue_in(delay, job_fn, **options) if delay else q.enqueue(job_fn, **options)
    log.info("enqueued %s for %s as %s", job_fn.__name__, info.slug, job.id)
    return job


class _StopsListenerCleanly:
    """RQ's worker listens for commands (kill-horse, shutdown) on a pub/sub thread that blocks up to 60 s per read.
    At the end of work() RQ unsubscribes first and only then asks the thread to stop: the thread usually reads the
    unsubscribe reply before it sees the stop, loops, finds nothing subscribed and waits the full 60 s for a
    subscription that never comes, while stop() joins it. Here the thread is told to stop first, so the
    unsubscribe reply that wakes it ends its loop at once; then it is joined."""

    def unsubscribe(self) -> None:
        thread, pubsub = self.pubsub_thread, self.pubsub
        if thread is None or pubsub is None:
            return
        self.log.info("Worker %s: unsubscribing from channel %s", self.name, self.pubsub_channel_name)
        thread.stop(timeout=0)  # clears the run flag only; the join comes after the wake-up below
        pubsub.unsubscribe()
        thread.join()
        pubsub.close()
        self.pubsub_thread = None


class Worker(_StopsListenerCleanly, rq.Worker):
    """`kompeten worker`: RQ's forking worker whose burst run ends when its last job does."""


class SimpleWorker(_StopsListenerCleanly, rq.SimpleWorker):
    """A worker that runs jobs in its own process (tests, benchmarks), ending as soon as its burst does."""


class KompetenWorker(Worker):
    """RQ's worker with a started job's heartbeat TTL of job_monitoring_interval + WORKER_HEARTBEAT_GRACE instead of
    RQ's fixed + 60 s: with monitoring every 10 s, a grace of 15 s and maintenance every 30 s, a job whose worker
    died is found abandoned and requeued (or failed) by RQ itself within ~55 s."""

    heartbeat_grace = 15

    def get_heartbeat_ttl(self, job, working_time: float = 0.0) -> int:
        ttl = self.job_monitoring_interval + self.heartbeat_grace
        if job.timeout and job.timeout > 0:
            return int(min(job.timeout - working_time, self.job_monitoring_interval)) + self.heartbeat_grace
        return ttl


def make_worker(queue_names: tuple[str, ...] | list[str] = QUEUES) -> KompetenWorker:
    """A worker for the app's queues with the recovery settings of the config (README, docs/reliability.md)."""
    config = current_app.config
    worker = KompetenWorker([queue(name) for name in queue_names], connection=redis_connection(),
                            maintenance_interval=config.get("WORKER_MAINTENANCE_INTERVAL", 30),
                            job_monitoring_interval=config.get("WORKER_JOB_MONITORING_INTERVAL", 10),
                            worker_ttl=config.get("WORKER_TTL", 35))
    worker.heartbeat_grace = config.get("WORKER_HEARTBEAT_GRACE", 15)
    return worker

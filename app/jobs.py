"""RQ jobs: one decorator names the queue and retry policy; every job carries its tenant id.

A job is a plain function that receives ids, never ORM objects. The decorator binds the tenant the job
was enqueued for (whatever tenant the enqueuing code had bound), runs the function, commits once, and
puts the job id on every log line.
"""

from __future__ import annotations

import functools
import logging
import time
from collections.abc import Callable
from datetime import timedelta

from flask import current_app
from redis import Redis
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


def tenant_job(queue_name: str = "default", *, retries: int = 3, timeout: int = 1800,
               retry_intervals: tuple[int, ...] = (5, 30, 120), on_final_failure: Callable | None = None,
               allow_status: tuple[str, ...] = ("active",)) -> Callable:
    """Declare a tenant job: `fn(*ids)` runs inside `tenant_context(tenant_id)` and commits once.

    `on_final_failure(error, *ids)` runs (in the tenant, in its own transaction) when the last attempt fails,
    so that what the job tracks (e.g. an import run) does not stay "in progress" forever. A job whose region is
    suspended (and that does not list `suspended` in `allow_status`) waits: it is re-scheduled, not run, not
    failed. `allow_status` lets vendor jobs (exports) run for suspended or archived regions."""
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
                if on_final_failure is not None and (job is None or not job.retries_left):
                    db.session.remove()
                    with tenant_context(tenant_id, allow_status=(*allow_status, "suspended")):
                        on_final_failure(exc, *args, **kwargs)
                        db.session.commit()
                raise
            finally:
                request_id_var.reset(token)

        run = _measured(fn, queue_name, run)
        run.queue_name = queue_name  # type: ignore[attr-defined]
        run.retries = retries  # type: ignore[attr-defined]
        run.timeout = timeout  # type: ignore[attr-defined]
        run.retry_intervals = retry_intervals  # type: ignore[attr-defined]
        run.allow_status = allow_status  # type: ignore[attr-defined]
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
    meta = {**job.meta, "deferred": int(job.meta.get("deferred", 0)) + 1}
    later = q.enqueue_in(SUSPENDED_RETRY_DELAY, job.func_name, args=job.args, kwargs=job.kwargs,
                         job_timeout=job.timeout, retry=retry, meta=meta)
    log.info("region %s is suspended: job %s deferred as %s", info.slug, job.id, later.id)
    return True


def enqueue(job_fn: Callable, *args, tenant: TenantInfo | int | str | None = None, delay: timedelta | None = None,
            **kwargs):
    """Enqueue a tenant job for `tenant` (default: the bound tenant); only ids travel. With a `delay`, the job
    is scheduled to run that much later (the worker runs with RQ's scheduler)."""
    allowed = (*getattr(job_fn, "allow_status", ("active",)), "suspended")  # a suspended region's jobs wait
    info = resolve(tenant, allow_status=allowed) if tenant is not None else current_tenant()
    q = queue(job_fn.queue_name)
    retry = _retry(job_fn.retries, job_fn.retry_intervals)
    options = {"args": (info.id, *args), "kwargs": kwargs, "job_timeout": job_fn.timeout, "retry": retry,
               "meta": {"tenant": info.slug}}
    job = q.enqueue_in(delay, job_fn, **options) if delay else q.enqueue(job_fn, **options)
    log.info("enqueued %s for %s as %s", job_fn.__name__, info.slug, job.id)
    return job

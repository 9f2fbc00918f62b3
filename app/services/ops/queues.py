"""The vendors' job dashboard: this deployment's RQ queues, workers, waiting and failed jobs (with their error and
region), and retrying or cancelling a job, each recorded in the platform audit log.

Read straight from Redis with RQ's own registries (nothing is copied into PostgreSQL); only this deployment's
queues (`<KOMPETEN_REDIS_PREFIX>:<name>`) and the workers serving them are shown.
"""

from __future__ import annotations

from datetime import UTC, datetime

from flask import current_app
from rq import Worker
from rq.exceptions import InvalidJobOperation, NoSuchJobError
from rq.job import Job, JobStatus
from rq.registry import FailedJobRegistry, ScheduledJobRegistry, StartedJobRegistry

from app.jobs import QUEUES, queue, redis_connection
from app.problems import Problem
from app.services.audit import log as audit

MAX_LISTED = 50  # failed / waiting jobs shown per queue


def _error_line(exc_info: str | None) -> str | None:
    """The exception's own line (the last non-empty one of the traceback), for a table cell."""
    if not exc_info:
        return None
    lines = [line for line in exc_info.strip().splitlines() if line.strip()]
    return lines[-1][:500] if lines else None


def _job_view(job: Job, queue_name: str, state: str) -> dict:
    return {"id": job.id, "queue": queue_name, "state": state, "job": job.func_name.removeprefix("app.services."),
            "region": (job.meta or {}).get("tenant"), "schedule": (job.meta or {}).get("schedule"),
            "error": _error_line(job.exc_info) if state == "failed" else None,
            "enqueued_at": _aware(job.enqueued_at), "ended_at": _aware(job.ended_at),
            "retries_left": job.retries_left}


def _aware(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _fetch(ids: list[str]) -> list[Job]:
    return [job for job in Job.fetch_many(ids, connection=redis_connection()) if job is not None]


def overview(limit: int = MAX_LISTED) -> dict:
    """Queues (counts by state), workers, the failed jobs and the next waiting ones."""
    queues, failed, waiting = [], [], []
    for name in QUEUES:
        q = queue(name)
        failed_registry = FailedJobRegistry(queue=q)
        scheduled = ScheduledJobRegistry(queue=q)
        queues.append({"name": name, "queued": q.count, "started": StartedJobRegistry(queue=q).count,
                       "scheduled": scheduled.count, "failed": failed_registry.count})
        failed += [_job_view(job, name, "failed") for job in _fetch(failed_registry.get_job_ids(0, limit - 1))]
        waiting += [_job_view(job, name, "queued") for job in _fetch(q.get_job_ids(0, limit - 1))]
        waiting += [_job_view(job, name, "scheduled") for job in _fetch(scheduled.get_job_ids(0, limit - 1))]
    failed.sort(key=lambda j: j["ended_at"] or datetime.min.replace(tzinfo=UTC), reverse=True)
    return {"queues": queues, "workers": workers(), "failed": failed, "waiting": waiting}


def workers() -> list[dict]:
    prefix = current_app.config["REDIS_KEY_PREFIX"] + ":"
    out = []
    for w in Worker.all(connection=redis_connection()):
        names = [n for n in w.queue_names() if n.startswith(prefix)]
        if not names:
            continue
        current = w.get_current_job_id()
        out.append({"name": w.name, "state": _name(w.get_state()), "queues": [n.removeprefix(prefix) for n in names],
                    "current_job": current, "last_heartbeat": _aware(w.last_heartbeat),
                    "successful": w.successful_job_count, "failed": w.failed_job_count})
    return sorted(out, key=lambda w: w["name"])


def _name(status) -> str:
    return getattr(status, "value", status) or "unknown"


def _own_job(job_id: str) -> tuple[Job, str]:
    """A job of this deployment's queues, and its queue's short name; 404 otherwise."""
    try:
        job = Job.fetch(job_id, connection=redis_connection())
    except (NoSuchJobError, ValueError) as exc:
        raise Problem.not_found(f"Job {job_id} tidak ditemukan.") from exc
    prefix = current_app.config["REDIS_KEY_PREFIX"] + ":"
    name = (job.origin or "").removeprefix(prefix)
    if not (job.origin or "").startswith(prefix) or name not in QUEUES:
        raise Problem.not_found(f"Job {job_id} tidak ditemukan.")
    return job, name


def _audited(action: str, job: Job, queue_name: str, before: str, after: str) -> None:
    audit.record(action, "rq_jobs", job.id, before={"status": before},
                 after={"status": after, "job": job.func_name, "queue": queue_name,
                        "region": (job.meta or {}).get("tenant")}, platform=True)


def retry(job_id: str) -> dict:
    """Put a failed job back on its queue (the caller commits the audit entry)."""
    job, name = _own_job(job_id)
    status = job.get_status()
    if status != JobStatus.FAILED:
        raise Problem.conflict(field="status", reason=f"job {job_id} is {_name(status)}, only a failed job is retried")
    FailedJobRegistry(queue=queue(name)).requeue(job)
    _audited("job.retry", job, name, "failed", "queued")
    return {"id": job.id, "queue": name, "status": "queued", "at": datetime.now(UTC)}


def cancel(job_id: str) -> dict:
    """Cancel a waiting (queued, scheduled, deferred) job, or discard a failed one: it will not run."""
    job, name = _own_job(job_id)
    status = job.get_status()
    if status not in (JobStatus.QUEUED, JobStatus.SCHEDULED, JobStatus.DEFERRED, JobStatus.FAILED):
        raise Problem.conflict(field="status", reason=f"job {job_id} is {_name(status)}: only a waiting or failed job "
                                                      "is cancelled")
    try:
        job.cancel()
    except InvalidJobOperation as exc:
        raise Problem.conflict(field="status", reason=str(exc)) from exc
    if status == JobStatus.FAILED:
        FailedJobRegistry(queue=queue(name)).remove(job, delete_job=False)
    _audited("job.cancel", job, name, _name(status), "canceled")
    return {"id": job.id, "queue": name, "status": "canceled", "at": datetime.now(UTC)}

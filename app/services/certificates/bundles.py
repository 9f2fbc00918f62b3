"""A cohort's certificates as one ZIP, built by an RQ job for large cohorts.

The request enqueues `build_cohort_zip(cohort_id, token)` after commit; the job writes
`<INSTANCE_DIR>/certificates/<slug>/cohort-<id>-<token>.zip` (outside the web root), keeping `progress`
(0..1), `done` and `total` in the job's meta for the progress bar. Running it twice writes the same file.
"""

from __future__ import annotations

import os
import re
import secrets
from pathlib import Path

from flask import current_app
from rq import get_current_job

from app.jobs import queue, tenant_job
from app.problems import Problem
from app.services.certificates.documents import cohort_zip
from app.tenancy import current_tenant

# Up to this many certificates the ZIP is built in the request itself.
INLINE_MAX = 60


def _dir() -> Path:
    path = Path(current_app.config["INSTANCE_DIR"]) / "certificates" / current_tenant().slug
    path.mkdir(parents=True, exist_ok=True)
    return path


def zip_path(cohort_id: int, token: str) -> Path:
    if not re.fullmatch(r"[0-9a-f]{32}", token or ""):
        raise Problem.not_found("Berkas ZIP tidak ditemukan.")
    return _dir() / f"cohort-{cohort_id}-{token}.zip"


def new_token() -> str:
    return secrets.token_hex(16)


@tenant_job("default", retries=2, timeout=1800)
def build_cohort_zip(cohort_id: int, token: str) -> int:
    job = get_current_job()

    def progress(done: int, total: int) -> None:
        if job is not None:
            job.meta.update({"progress": round(done / total, 4) if total else 1.0, "done": done, "total": total})
            job.save_meta()

    final = zip_path(cohort_id, token)
    partial = final.with_suffix(".part")
    with open(partial, "wb") as out:
        count = cohort_zip(cohort_id, out, progress)
    os.replace(partial, final)
    progress(count, count)
    return count


def job_state(job_id: str) -> dict:
    """What the progress page shows of a ZIP job of this region."""
    from rq.exceptions import NoSuchJobError
    from rq.job import Job

    if not re.fullmatch(r"[0-9A-Za-z-]{1,64}", job_id or ""):
        raise Problem.not_found("Pekerjaan ZIP tidak ditemukan.")
    q = queue("default")
    try:
        job = Job.fetch(job_id, connection=q.connection)
    except NoSuchJobError:
        raise Problem.not_found("Pekerjaan ZIP tidak ditemukan.") from None
    if job.meta.get("tenant") != current_tenant().slug:
        raise Problem.not_found("Pekerjaan ZIP tidak ditemukan.")
    status = job.get_status()
    return {"status": str(status.value if hasattr(status, "value") else status),
            "progress": float(job.meta.get("progress", 0.0)), "done": job.meta.get("done", 0),
            "total": job.meta.get("total")}

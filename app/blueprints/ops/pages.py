"""The vendors' job dashboard (Bahasa Indonesia): /ops/jobs, behind the platform login, vendor role only. Retry and
cancel are forms (CSRF-checked) whose every use lands in the platform audit log."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for

from app.extensions import db
from app.problems import Problem
from app.services.ops import queues
from app.web.blueprints import page_blueprint
from app.web.pages import platform_page

bp = page_blueprint("ops_pages", __name__, "ops", tenant=False)

STATES = {"queued": "menunggu", "scheduled": "terjadwal", "failed": "gagal", "started": "berjalan",
          "busy": "sibuk", "idle": "menganggur", "suspended": "ditangguhkan"}


@bp.get("/jobs")
@platform_page("platform:admin")
def jobs():
    """Queues, workers, failed jobs (error, region) and the next waiting ones."""
    return render_template("ops/jobs.html", view=queues.overview(), states=STATES, place="Platform Kompeten",
                           **_extra())


def _extra() -> dict:
    from app.services.admin import backups

    return {"backups": backups.overview()}


def _act(action, job_id: str, done: str):
    try:
        action(job_id)
        db.session.commit()
        flash(done)
    except Problem as exc:
        db.session.rollback()
        flash(exc.detail or "; ".join(e["reason"] for e in exc.errors or []) or exc.title)
    return redirect(url_for("ops_pages.jobs"), code=303)


@bp.post("/jobs/<job_id>/retry")
@platform_page("platform:admin")
def retry(job_id):
    return _act(queues.retry, job_id, f"Job {job_id} dijalankan ulang (masuk antrean lagi).")


@bp.post("/jobs/<job_id>/cancel")
@platform_page("platform:admin")
def cancel(job_id):
    return _act(queues.cancel, job_id, f"Job {job_id} dibatalkan; tidak akan dijalankan.")

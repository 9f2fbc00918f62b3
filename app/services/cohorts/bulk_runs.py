"""Large cohorts as an RQ job (issue 18: Kab. Serang's 1,861 PPPK): a bulk enrolment or a results sheet whose
confirmation has more than `COHORT_BULK_JOB_ROWS` rows (500) is not written in the request. The request records a
`cohort_bulk_runs` row with what was confirmed (the NIPs or the sheet's rows, the options, the preview's token, who
asked and their OPD scope), commits and enqueues the job (`runs.dispatch`); the API answers 202 with the run's URL
and the page shows its progress until it is done.

The job does exactly what the request would have done — `bulk_enrol.plan_for_nips` + `confirm`, or
`results_sheet.run(confirm_it=True)` — for the person who asked (their scope, their name in the audit log), in one
transaction with the run's `done`: a job killed half-way wrote nothing, and the reaper (app/services/runs)
re-enqueues it or, its attempts used up, fails the run with a reason. A preview gone stale (people, seats, results
changed meanwhile: the same 409 as in the request) or a refused row set fails the run with that reason; nothing is
written then either.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime

import sqlalchemy as sa
from flask import current_app, has_request_context

from app.extensions import db
from app.jobs import tenant_job
from app.models.cohorts import CohortBulkRun
from app.problems import Problem
from app.services import runs
from app.services.cohorts import bulk_enrol, results_sheet
from app.services.cohorts.schedule import get_cohort
from app.services.scope import as_scope, current_scope

log = logging.getLogger(__name__)

STATE_LABELS = {"queued": "Menunggu antrean", "running": "Sedang diproses", "done": "Selesai", "failed": "Gagal"}
KIND_LABELS = {"enrol": "Pendaftaran banyak peserta", "results": "Unggah lembar hasil"}
ACTIVE = ("queued", "running")


def job_threshold() -> int:
    return int(current_app.config.get("COHORT_BULK_JOB_ROWS", 500))


def runs_as_job(rows: int) -> bool:
    """Whether a confirmation of so many rows goes to a worker rather than being written in the request."""
    return rows > job_threshold()


def _requester() -> tuple[int | None, str | None]:
    from app.services.audit.log import _actor

    return _actor()


def start(cohort_id: int, kind: str, rows: int, params: dict) -> CohortBulkRun:
    """Record the run (the caller and their scope) and enqueue its job; commits (runs.dispatch)."""
    from app.services.imports.runs import queue_available

    get_cohort(cohort_id)  # 404 for an unknown cohort, before anything is written
    queue_available()
    who_id, who = _requester()
    run = CohortBulkRun(cohort_id=cohort_id, kind=kind, state="queued", rows=rows,
                        params=json.loads(json.dumps(params, default=str)), requested_by_id=who_id,
                        requested_by=who, opd_scope=current_scope())
    db.session.add(run)
    db.session.flush()
    runs.dispatch(KIND, run.id, run_bulk, first=True)
    return run


def start_enrol(cohort_id: int, nips: list | None, *, token: str | None, override_reason: str | None,
                source: str, filters: dict | None = None, rows: int | None = None) -> CohortBulkRun:
    """A bulk enrolment of `nips`, or of the people `filters` pick (`rows` of them now)."""
    if not token:
        raise Problem.invalid("Kirim token dari pratinjau untuk mengonfirmasi.", field="token", reason="wajib diisi")
    from app.services.cohorts.eligibility import require_override_right

    override_reason = require_override_right(override_reason)
    who = {"nips": [str(n) for n in nips]} if nips is not None else {"filters": filters}
    return start(cohort_id, "enrol", len(nips) if nips is not None else rows or 0,
                 {**who, "token": token, "override_reason": override_reason, "source": source})


def start_results(cohort_id: int, rows: list[dict], *, token: str | None, source: str,
                  options: dict) -> CohortBulkRun:
    if not token:
        raise Problem.invalid("Kirim token dari pratinjau untuk mengonfirmasi.", field="token", reason="wajib diisi")
    return start(cohort_id, "results", len(rows), {"rows": results_sheet.rows_to_json(rows), "token": token,
                                                   "source": source, "options": options})


# --- the job ----------------------------------------------------------------------------------------------------


def _lock(run_id: int) -> CohortBulkRun:
    return db.session.execute(sa.select(CohortBulkRun).where(CohortBulkRun.id == run_id)
                              .with_for_update()).scalar_one()


def _fail(run: CohortBulkRun, reason: str) -> str:
    run.state, run.error, run.finished_at = "failed", reason[:2000], datetime.now(UTC)
    return "failed"


def _work(run: CohortBulkRun) -> dict:
    p = run.params
    actor = (run.requested_by_id, run.requested_by)
    if run.kind == "enrol":
        if p.get("filters") is not None:
            plan = bulk_enrol.plan_for_filters(run.cohort_id, **p["filters"],
                                               override_reason=p.get("override_reason"), lock=True)
        else:
            plan = bulk_enrol.plan_for_nips(run.cohort_id, p["nips"], override_reason=p.get("override_reason"),
                                            lock=True)
        return bulk_enrol.confirm(plan, p["token"], source="filters" if p.get("filters") is not None
                                  else p.get("source") or "api",
                                  override_reason=p.get("override_reason"), actor=actor)
    options = dict(p.get("options") or {})
    if options.get("certificate_date"):
        options["certificate_date"] = datetime.fromisoformat(str(options["certificate_date"])).date()
    return results_sheet.run(run.cohort_id, results_sheet.rows_from_json(p["rows"]), confirm_it=True,
                             token=p["token"], source=p.get("source") or "sheet", actor=actor, **options)


def execute(run_id: int) -> str:
    """Work on one run: `running` is committed first (the page shows it), then the write and `done` are one
    transaction. A refusal of the service (a stale preview, a bad option) fails the run with its reason."""
    run = _lock(run_id)
    if run.state not in ACTIVE:
        return run.state
    if run.state == "queued":
        run.state = "running"
        db.session.commit()
        run = _lock(run_id)
    try:
        with as_scope(run.opd_scope):
            result = _work(run)
    except Problem as exc:
        db.session.rollback()
        return _fail(_lock(run_id), exc.detail or exc.title)
    run.result = json.loads(json.dumps(result, default=str))
    run.state, run.error, run.finished_at = "done", None, datetime.now(UTC)
    return "done"


SERVER_FAILURE = ("{what} gagal karena masalah di server, bukan karena isi data; tidak ada yang diubah. Coba lagi "
                  "nanti; bila terulang, sampaikan nomor proses ini kepada pengelola sistem.")


def _give_up(error: Exception, run_id: int) -> None:
    """The job's last attempt failed: nothing of it was written (one transaction)."""
    run = _lock(run_id)
    if run.state in ACTIVE:
        log.error("cohort bulk run %s failed: %s: %s", run_id, type(error).__name__, error)
        _fail(run, SERVER_FAILURE.format(what=KIND_LABELS[run.kind]))


def _abandon(run_id: int, state: str, attempts: int) -> None:
    """The reaper gives up on a run whose jobs kept dying (no commit)."""
    run = _lock(run_id)
    _fail(run, f"{KIND_LABELS[run.kind]} dihentikan setelah {attempts} kali dicoba: pekerjaannya di server terus "
               "terputus. Tidak ada yang diubah; konfirmasi lagi nanti.")


@tenant_job("imports", retries=2, timeout=1800, retry_intervals=(0,), on_final_failure=_give_up)
@runs.holds("cohort_bulk")
def run_bulk(run_id: int) -> str:
    """The RQ job writing a large bulk enrolment or results sheet."""
    return execute(run_id)


KIND = runs.register(runs.RunKind(name="cohort_bulk", table="cohort_bulk_runs",
                                  jobs={"queued": lambda: run_bulk, "running": lambda: run_bulk},
                                  give_up=_abandon))


# --- reading ----------------------------------------------------------------------------------------------------


def get_run(cohort_id: int, run_id: int, *, reap: bool = False) -> CohortBulkRun:
    """A run of this cohort; a person limited to OPDs sees only the runs they started (404 otherwise)."""
    get_cohort(cohort_id)
    if reap:
        runs.check(KIND.name, run_id)
    run = db.session.get(CohortBulkRun, run_id)
    if run is None or run.cohort_id != cohort_id or (
            current_scope() is not None and has_request_context() and run.requested_by_id != _requester()[0]):
        raise Problem.not_found(f"Proses {run_id} tidak ditemukan.")
    return run


def run_detail(run: CohortBulkRun) -> dict:
    return {"id": run.id, "cohort_id": run.cohort_id, "kind": run.kind, "state": run.state, "rows": run.rows,
            "result": run.result, "error": run.error, "requested_by": run.requested_by, "created_at": run.created_at,
            "finished_at": run.finished_at}

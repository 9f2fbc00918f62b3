"""The reconciliation jobs: classify a report against the enrolments, and apply the chosen corrections.

Classify: the file is read once in Python (row checks only, no query per row) and COPYed into a temporary
table; ONE set-based INSERT ... SELECT joins it with employees and enrolments and gives every row its class
(first difference wins, in the order of RECON_CLASSES), then one more INSERT adds the local-only enrolments.
Apply: one transaction of set-based statements (employees, enrolments, the JP ledger through
enrolments.sync_ledger, the audit log, the rows' outcome). Each job commits once (the tenant_job decorator):
a failed or killed job leaves nothing half-done, and its retry starts again from a clean state.
"""

from __future__ import annotations

import logging
import time
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa

from app.extensions import db
from app.jobs import tenant_job
from app.logs import request_id_var
from app.models.catalogue import Program
from app.models.cohorts import Cohort
from app.models.reconciliation import RECON_CLASSES, ReconciliationRun
from app.services import runs
from app.services.audit import log as audit
from app.services.bulk import copy_rows
from app.services.cohorts.eligibility import refusal_sql, rule_label_sql
from app.services.cohorts.enrolments import sync_ledger
from app.services.files.readers import FileFormatError, open_table
from app.services.ops.metrics import record_rows
from app.services.reconciliation.report import COLUMNS, REQUIRED, STAGED_COLUMNS, Scope, parse_row
from app.services.text import name_key
from app.signals import tenant_data_changed

log = logging.getLogger(__name__)


def _lock(run_id: int) -> ReconciliationRun:
    return db.session.execute(sa.select(ReconciliationRun).where(ReconciliationRun.id == run_id).with_for_update()
                              .execution_options(populate_existing=True)).scalar_one()


SCOPE_COHORTS_SQL = (
    # The cohorts a run speaks about: its cohort, or its program's cohorts of the year run by its partner (or by
    # nobody in particular).
    "SELECT c.id FROM cohorts c, reconciliation_runs r WHERE r.id = :run AND "
    "CASE WHEN r.cohort_id IS NOT NULL THEN c.id = r.cohort_id ELSE c.program_id = r.program_id "
    "AND c.year = r.year AND (c.partner_id = r.partner_id OR c.partner_id IS NULL) END")


def load_scope(run: ReconciliationRun) -> Scope:
    program = db.session.get(Program, run.program_id)
    cohorts = dict(db.session.execute(sa.select(Cohort.number, Cohort.id).where(
        Cohort.id.in_(sa.text(SCOPE_COHORTS_SQL).bindparams(run=run.id).columns(sa.column("id"))))).all())
    number = next((n for n, cid in cohorts.items() if cid == run.cohort_id), None)
    return Scope(program_id=program.id, program_codes=frozenset({program.code.upper(), name_key(program.name)}),
                 year=run.year, cohorts=cohorts, cohort_id=run.cohort_id, cohort_number=number)



_STAGE_TABLE = (
    "CREATE TEMP TABLE recon_stage (row_number int, nip text COLLATE \"C\", name text, name_key text, gender text, "
    "birth_date date, cohort_id int, partner_status text, partner_jp int, partner_certificate_number text, "
    "partner_certificate_date date, partner_score numeric(5,2), error_column text, error_code text, "
    "error_reason text) ON COMMIT DROP")

# One pass: duplicates by window, our side by join, the class by the rules in order (first difference wins).
_CLASSIFY = """
INSERT INTO reconciliation_rows (run_id, row_number, klass, detail, duplicate_of_row, error_column, error_code,
    error_reason, nip, name, name_key, gender, birth_date, cohort_id, partner_status, partner_jp,
    partner_certificate_number, partner_certificate_date, partner_score, employee_id, enrolment_id, local_name,
    local_status, local_jp, local_certificate_number, local_certificate_date)
SELECT :run, s.row_number, k.klass,
    CASE k.klass WHEN 'partner_only' THEN CASE WHEN e.id IS NULL THEN 'unknown_nip' ELSE 'other_cohort' END
                 WHEN 'certificate_missing' THEN CASE WHEN s.partner_certificate_number IS NULL THEN 'partner'
                                                      ELSE 'local' END END,
    CASE WHEN k.klass = 'duplicate' THEN s.first_row END,
    s.error_column, s.error_code, s.error_reason, s.nip, s.name, s.name_key, s.gender, s.birth_date, s.cohort_id,
    s.partner_status, s.partner_jp, s.partner_certificate_number, s.partner_certificate_date, s.partner_score,
    e.id, n.id, e.name, n.status, n.jp_earned, n.certificate_number, n.certificate_date
FROM (SELECT *, min(row_number) FILTER (WHERE error_code IS NULL) OVER (PARTITION BY nip, cohort_id) AS first_row
      FROM recon_stage) s
LEFT JOIN employees e ON e.nip = s.nip AND s.error_code IS NULL
LEFT JOIN enrolments n ON n.employee_id = e.id AND n.cohort_id = s.cohort_id
CROSS JOIN LATERAL (SELECT CASE
    WHEN s.error_code IS NOT NULL THEN 'invalid'
    WHEN s.row_number <> s.first_row THEN 'duplicate'
    WHEN n.id IS NULL THEN 'partner_only'
    WHEN s.partner_status <> n.status THEN 'status_differs'
    WHEN coalesce(s.partner_jp, 0) <> coalesce(n.jp_earned, 0) THEN 'jp_differs'
    WHEN s.partner_status = 'passed' AND (s.partner_certificate_number IS NULL) <> (n.certificate_number IS NULL)
        THEN 'certificate_missing'
    ELSE 'consistent' END AS klass) k
"""
_LOCAL_ONLY = """
INSERT INTO reconciliation_rows (run_id, klass, nip, name, name_key, gender, birth_date, cohort_id, employee_id,
    enrolment_id, local_name, local_status, local_jp, local_certificate_number, local_certificate_date)
SELECT :run, 'local_only', e.nip, e.name, e.name_key, e.gender, e.birth_date, n.cohort_id, e.id, n.id, e.name,
       n.status, n.jp_earned, n.certificate_number, n.certificate_date
FROM enrolments n JOIN employees e ON e.id = n.employee_id
WHERE n.cohort_id IN (""" + SCOPE_COHORTS_SQL + """)
  AND NOT EXISTS (SELECT 1 FROM recon_stage s WHERE s.error_code IS NULL AND s.nip = e.nip
                  AND s.cohort_id = n.cohort_id)
"""  # noqa: S608 - a constant of this module, no input


def classify(run_id: int) -> str:
    """Stage and classify the whole report in one transaction; returns the run's state."""
    run = _lock(run_id)
    if run.state not in ("queued", "classifying"):
        return run.state
    run.state, run.started_at = "classifying", datetime.now(UTC)
    db.session.commit()  # shows "classifying"; a retry after a crash starts again from an empty run
    run = _lock(run_id)
    if run.state != "classifying":
        return run.state
    db.session.execute(sa.text("DELETE FROM reconciliation_rows WHERE run_id = :r"), {"r": run.id})
    scope = load_scope(run)
    try:
        reader = open_table(Path(run.stored_path))
    except (FileFormatError, OSError) as exc:
        return fail(run, getattr(exc, "message", str(exc)))
    with reader:
        required = REQUIRED if run.cohort_id is not None else (*REQUIRED, "angkatan")
        missing = reader.missing_columns(required)
        if missing:
            return fail(run, "Kolom wajib tidak ada: " + ", ".join(c.upper() for c in missing))
        unknown = reader.unknown_columns(COLUMNS)
        db.session.execute(sa.text("SET LOCAL work_mem TO '64MB'"))
        # A classification lost in a crash is simply done again (the run still says "classifying").
        db.session.execute(sa.text("SET LOCAL synchronous_commit TO off"))
        db.session.execute(sa.text(_STAGE_TABLE))
        clock = time.perf_counter()
        read = 0

        def checked():
            nonlocal read
            for row in reader.rows():
                read += 1
                yield parse_row(row.number, row.values, scope)

        try:  # rows are checked while the server takes the previous ones in (COPY): two cores at work
            copy_rows(checked(), "recon_stage", STAGED_COLUMNS)
        except FileFormatError as exc:
            db.session.rollback()
            return fail(_lock(run_id), exc.message)
    db.session.execute(sa.text("ANALYZE recon_stage"))
    seconds = {"read_check_copy": time.perf_counter() - clock}
    record_rows("reconciliation", read, seconds["read_check_copy"])
    params = {"run": run.id}
    clock = time.perf_counter()
    db.session.execute(sa.text(_CLASSIFY), params)
    seconds["classify"] = time.perf_counter() - clock
    clock = time.perf_counter()
    db.session.execute(sa.text(_LOCAL_ONLY), params)
    seconds["local_only"] = time.perf_counter() - clock
    counts = dict.fromkeys(RECON_CLASSES, 0) | dict(db.session.execute(sa.text(
        "SELECT klass, count(*) FROM reconciliation_rows WHERE run_id = :run GROUP BY klass"), params).all())
    run.counts = counts
    run.details = {**(run.details or {}), "unknown_columns": unknown, "rows_read": read,
                   "seconds": {k: round(v, 3) for k, v in seconds.items()}}
    run.state, run.classified_at, run.error = "classified", datetime.now(UTC), None
    if run.supersedes_run_id is not None:
        db.session.execute(sa.text("UPDATE reconciliation_runs SET state = 'superseded' WHERE id = :p "
                                   "AND state IN ('classified', 'failed')"), {"p": run.supersedes_run_id})
    return run.state


def fail(run: ReconciliationRun, message: str) -> str:
    run.state, run.error = "failed", message[:2000]
    db.session.execute(sa.text("DELETE FROM reconciliation_rows WHERE run_id = :r"), {"r": run.id})
    return "failed"


SERVER_FAILURE = ("karena masalah di server, bukan karena isi file; tidak ada yang diubah. Coba lagi nanti; bila "
                  "terulang, sampaikan nomor rekonsiliasi ini kepada pengelola sistem (rinciannya ada di log server).")


def _give_up_classify(error: Exception, run_id: int) -> None:
    """The last attempt failed: the person reads what they can act on, the exception goes to the log."""
    run = _lock(run_id)
    if run.state in ("queued", "classifying"):
        log.error("reconciliation %s failed: %s: %s", run_id, type(error).__name__, error)
        fail(run, error.message if isinstance(error, FileFormatError) else f"Rekonsiliasi gagal {SERVER_FAILURE}")


@tenant_job("imports", retries=2, timeout=1800, retry_intervals=(0,), on_final_failure=_give_up_classify,
            permanent=(FileFormatError,))
@runs.holds("reconciliation")
def classify_report(run_id: int) -> str:
    """The RQ job for an uploaded report."""
    return classify(run_id)


def start_classify(run_id: int) -> None:
    """Record a committed run's job and enqueue it (commits)."""
    runs.dispatch("reconciliation", run_id, classify_report, first=True)


# --- apply ------------------------------------------------------------------------------------------------------

_REFUSAL = refusal_sql("e", "p")  # the program's eligibility rules, for a partner-only row of a known employee
_APPLY = (
    # The rows to apply as they stand NOW (our side re-read), and whether the domain's rules allow taking them.
    """CREATE TEMP TABLE recon_apply ON COMMIT DROP AS
    SELECT r.id AS row_id, r.row_number, r.klass, r.nip, r.name, r.name_key, r.gender, r.birth_date, r.cohort_id,
           r.partner_status AS status, CASE WHEN r.partner_status = 'passed' THEN NULLIF(r.partner_jp, 0) END AS jp,
           CASE WHEN r.partner_status = 'passed' THEN r.partner_certificate_number END AS cert_no,
           CASE WHEN r.partner_status = 'passed' THEN r.partner_certificate_date END AS cert_date,
           r.partner_score AS score, e.id AS employee_id, n.id AS enrolment_id, n.status AS before_status,
           n.jp_earned AS before_jp, n.certificate_number AS before_cert_no, n.certificate_date AS before_cert_date,
           false AS created, false AS changed,
           CASE WHEN r.partner_status = 'passed' AND (r.partner_certificate_number IS NULL
                                                      OR r.partner_certificate_date IS NULL)
                  THEN 'kelulusan memerlukan nomor dan tanggal STTPP; laporan mitra tidak memuat keduanya'
                WHEN r.partner_status = 'passed' AND NOT coalesce(r.partner_jp BETWEEN 1 AND p.jp, false)
                  THEN 'JP kelulusan harus antara 1 dan ' || p.jp || ' (JP program)'
                WHEN r.partner_status <> 'passed' AND coalesce(r.partner_jp, 0) > 0
                  THEN 'peserta yang tidak lulus tidak memperoleh JP; laporan mitra mencatat ' || r.partner_jp
                       || ' JP'
                WHEN r.partner_status = 'passed' AND EXISTS (
                    SELECT 1 FROM enrolments o JOIN cohorts oc ON oc.id = o.cohort_id
                    WHERE oc.program_id = c.program_id AND oc.year = c.year AND o.status = 'passed'
                      AND o.id IS DISTINCT FROM n.id
                      AND upper(btrim(o.certificate_number)) = upper(btrim(r.partner_certificate_number)))
                  THEN 'nomor STTPP ' || r.partner_certificate_number || ' sudah dipakai peserta lain program ini '
                       || 'pada tahun yang sama'
                WHEN e.id IS NOT NULL AND n.id IS NULL AND (__REFUSAL__) IS NOT NULL
                  THEN 'tidak memenuhi syarat program: ' || __RULE__ END AS blocked
    FROM reconciliation_rows r
    JOIN cohorts c ON c.id = r.cohort_id JOIN programs p ON p.id = c.program_id
    LEFT JOIN employees e ON e.nip = r.nip
    LEFT JOIN enrolments n ON n.employee_id = e.id AND n.cohort_id = r.cohort_id
    WHERE r.run_id = :run AND r.decision = 'partner' AND r.applied_at IS NULL
      AND r.klass IN ('partner_only', 'status_differs', 'jp_differs', 'certificate_missing')"""
    .replace("__REFUSAL__", _REFUSAL).replace("__RULE__", rule_label_sql(_REFUSAL)),
    # A person the region does not know: name from the report, gender and birth date from the NIP.
    # No OPD, golongan or jabatan in a report: flagged "data belum lengkap" until an operator completes them.
    """INSERT INTO employees (nip, name, name_key, gender, birth_date, employee_type, active, source_updated_at,
                           data_incomplete_since)
    SELECT DISTINCT ON (nip) nip, name, name_key, gender, birth_date, 'PNS', true, now(), now() FROM recon_apply
    WHERE employee_id IS NULL AND blocked IS NULL ORDER BY nip
    ON CONFLICT (nip) DO NOTHING""",
    """UPDATE recon_apply a SET employee_id = e.id FROM employees e WHERE a.employee_id IS NULL AND e.nip = a.nip""",
    """WITH ins AS (
        INSERT INTO enrolments (employee_id, cohort_id, status, status_changed_at, certificate_number,
                                certificate_date, jp_earned, score)
        SELECT employee_id, cohort_id, status, now(), cert_no, cert_date, jp, score FROM recon_apply
        WHERE enrolment_id IS NULL AND blocked IS NULL
        ON CONFLICT (employee_id, cohort_id) DO NOTHING RETURNING id, employee_id, cohort_id)
    UPDATE recon_apply a SET enrolment_id = ins.id, created = true FROM ins
    WHERE a.employee_id = ins.employee_id AND a.cohort_id = ins.cohort_id""",
    """WITH upd AS (
        UPDATE enrolments n SET status = a.status, jp_earned = a.jp, certificate_number = a.cert_no,
               certificate_date = a.cert_date, score = coalesce(a.score, n.score),
               status_changed_at = CASE WHEN n.status <> a.status THEN now() ELSE n.status_changed_at END
        FROM recon_apply a WHERE a.enrolment_id = n.id AND NOT a.created AND a.blocked IS NULL
          AND (n.status, n.jp_earned, n.certificate_number, n.certificate_date)
              IS DISTINCT FROM (a.status, a.jp, a.cert_no, a.cert_date)
        RETURNING n.id)
    UPDATE recon_apply a SET changed = true FROM upd WHERE a.enrolment_id = upd.id""",
)
_AUDIT_ROWS = """
INSERT INTO audit_log (actor_id, actor, action, entity, entity_id, before, after, request_id)
SELECT :actor_id, :actor, CASE WHEN created THEN 'reconciliation.enrol' ELSE 'reconciliation.correct' END,
       'enrolments', enrolment_id::text,
       CASE WHEN NOT created THEN jsonb_build_object('status', before_status, 'jp_earned', before_jp,
            'certificate_number', before_cert_no, 'certificate_date', before_cert_date) END,
       jsonb_build_object('status', status, 'jp_earned', jp, 'certificate_number', cert_no,
            'certificate_date', cert_date, 'reconciliation_run_id', CAST(:run AS int), 'row_number', row_number,
            'class', klass), :request_id
FROM recon_apply WHERE created OR changed ORDER BY row_id
"""
_MARK_ROWS = (
    """UPDATE reconciliation_rows r SET
        applied_at = CASE WHEN a.blocked IS NULL THEN now() END,
        outcome = CASE WHEN a.blocked IS NOT NULL THEN 'tidak diterapkan: ' || a.blocked
                       WHEN a.created THEN 'pendaftaran dibuat dari laporan mitra'
                       WHEN a.changed THEN 'data kita diperbarui dengan nilai mitra'
                       ELSE 'sudah sama dengan nilai mitra' END
    FROM recon_apply a WHERE r.id = a.row_id""",
    """UPDATE reconciliation_rows SET applied_at = now(), outcome = 'data kita dipertahankan'
    WHERE run_id = :run AND decision = 'local' AND applied_at IS NULL""",
)


def _settled_state(run_id: int) -> str:
    """After applying: classified, or superseded when a newer report of the scope was classified meanwhile."""
    newer = db.session.execute(sa.text(
        "SELECT 1 FROM reconciliation_runs WHERE supersedes_run_id = :r AND state IN ('classified', 'applying', "
        "'superseded')"), {"r": run_id}).first()
    return "superseded" if newer else "classified"


def apply(run_id: int) -> dict | None:
    """Write the decided rows of a run (state applying) in one transaction; returns the summary."""
    run = _lock(run_id)
    if run.state != "applying":
        return None
    params = {"run": run.id, "actor_id": run.apply_requested_by_id, "actor": run.apply_requested_by,
              "request_id": request_id_var.get()}
    for statement in _APPLY:
        db.session.execute(sa.text(statement), params)
    summary = db.session.execute(sa.text(
        "SELECT count(*) FILTER (WHERE created) AS created, count(*) FILTER (WHERE changed) AS updated, "
        "count(*) FILTER (WHERE blocked IS NOT NULL) AS blocked, "
        "count(*) FILTER (WHERE blocked IS NULL AND NOT created AND NOT changed) AS unchanged, "
        "coalesce(array_agg(enrolment_id) FILTER (WHERE created OR changed), '{}') AS touched "
        "FROM recon_apply")).one()
    sync_ledger(list(summary.touched))
    db.session.execute(sa.text(_AUDIT_ROWS), params)
    mark_taken, mark_kept = _MARK_ROWS
    db.session.execute(sa.text(mark_taken), params)
    kept = db.session.execute(sa.text(mark_kept), params).rowcount
    out = {"created": summary.created, "updated": summary.updated, "unchanged": summary.unchanged,
           "blocked": summary.blocked, "kept": kept}
    run.state, run.applied_at = _settled_state(run.id), datetime.now(UTC)
    run.details = {**(run.details or {}), "last_apply": out}
    run.error = None
    audit.record("reconciliation.apply", "reconciliation_runs", run.id, after=out,
                 actor=(run.apply_requested_by_id, run.apply_requested_by))
    if summary.created or summary.updated:
        db.session.flush()
        tenant_data_changed.send(None, reason="reconciliation")
    return out


def _give_up_apply(error: Exception, run_id: int) -> None:
    """The last attempt failed: nothing of it was written; the run is back to classified and says why."""
    run = _lock(run_id)
    if run.state == "applying":
        log.error("reconciliation apply %s failed: %s: %s", run_id, type(error).__name__, error)
        run.state = _settled_state(run.id)
        run.error = f"Penerapan koreksi gagal {SERVER_FAILURE}"


@tenant_job("imports", retries=2, timeout=1800, retry_intervals=(0,), on_final_failure=_give_up_apply)
@runs.holds("reconciliation")
def apply_corrections(run_id: int) -> dict | None:
    """The RQ job applying a run's decisions."""
    return apply(run_id)


def start_apply(run_id: int) -> None:
    """Record a run's job (the run is committed as applying) and enqueue it (commits)."""
    runs.dispatch("reconciliation", run_id, apply_corrections, first=True)  # a new phase: its own attempts


ABANDONED = ("{what} dihentikan setelah {attempts} kali dicoba: pekerjaannya di server terus terputus (proses pekerja "
             "mati, atau basis data/antrean dimulai ulang). {nothing} Bila terulang, sampaikan nomor rekonsiliasi ini "
             "kepada pengelola sistem.")


def _abandon(run_id: int, state: str, attempts: int) -> None:
    """The reaper gives up on a run whose jobs kept dying. Classifying: failed, its rows gone (upload it again).
    Applying: nothing of it was written (one transaction); back to classified (or superseded) with the reason, so
    the decisions can be applied again. No commit."""
    run = _lock(run_id)
    if state == "applying":
        run.state = _settled_state(run.id)
        run.error = ABANDONED.format(what="Penerapan koreksi", attempts=attempts,
                                     nothing="Tidak ada yang diubah; terapkan lagi keputusan nanti.")
    else:
        fail(run, ABANDONED.format(what="Rekonsiliasi", attempts=attempts,
                                   nothing="Tidak ada yang diubah dan baris sementaranya sudah dibersihkan; unggah "
                                           "lagi laporan yang sama nanti."))


KIND = runs.register(runs.RunKind(
    name="reconciliation", table="reconciliation_runs",
    jobs={"queued": lambda: classify_report, "classifying": lambda: classify_report,
          "applying": lambda: apply_corrections},
    give_up=_abandon))

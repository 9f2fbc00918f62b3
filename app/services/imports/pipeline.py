"""The import job: validate the file in chunks into a staging table, then apply it in one transaction.

Validation: each chunk of rows is checked in Python (no query per row), good rows are COPYed into
`import_staged_rows` (a second row with the same natural key — NIP + cohort — is a duplicate), bad ones
into `import_row_errors`, and the run's checkpoint moves on, all in one commit. Between chunks the job
yields to other waiting imports (fairness: a 500k-row file does not hold back a 100-row one) by
re-enqueuing itself, and stops if the run was cancelled. A job killed mid-way resumes at the checkpoint.

Apply: one transaction with one set-based upsert per target table (employees, cohorts, enrolments) and the
counts from RETURNING; a failed or killed apply leaves nothing behind, and a re-run adds no duplicates.
"""

from __future__ import annotations

import logging
import time
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa
from rq import get_current_job
from sqlalchemy.exc import IntegrityError

from app.extensions import db
from app.jobs import queue, tenant_job
from app.models.imports import ImportRun
from app.services import runs
from app.services.audit import log as audit
from app.services.bulk import copy_rows
from app.services.cohorts.eligibility import refusal_sql, rule_label_sql
from app.services.files.readers import FileFormatError, open_table
from app.services.imports.pppk import COLUMNS, REQUIRED, STAGED_COLUMNS, Lookups, as_copy_row, validate_row
from app.services.ops.metrics import record_rows
from app.services.text import name_key
from app.signals import tenant_data_changed

log = logging.getLogger(__name__)

CHUNK_ROWS = 20_000
VALIDATION_SHARE = 0.8  # of the progress bar; applying takes the rest


def load_lookups() -> Lookups:
    programs: dict[str, int] = {}
    for pid, code, name in db.session.execute(sa.text("SELECT id, code, name FROM programs WHERE active")):
        programs[code.upper()] = pid
        programs.setdefault(name_key(name), pid)
    opds: dict[str, int] = {}
    for oid, code, key in db.session.execute(sa.text("SELECT id, code, name_key FROM opds WHERE active")):
        if code:
            opds[code.upper()] = oid
        opds.setdefault(key, oid)
    return Lookups(programs=programs, opds=opds)


def _lock_run(run_id: int, *, staging: bool = False) -> ImportRun:
    if staging:
        # A staged chunk lost in a crash is simply validated again (its checkpoint commits with it).
        db.session.execute(sa.text("SET LOCAL synchronous_commit TO off"))
    return db.session.execute(sa.select(ImportRun).where(ImportRun.id == run_id).with_for_update()
                              .execution_options(populate_existing=True)).scalar_one()


def _progress(run: ImportRun, fraction: float) -> None:
    job = get_current_job()
    if job is not None:
        job.meta["progress"] = round(fraction, 4)
        job.meta["run_state"] = run.state
        job.save_meta()



def _plain_first(plain: str, careful: str, params: dict | None = None, *, fetch=lambda r: r.rowcount):
    """Run `plain`, an INSERT that leaves out the rows already there itself, so without ON CONFLICT (PostgreSQL's
    speculative insertion costs ~40 % more per row); should a row with the same key be there after all (a
    duplicate within the chunk, a concurrent writer), the savepoint is rolled back and `careful`, the same
    statement with ON CONFLICT, runs instead. Returns `fetch(result)`."""
    try:
        with db.session.begin_nested():
            return fetch(db.session.execute(sa.text(plain), params or {}))
    except IntegrityError as exc:
        if getattr(exc.orig, "sqlstate", None) != "23505":  # unique_violation
            raise
    return fetch(db.session.execute(sa.text(careful), params or {}))


def _stage_chunk(run: ImportRun, staged: list[tuple], errors: list[tuple]) -> None:
    """COPY a chunk's good rows (duplicates of earlier rows become errors) and its errors."""
    duplicates = 0
    if staged:
        db.session.execute(sa.text(
            "CREATE TEMP TABLE IF NOT EXISTS import_chunk (LIKE import_staged_rows) ON COMMIT DELETE ROWS"))
        copy_rows(staged, "import_chunk", ("run_id", "row_number", *STAGED_COLUMNS))
        insert = "INSERT INTO import_staged_rows SELECT * FROM import_chunk ORDER BY row_number"
        inserted = _plain_first(insert, insert + " ON CONFLICT (run_id, nip, program_id, year, cohort_number) "
                                "DO NOTHING")
        # A chunk row with an earlier staged row of the same natural key was not inserted: a duplicate (looked
        # for only when some row was not inserted).
        dup_rows = [] if inserted == len(staged) else db.session.execute(sa.text(
            "SELECT c.row_number, c.nip, min(f.row_number) AS first_row FROM import_chunk c "
            "JOIN import_staged_rows f ON f.run_id = c.run_id AND f.nip = c.nip AND f.program_id = c.program_id "
            " AND f.year = c.year AND f.cohort_number = c.cohort_number AND f.row_number < c.row_number "
            "GROUP BY c.row_number, c.nip ORDER BY c.row_number")).all()
        for row_number, nip, first_row in dup_rows:
            errors.append((run.id, row_number, "NIP", nip, "duplicate_row",
                           f"baris ini mengulang baris {first_row} (NIP, pelatihan, angkatan dan tahun sama)"))
        duplicates = len(dup_rows)
        run.rows_valid += len(staged) - duplicates
        run.rows_duplicate += duplicates
    if errors:
        copy_rows(errors, "import_row_errors", ("run_id", "row_number", "column", "value", "code", "reason"))


def validate_some(run_id: int, *, yield_when_others_wait: bool = True) -> str:
    """Validate from the run's checkpoint on. Returns 'validated', 'yielded', or the run's final state."""
    run = _lock_run(run_id, staging=True)
    if run.state not in ("queued", "validating"):
        return run.state
    if run.state == "queued":
        run.state, run.started_at = "validating", datetime.now(UTC)
    lookups = load_lookups()
    position = run.last_row_number
    try:
        reader = open_table(Path(run.stored_path))
    except (FileFormatError, OSError) as exc:
        return _fail(run, getattr(exc, "message", str(exc)))
    with reader:
        missing = reader.missing_columns(REQUIRED)
        if missing:
            return _fail(run, "Kolom wajib tidak ada: " + ", ".join(c.upper() for c in missing))
        if run.details is None:
            run.details = {"unknown_columns": reader.unknown_columns(COLUMNS)}
        staged: list[tuple] = []
        errors: list[tuple] = []
        invalid = read = 0
        rows = reader.rows()
        chunk_started = time.perf_counter()
        while True:
            try:
                row = next(rows, None)
            except FileFormatError as exc:  # unreadable past some row: the whole run fails, nothing is kept
                db.session.rollback()
                return _fail(_lock_run(run_id, staging=True), exc.message)
            if row is not None and row.number <= position:
                continue  # done by an earlier job of this run
            if row is not None:
                read += 1
                good, cell_errors = validate_row(row.values, lookups)
                if good is not None:
                    staged.append(as_copy_row(run.id, row.number, good))
                else:
                    invalid += 1
                    errors.extend((run.id, row.number, e.column, None if e.value is None else str(e.value)[:300],
                                   e.code, e.reason) for e in cell_errors)
                position = row.number
            if row is None or read >= CHUNK_ROWS:
                _stage_chunk(run, staged, errors)
                run.rows_invalid += invalid
                run.rows_read += read
                run.last_row_number = position
                done = row is None
                if done:
                    run.validated_at = datetime.now(UTC)
                total = max(run.rows_total_estimate or run.rows_read, run.rows_read, 1)
                _progress(run, VALIDATION_SHARE * (1.0 if done else run.rows_read / total))
                db.session.commit()
                record_rows("import", read, time.perf_counter() - chunk_started)
                chunk_started = time.perf_counter()
                if done:
                    return "validated"
                staged, errors, invalid, read = [], [], 0, 0
                if yield_when_others_wait and queue("imports").count > 0:
                    return "yielded"  # let the waiting imports go first; a continuation resumes here
                run = _lock_run(run_id, staging=True)
                if run.state != "validating" or run.last_row_number != position:
                    return run.state  # cancelled, or another job of this run took over


def _fail(run: ImportRun, message: str) -> str:
    run.state, run.error, run.finished_at = "failed", message, datetime.now(UTC)
    db.session.execute(sa.text("DELETE FROM import_staged_rows WHERE run_id = :r"), {"r": run.id})
    db.session.commit()
    return "failed"


_REFUSAL = refusal_sql("e", "p")
_SRC = ("WITH src AS (SELECT DISTINCT ON (nip) nip, name, name_key, gender, birth_date, jabatan, golongan, opd_id "
        "             FROM import_staged_rows WHERE run_id = :run ORDER BY nip, row_number DESC) ")
_CHANGED = ("(e.source_updated_at IS NULL OR e.source_updated_at < {t}) "
            "AND (e.name, e.golongan, e.jabatan, e.opd_id) IS DISTINCT FROM "
            "    ({s}.name, COALESCE({s}.golongan, e.golongan), COALESCE({s}.jabatan, e.jabatan), {s}.opd_id)")
# People: new NIPs become PPPK employees; known ones are updated only where the file is newer and differs. The
# plain form updates the known ones and inserts the others; the careful one is an upsert.
_EMPLOYEES_PLAIN = (
    _SRC  # noqa: S608 - constants, no input
    + ", upd AS (UPDATE employees e SET name = s.name, name_key = s.name_key, "
    "           golongan = COALESCE(s.golongan, e.golongan), jabatan = COALESCE(s.jabatan, e.jabatan), "
    "           opd_id = s.opd_id, source_updated_at = :file_time, updated_at = now() "
    "       FROM src s WHERE e.nip = s.nip AND " + _CHANGED.format(t=":file_time", s="s") + " RETURNING e.nip), "
    "ins AS (INSERT INTO employees (nip, name, name_key, gender, birth_date, employee_type, golongan, jabatan, "
    "                               opd_id, active, source_updated_at) "
    "       SELECT nip, name, name_key, gender, birth_date, 'PPPK', golongan, jabatan, opd_id, true, :file_time "
    "       FROM src s WHERE NOT EXISTS (SELECT 1 FROM employees x WHERE x.nip = s.nip) RETURNING nip) "
    "INSERT INTO import_emp SELECT nip, false FROM upd UNION ALL SELECT nip, true FROM ins")
_EMPLOYEES_CAREFUL = (
    _SRC  # noqa: S608 - constants, no input
    + ", up AS (INSERT INTO employees AS e (nip, name, name_key, gender, birth_date, employee_type, golongan, "
    "                                  jabatan, opd_id, active, source_updated_at) "
    "       SELECT nip, name, name_key, gender, birth_date, 'PPPK', golongan, jabatan, opd_id, true, :file_time "
    "       FROM src "
    "       ON CONFLICT (nip) DO UPDATE SET name = EXCLUDED.name, name_key = EXCLUDED.name_key, "
    "           golongan = COALESCE(EXCLUDED.golongan, e.golongan), jabatan = COALESCE(EXCLUDED.jabatan, e.jabatan), "
    "           opd_id = EXCLUDED.opd_id, source_updated_at = EXCLUDED.source_updated_at, updated_at = now() "
    "       WHERE " + _CHANGED.format(t="EXCLUDED.source_updated_at", s="EXCLUDED") + " "
    "       RETURNING e.nip, (e.xmax = 0) AS inserted) "
    "INSERT INTO import_emp SELECT nip, inserted FROM up")
# Enrolments: the natural key (employee, cohort) makes a re-run add nothing. In (employee, cohort) order, so the
# index and the foreign-key look-ups walk their pages in order.
_ENROLMENTS = (
    "WITH ins AS (INSERT INTO enrolments (employee_id, cohort_id, status) "
    "             SELECT e.id, c.id, 'registered' FROM import_staged_rows s "
    "             JOIN employees e ON e.nip = s.nip "
    "             JOIN cohorts c ON c.program_id = s.program_id AND c.year = s.year AND c.number = s.cohort_number "
    "             WHERE s.run_id = :run {plain} ORDER BY e.id, c.id "
    "             {careful} RETURNING employee_id, cohort_id) "
    "INSERT INTO import_enr SELECT * FROM ins")
_ENROLMENTS_PLAIN = _ENROLMENTS.format(
    plain="AND NOT EXISTS (SELECT 1 FROM enrolments n WHERE n.employee_id = e.id AND n.cohort_id = c.id)", careful="")
_ENROLMENTS_CAREFUL = _ENROLMENTS.format(plain="", careful="ON CONFLICT (employee_id, cohort_id) DO NOTHING")
_APPLY_SQL = (
    "CREATE TEMP TABLE import_emp (nip text, inserted bool) ON COMMIT DROP",
    "CREATE TEMP TABLE import_enr (employee_id int, cohort_id int) ON COMMIT DROP",
    _EMPLOYEES_PLAIN,
    # Cohorts of known programs that the file names for the first time.
    "WITH ins AS (INSERT INTO cohorts (program_id, year, number, partner_id, mode, start_date, end_date) "
    "             SELECT s.program_id, s.year, s.cohort_number, p.provider_partner_id, "
    "                    CASE WHEN p.program_type = 'elearning' THEN 'elearning' ELSE 'klasikal' END, "
    "                    min(s.start_date), max(s.end_date) "
    "             FROM import_staged_rows s JOIN programs p ON p.id = s.program_id WHERE s.run_id = :run "
    "             GROUP BY s.program_id, s.year, s.cohort_number, p.provider_partner_id, p.program_type "
    "             ON CONFLICT (program_id, year, number) DO NOTHING RETURNING id) "
    "SELECT count(*) FROM ins",
    # The programs' eligibility rules: a row of someone the program refuses (and not already in the cohort)
    # becomes a row error naming the rule, and is not enrolled.
    "WITH bad AS (SELECT s.row_number, s.nip, " + _REFUSAL + " AS rule FROM import_staged_rows s "  # noqa: S608
    "             JOIN employees e ON e.nip = s.nip "
    "             JOIN cohorts c ON c.program_id = s.program_id AND c.year = s.year AND c.number = s.cohort_number "
    "             JOIN programs p ON p.id = c.program_id "
    "             WHERE s.run_id = :run AND NOT EXISTS (SELECT 1 FROM enrolments n WHERE n.employee_id = e.id "
    "                                                  AND n.cohort_id = c.id)), "
    "err AS (INSERT INTO import_row_errors (run_id, row_number, \"column\", value, code, reason) "
    "        SELECT :run, row_number, 'NIP', nip, 'not_eligible', "
    "               'tidak memenuhi syarat program: ' || " + rule_label_sql("rule") + " "
    "        FROM bad WHERE rule IS NOT NULL RETURNING row_number) "
    "DELETE FROM import_staged_rows s USING err WHERE s.run_id = :run "
    "AND s.row_number = err.row_number",
    _ENROLMENTS_PLAIN,
)
_COUNTS_SQL = sa.text(
    "SELECT count(n.employee_id) AS created, "
    "       count(*) FILTER (WHERE n.employee_id IS NULL AND em.nip IS NOT NULL) AS updated, "
    "       count(*) FILTER (WHERE n.employee_id IS NULL AND em.nip IS NULL) AS unchanged, "
    "       (SELECT count(*) FROM import_emp WHERE inserted) AS employees_created, "
    "       (SELECT count(*) FROM import_emp WHERE NOT inserted) AS employees_updated "
    "FROM import_staged_rows s JOIN employees e ON e.nip = s.nip "
    "JOIN cohorts c ON c.program_id = s.program_id AND c.year = s.year AND c.number = s.cohort_number "
    "LEFT JOIN import_enr n ON n.employee_id = e.id AND n.cohort_id = c.id "
    "LEFT JOIN import_emp em ON em.nip = s.nip "
    "WHERE s.run_id = :run"
)


def apply(run_id: int) -> str:
    """The single transaction that writes the run's staged rows; returns the final state."""
    run = _lock_run(run_id)
    if run.state != "validating" or run.validated_at is None:
        return run.state
    if run.dry_run or (run.mode == "all-or-nothing" and (run.rows_invalid or run.rows_duplicate)):
        if not run.dry_run:
            run.error = (f"{run.rows_invalid} baris tidak valid dan {run.rows_duplicate} duplikat: tidak ada yang "
                         "ditulis (mode all-or-nothing).")
        run.state = "failed" if run.error else "done"
        run.finished_at = datetime.now(UTC)
        db.session.execute(sa.text("DELETE FROM import_staged_rows WHERE run_id = :r"), {"r": run.id})
        _progress(run, 1.0)
        db.session.commit()
        return run.state
    run.state = "importing"
    db.session.execute(sa.text("SET LOCAL work_mem TO '64MB'"))
    params = {"run": run.id, "file_time": run.created_at}
    cohorts_created = 0
    for statement in _APPLY_SQL:
        if statement == _EMPLOYEES_PLAIN:
            _plain_first(_EMPLOYEES_PLAIN, _EMPLOYEES_CAREFUL, params)
        elif statement == _ENROLMENTS_PLAIN:
            _plain_first(_ENROLMENTS_PLAIN, _ENROLMENTS_CAREFUL, params)
        else:
            result = db.session.execute(sa.text(statement), params)
            if statement.startswith("WITH ins AS (INSERT INTO cohorts"):
                cohorts_created = result.scalar_one()
    not_eligible = db.session.execute(sa.text(
        "SELECT count(*) FROM import_row_errors WHERE run_id = :run AND code = 'not_eligible'"), params).scalar_one()
    counts = db.session.execute(_COUNTS_SQL, params).one()
    db.session.execute(sa.text("DELETE FROM import_staged_rows WHERE run_id = :r"), {"r": run.id})
    run.rows_created, run.rows_updated, run.rows_unchanged = counts.created, counts.updated, counts.unchanged
    run.details = {**(run.details or {}), "employees_created": counts.employees_created,
                   "employees_updated": counts.employees_updated, "cohorts_created": cohorts_created,
                   "not_eligible": not_eligible}
    run.rows_invalid += not_eligible
    run.state, run.finished_at = "done", datetime.now(UTC)
    audit.record("import.apply", "import_runs", run.id,
                 after={"created": counts.created, "updated": counts.updated, "unchanged": counts.unchanged,
                        **run.details}, actor=(None, run.created_by))
    _progress(run, 1.0)
    db.session.commit()
    tenant_data_changed.send(None, reason="import")
    return "done"


SERVER_FAILURE = ("Impor gagal karena masalah di server, bukan karena isi file; tidak ada yang ditulis. Coba unggah "
                  "lagi nanti; bila terulang, sampaikan nomor impor ini kepada pengelola sistem (rinciannya ada di "
                  "log server).")


def _give_up(error: Exception, run_id: int) -> None:
    """The last attempt failed: the run says so (its apply rolled back, so nothing of it was written). The person
    reads what they can act on; the exception, which names server internals, goes to the log."""
    run = _lock_run(run_id)
    if run.state in ("done", "failed", "cancelled"):
        return
    log.error("import run %s failed: %s: %s", run_id, type(error).__name__, error)
    _fail(run, error.message if isinstance(error, FileFormatError) else SERVER_FAILURE)


ABANDONED = ("Impor dihentikan setelah {attempts} kali dicoba: pekerjaannya di server terus terputus (proses pekerja "
             "mati, atau basis data/antrean dimulai ulang). Tidak ada yang ditulis dan data sementaranya sudah "
             "dibersihkan. Unggah lagi file yang sama nanti; bila terulang, sampaikan nomor impor ini kepada pengelola "
             "sistem.")


def _abandon(run_id: int, state: str, attempts: int) -> None:
    """The reaper gives up on a run (its jobs kept dying): failed with a reason, staged rows gone. No commit."""
    db.session.execute(sa.update(ImportRun).where(ImportRun.id == run_id).values(
        state="failed", error=ABANDONED.format(attempts=attempts), finished_at=datetime.now(UTC)))
    db.session.execute(sa.text("DELETE FROM import_staged_rows WHERE run_id = :r"), {"r": run_id})


# Any other error is retried at once: a retry resumes from the checkpoint, and an apply that died left nothing
# behind. A file that cannot be read fails at once; a server restarting is waited for (app.jobs).
@tenant_job("imports", retries=3, timeout=3600, retry_intervals=(0,), on_final_failure=_give_up,
            permanent=(FileFormatError,))
@runs.holds("imports")
def process_import(run_id: int) -> str:
    """The RQ job: validate (yielding between chunks when others wait), then apply."""
    outcome = validate_some(run_id)
    if outcome == "yielded":
        db.session.commit()
        runs.dispatch(KIND, run_id, process_import, new_attempt=False)  # the same attempt, continued
        return "yielded"
    if outcome == "validated":
        return apply(run_id)
    return outcome


KIND = runs.register(runs.RunKind(
    name="imports", table="import_runs",
    jobs={"queued": lambda: process_import, "validating": lambda: process_import, "importing": lambda: process_import},
    give_up=_abandon))


def start(run_id: int) -> None:
    """Record a committed run's job and enqueue it (commits)."""
    runs.dispatch(KIND, run_id, process_import, first=True)

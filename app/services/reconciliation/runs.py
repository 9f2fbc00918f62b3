"""Reconciliation of partner completion reports (BPSDM, Badiklat, LAN) with the region's enrolments.

A person uploads a report for a cohort (or for a program + year when it spans angkatan); a worker classifies
every row, on both sides, into exactly one class (app.models.reconciliation.RECON_CLASSES); nothing changes
until a person decides, per class or per row, to take the partner's values or keep ours, and a worker applies
that (pipeline.py). A later report for the same scope supersedes the earlier one and shows what changed.

Reports span every OPD, like imports: an operator limited to some OPDs may neither run nor read them
(`ensure_unscoped`, the imports' rule).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import IO

import sqlalchemy as sa

from app.extensions import db
from app.models.catalogue import Partner, Program
from app.models.cohorts import Cohort
from app.models.reconciliation import (
    DECISIONS,
    DIFFERENCE_CLASSES,
    RECON_CLASSES,
    ReconciliationRow,
    ReconciliationRun,
)
from app.problems import Problem
from app.services.audit import log as audit
from app.services.cohorts.schedule import cohort_label
from app.services.imports.runs import ensure_unscoped, place_upload, queue_available, store_upload
from app.services.pagination import Page, paginate

CLASS_LABELS = {
    "consistent": "Sesuai", "status_differs": "Status berbeda", "jp_differs": "JP berbeda",
    "certificate_missing": "Sertifikat tidak ada", "partner_only": "Hanya di laporan mitra",
    "local_only": "Hanya di data kita", "duplicate": "Duplikat di laporan", "invalid": "Baris tidak valid",
}
STATE_LABELS = {"queued": "Menunggu antrean", "classifying": "Mencocokkan", "classified": "Selesai dicocokkan",
                "applying": "Menerapkan koreksi", "failed": "Gagal", "superseded": "Digantikan laporan baru"}
# Which decisions each class accepts: local-only rows can only be acknowledged (the partner has no values).
ALLOWED_DECISIONS = {"partner_only": DECISIONS, "status_differs": DECISIONS, "jp_differs": DECISIONS,
                     "certificate_missing": DECISIONS, "local_only": ("local",)}
ROW_COLUMNS = (
    ("row_number", "Baris"), ("klass", "Kelas"), ("detail", "Keterangan"), ("nip", "NIP"), ("name", "Nama (mitra)"),
    ("cohort", "Angkatan"), ("partner_status", "Status mitra"), ("partner_jp", "JP mitra"),
    ("partner_certificate_number", "No. sertifikat mitra"), ("partner_certificate_date", "Tgl. sertifikat mitra"),
    ("local_name", "Nama (kita)"), ("local_status", "Status kita"), ("local_jp", "JP kita"),
    ("local_certificate_number", "No. sertifikat kita"), ("local_certificate_date", "Tgl. sertifikat kita"),
    ("error_code", "Kode kesalahan"), ("error_reason", "Alasan"), ("decision", "Keputusan"), ("outcome", "Hasil"),
)






def resolve_scope(*, partner: str | None, cohort_id: int | None, program: str | None,
                  year: int | None) -> tuple[Partner, Program, int, Cohort | None]:
    """(partner, program, year, cohort or None) from what the person gave, or a 422 naming every bad field."""
    errors = []
    found_partner = None
    if not partner:
        errors.append({"field": "partner", "reason": "wajib diisi (kode mitra, mis. BPSDM-JATIM)"})
    else:
        found_partner = db.session.execute(sa.select(Partner).where(
            sa.func.upper(Partner.code) == partner.strip().upper())).scalar_one_or_none()
        if found_partner is None:
            errors.append({"field": "partner", "reason": f"mitra '{partner}' tidak dikenal di wilayah ini"})
    cohort = found_program = None
    if cohort_id is not None:
        if program or year:
            errors.append({"field": "cohort_id", "reason": "isi cohort_id ATAU program + year, bukan keduanya"})
        cohort = db.session.get(Cohort, cohort_id)
        if cohort is None:
            errors.append({"field": "cohort_id", "reason": f"angkatan {cohort_id} tidak ada"})
        else:
            found_program, year = db.session.get(Program, cohort.program_id), cohort.year
    elif program or year:
        if not program:
            errors.append({"field": "program", "reason": "wajib diisi bersama year"})
        else:
            found_program = db.session.execute(sa.select(Program).where(
                sa.func.upper(Program.code) == program.strip().upper())).scalar_one_or_none()
            if found_program is None:
                errors.append({"field": "program", "reason": f"program '{program}' tidak ada di katalog"})
        if year is None:
            errors.append({"field": "year", "reason": "wajib diisi bersama program"})
        elif not 2000 <= year <= 2100:
            errors.append({"field": "year", "reason": "tahun harus antara 2000 dan 2100"})
    else:
        errors.append({"field": "cohort_id", "reason": "isi cohort_id, atau program + year"})
    if errors:
        raise Problem.invalid("Data unggahan rekonsiliasi tidak valid.", errors=errors)
    return found_partner, found_program, year, cohort


def _previous_run_id(program_id: int, year: int, cohort_id: int | None) -> int | None:
    stmt = sa.select(ReconciliationRun.id).where(ReconciliationRun.state.in_(("classified", "applying", "queued",
                                                                                "classifying")))
    if cohort_id is not None:
        stmt = stmt.where(ReconciliationRun.cohort_id == cohort_id)
    else:
        stmt = stmt.where(ReconciliationRun.cohort_id.is_(None), ReconciliationRun.program_id == program_id,
                          ReconciliationRun.year == year)
    return db.session.execute(stmt.order_by(ReconciliationRun.id.desc()).limit(1)).scalar_one_or_none()


def create_run(stream: IO[bytes], filename: str, *, partner: str | None, cohort_id: int | None = None,
               program: str | None = None, year: int | None = None, created_by: str | None = None
               ) -> ReconciliationRun:
    """Check the scope, store the file (the imports' storage) and create the run (queued); the caller commits,
    then enqueues (pipeline.start_classify)."""
    ensure_unscoped()
    found_partner, found_program, year, cohort = resolve_scope(partner=partner, cohort_id=cohort_id,
                                                               program=program, year=year)
    queue_available()
    tmp, checksum, size = store_upload(stream)
    try:
        run = ReconciliationRun(
            partner_id=found_partner.id, cohort_id=cohort.id if cohort else None, program_id=found_program.id,
            year=year, filename=Path(filename or "laporan").name[:255], stored_path=str(tmp), checksum=checksum,
            size_bytes=size, state="queued", created_by=created_by,
            supersedes_run_id=_previous_run_id(found_program.id, year, cohort.id if cohort else None))
        db.session.add(run)
        db.session.flush()
        run.stored_path = place_upload(tmp, run.id, checksum, prefix="rekon-")
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    audit.record("reconciliation.upload", "reconciliation_runs", run.id,
                 after={"filename": run.filename, "checksum": checksum, "partner": found_partner.code,
           "cohort_id": run.cohort_id, "program": found_program.code, "year": year,
           "supersedes_run_id": run.supersedes_run_id})
    return run


def get_run(run_id: int, *, lock: bool = False, reap: bool = False) -> ReconciliationRun:
    """The run; with `reap` (a person looking at it) a run whose job died is first taken over (app/services/runs)."""
    ensure_unscoped()
    if reap:
        from app.services import runs

        runs.check("reconciliation", run_id)
    stmt = sa.select(ReconciliationRun).where(ReconciliationRun.id == run_id)
    if lock:
        stmt = stmt.with_for_update().execution_options(populate_existing=True)
    run = db.session.execute(stmt).scalar_one_or_none()
    if run is None:
        raise Problem.not_found(f"Rekonsiliasi {run_id} tidak ditemukan.")
    return run


def list_runs(*, limit: int, offset: int, cohort_id: int | None = None, cursor: str | None = None) -> Page:
    ensure_unscoped()
    stmt = sa.select(ReconciliationRun)
    if cohort_id is not None:
        stmt = stmt.where(ReconciliationRun.cohort_id == cohort_id)
    return paginate(stmt, limit=limit, offset=offset, cursor=cursor, order_by=[ReconciliationRun.id.desc()],
                    tiebreak=ReconciliationRun.id)


def _open_rows() -> tuple:
    """A row still open: a difference class, not yet applied (kept or taken)."""
    return ReconciliationRow.klass.in_(DIFFERENCE_CLASSES), ReconciliationRow.applied_at.is_(None)


def _open_differences(run_ids: list[int], cohort_id: int | None = None) -> int:
    if not run_ids:
        return 0
    stmt = sa.select(sa.func.count()).select_from(ReconciliationRow).where(
        *_open_rows(), ReconciliationRow.run_id.in_(run_ids))
    if cohort_id is not None:
        stmt = stmt.where(ReconciliationRow.cohort_id == cohort_id)
    return db.session.execute(stmt).scalar_one()


def run_view(run: ReconciliationRun) -> dict:
    return run_views([run])[0]


def run_views(runs: list[ReconciliationRun]) -> list[dict]:
    """The API's and pages' view of runs: the same five queries for one run or a page of fifty."""
    if not runs:
        return []
    ids = [run.id for run in runs]

    def by_id(model, wanted) -> dict:
        wanted = {i for i in wanted if i is not None}
        return {o.id: o for o in db.session.scalars(sa.select(model).where(model.id.in_(wanted)))} if wanted else {}

    partners = by_id(Partner, (r.partner_id for r in runs))
    programs = by_id(Program, (r.program_id for r in runs))
    cohorts = by_id(Cohort, (r.cohort_id for r in runs))
    superseded_by = dict(db.session.execute(
        sa.select(ReconciliationRun.supersedes_run_id, sa.func.max(ReconciliationRun.id))
        .where(ReconciliationRun.supersedes_run_id.in_(ids)).group_by(ReconciliationRun.supersedes_run_id)).all())
    open_counts = dict(db.session.execute(
        sa.select(ReconciliationRow.run_id, sa.func.count()).where(*_open_rows(), ReconciliationRow.run_id.in_(ids))
        .group_by(ReconciliationRow.run_id)).all())
    views = []
    for run in runs:
        partner, program, cohort = partners[run.partner_id], programs[run.program_id], cohorts.get(run.cohort_id)
        views.append({
            "id": run.id, "state": run.state, "state_label": STATE_LABELS.get(run.state, run.state),
            "progress": {"queued": 0.0, "classifying": 0.5, "applying": 0.9}.get(run.state, 1.0),
            "partner": {"id": partner.id, "code": partner.code, "name": partner.name},
            "program": {"id": program.id, "code": program.code, "name": program.name}, "year": run.year,
            "cohort_id": run.cohort_id,
            "cohort_label": cohort_label(program.code, cohort.number, cohort.year) if cohort else
            f"{program.code} {run.year} (semua angkatan)",
            "filename": run.filename, "checksum": run.checksum, "size_bytes": run.size_bytes,
            "counts": run.counts or {}, "open_differences": open_counts.get(run.id, 0),
            "supersedes_run_id": run.supersedes_run_id, "superseded_by_run_id": superseded_by.get(run.id),
            "details": run.details or {}, "error": run.error, "created_by": run.created_by,
            "created_at": run.created_at, "started_at": run.started_at, "classified_at": run.classified_at,
            "applied_at": run.applied_at,
        })
    return views


def _row_view(row: ReconciliationRow, labels: dict[int, str]) -> dict:
    out = {c.key: getattr(row, c.key) for c in ReconciliationRow.__table__.columns}
    out["cohort"] = labels.get(row.cohort_id) if row.cohort_id else None
    return out


def _cohort_labels(cohort_ids: set[int]) -> dict[int, str]:
    if not cohort_ids:
        return {}
    rows = db.session.execute(sa.select(Cohort.id, Program.code, Cohort.number, Cohort.year)
                              .join(Program, Program.id == Cohort.program_id).where(Cohort.id.in_(cohort_ids)))
    return {cid: cohort_label(code, number, year) for cid, code, number, year in rows}


def _rows_stmt(run_id: int, klass: str | None) -> sa.Select:
    if klass is not None and klass not in RECON_CLASSES:
        raise Problem.invalid(field="class", reason=f"harus salah satu dari: {', '.join(RECON_CLASSES)}")
    stmt = sa.select(ReconciliationRow).where(ReconciliationRow.run_id == run_id)
    return stmt if klass is None else stmt.where(ReconciliationRow.klass == klass)


def list_rows(run_id: int, *, klass: str | None, limit: int, offset: int, cursor: str | None = None) -> Page:
    """One class's rows (or all), both sides, in file order (local-only rows last, by NIP)."""
    get_run(run_id)
    page = paginate(_rows_stmt(run_id, klass), limit=limit, offset=offset, cursor=cursor,
                    order_by=[ReconciliationRow.row_number.asc().nulls_last(), ReconciliationRow.nip],
                    tiebreak=ReconciliationRow.id)
    labels = _cohort_labels({r.cohort_id for r in page.items if r.cohort_id})
    page.items = [_row_view(r, labels) for r in page.items]
    return page


def iter_rows(run_id: int, klass: str | None = None) -> Iterator[dict]:
    """Every row for a download (server-side cursor); 404 at once for an unknown run."""
    get_run(run_id)
    stmt = _rows_stmt(run_id, klass)
    labels = _cohort_labels(set(db.session.execute(sa.select(ReconciliationRow.cohort_id).distinct().where(
        ReconciliationRow.run_id == run_id, ReconciliationRow.cohort_id.is_not(None))).scalars()))

    def rows() -> Iterator[dict]:
        result = db.session.execute(stmt.order_by(ReconciliationRow.row_number.asc().nulls_last(),
                                                  ReconciliationRow.nip, ReconciliationRow.id)
                                    .execution_options(yield_per=2000))
        for row in result.scalars():
            view = _row_view(row, labels)
            view["klass"] = CLASS_LABELS[view["klass"]]
            yield view

    return rows()


def request_apply(run_id: int, *, classes: dict[str, str] | None = None, rows: dict[int, str] | None = None,
                  actor: tuple[int | None, str | None] = (None, None)) -> ReconciliationRun:
    """Record the decisions (per class, then per row, which wins) and mark the run for applying; the caller
    commits, then enqueues (pipeline.start_apply). Rows already applied are left as they are."""
    classes, rows = classes or {}, rows or {}
    run = get_run(run_id, lock=True)
    if run.state != "classified":
        raise Problem.conflict(f"Rekonsiliasi berstatus '{run.state}': koreksi hanya bisa diterapkan pada laporan "
                               "terakhir yang sudah selesai dicocokkan.", field="state", reason=f"status {run.state}")
    errors = []
    for klass, decision in classes.items():
        if klass not in ALLOWED_DECISIONS:
            errors.append({"field": f"classes.{klass}", "reason": "kelas ini tidak menerima keputusan"})
        elif decision not in ALLOWED_DECISIONS[klass]:
            errors.append({"field": f"classes.{klass}", "reason": f"harus salah satu dari {ALLOWED_DECISIONS[klass]}"})
    found = dict(db.session.execute(sa.select(ReconciliationRow.id, ReconciliationRow.klass).where(
        ReconciliationRow.run_id == run.id, ReconciliationRow.id.in_(list(rows)))).all()) if rows else {}
    for row_id, decision in rows.items():
        klass = found.get(row_id)
        if klass is None:
            errors.append({"field": f"rows.{row_id}", "reason": "baris tidak ada di rekonsiliasi ini"})
        elif klass not in ALLOWED_DECISIONS:
            errors.append({"field": f"rows.{row_id}", "reason": f"baris kelas {klass} tidak menerima keputusan"})
        elif decision not in ALLOWED_DECISIONS[klass]:
            errors.append({"field": f"rows.{row_id}", "reason": f"harus salah satu dari {ALLOWED_DECISIONS[klass]}"})
    if errors:
        raise Problem.invalid("Keputusan tidak valid.", errors=errors)
    if not classes and not rows:
        raise Problem.invalid(field="classes", reason="pilih keputusan untuk sebuah kelas atau baris")
    actor_id, actor_name = actor
    for klass, decision in classes.items():
        db.session.execute(sa.update(ReconciliationRow).where(
            ReconciliationRow.run_id == run.id, ReconciliationRow.klass == klass,
            ReconciliationRow.applied_at.is_(None)).values(decision=decision, decided_by=actor_name))
    for decision in DECISIONS:
        ids = [rid for rid, d in rows.items() if d == decision]
        if ids:
            db.session.execute(sa.update(ReconciliationRow).where(
                ReconciliationRow.run_id == run.id, ReconciliationRow.id.in_(ids),
                ReconciliationRow.applied_at.is_(None)).values(decision=decision, decided_by=actor_name))
    run.state, run.error = "applying", None
    run.apply_requested_by_id, run.apply_requested_by = actor_id, actor_name
    audit.record("reconciliation.decide", "reconciliation_runs", run.id,
                 after={"classes": classes, "rows": {str(k): v for k, v in rows.items()}})
    return run


_CHANGES = sa.text("""
WITH a AS (SELECT DISTINCT ON (nip, coalesce(cohort_id, 0)) * FROM reconciliation_rows WHERE run_id = :prev
           ORDER BY nip, coalesce(cohort_id, 0), row_number NULLS LAST),
     b AS (SELECT DISTINCT ON (nip, coalesce(cohort_id, 0)) * FROM reconciliation_rows WHERE run_id = :run
           ORDER BY nip, coalesce(cohort_id, 0), row_number NULLS LAST)
SELECT CASE WHEN a.id IS NULL THEN 'new' WHEN b.id IS NULL THEN 'gone' ELSE 'changed' END AS change,
       coalesce(b.nip, a.nip) AS nip, coalesce(b.name, a.name) AS name, coalesce(b.cohort_id, a.cohort_id) AS cohort_id,
       a.row_number AS before_row, b.row_number AS after_row, a.klass AS before_class, b.klass AS after_class,
       a.partner_status AS before_status, b.partner_status AS after_status, a.partner_jp AS before_jp,
       b.partner_jp AS after_jp, a.partner_certificate_number AS before_certificate_number,
       b.partner_certificate_number AS after_certificate_number
FROM a FULL JOIN b ON a.nip = b.nip AND coalesce(a.cohort_id, 0) = coalesce(b.cohort_id, 0)
WHERE a.id IS NULL OR b.id IS NULL
   OR (a.klass, a.partner_status, a.partner_jp, a.partner_certificate_number, a.partner_certificate_date)
      IS DISTINCT FROM (b.klass, b.partner_status, b.partner_jp, b.partner_certificate_number,
                        b.partner_certificate_date)
ORDER BY 1, 2
""")


def changes(run_id: int) -> dict:
    """What changed since the report this one supersedes: new rows, rows gone, rows whose class or partner
    values changed (keyed by NIP and cohort)."""
    run = get_run(run_id)
    if run.supersedes_run_id is None:
        return {"run_id": run.id, "previous_run_id": None, "counts": {"new": 0, "gone": 0, "changed": 0}, "items": []}
    items = [dict(r._mapping) for r in db.session.execute(_CHANGES, {"run": run.id, "prev": run.supersedes_run_id})]
    counts = {k: sum(1 for i in items if i["change"] == k) for k in ("new", "gone", "changed")}
    return {"run_id": run.id, "previous_run_id": run.supersedes_run_id, "counts": counts, "items": items}


def cohort_reconciliation_state(cohort_id: int) -> dict | None:
    """For the cohort page: the last report covering this cohort (its own, or its program + year), when, its
    state and the open differences (for this cohort), or None when no report was ever reconciled."""
    cohort = db.session.get(Cohort, cohort_id)
    if cohort is None:
        return None
    run = db.session.execute(sa.select(ReconciliationRun).where(sa.or_(
        ReconciliationRun.cohort_id == cohort.id,
        sa.and_(ReconciliationRun.cohort_id.is_(None), ReconciliationRun.program_id == cohort.program_id,
                ReconciliationRun.year == cohort.year))).order_by(ReconciliationRun.id.desc()).limit(1)
    ).scalar_one_or_none()
    if run is None:
        return None
    partner = db.session.get(Partner, run.partner_id)
    return {"run_id": run.id, "partner": partner.code, "partner_name": partner.name, "filename": run.filename,
            "uploaded_at": run.created_at, "classified_at": run.classified_at, "applied_at": run.applied_at,
            "state": run.state, "state_label": STATE_LABELS.get(run.state, run.state), "counts": run.counts or {},
            "open_differences": _open_differences([run.id], cohort.id)}


def open_differences_count() -> int:
    """Open differences across the region: rows of the difference classes not yet resolved, in every report
    that is not superseded or failed."""
    return db.session.execute(
        sa.select(sa.func.count()).select_from(ReconciliationRow)
        .join(ReconciliationRun, ReconciliationRun.id == ReconciliationRow.run_id)
        .where(*_open_rows(), ReconciliationRun.state.in_(("classified", "applying")))).scalar_one()


__all__ = ["ALLOWED_DECISIONS", "CLASS_LABELS", "ROW_COLUMNS", "STATE_LABELS", "changes", "cohort_reconciliation_state",
           "create_run", "get_run", "iter_rows", "list_rows", "list_runs", "open_differences_count", "request_apply",
           "resolve_scope", "run_view", "run_views"]

"""Imports of files from LAN or a provincial LMS: storing the upload, the run row, its state and report.

The file is stored under the instance directory, per tenant (`uploads/<slug>/<run id>-<checksum>.<ext>`),
written to a temporary name first so that a full disk leaves nothing behind. The run row is committed
before the job is enqueued, and nothing is accepted while the queue (Redis) is down.
"""

from __future__ import annotations

import errno
import hashlib
import os
import tempfile
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import IO

import sqlalchemy as sa
from flask import current_app
from redis.exceptions import RedisError

from app.authz import opd_scope
from app.extensions import db
from app.jobs import redis_connection
from app.models.imports import ImportRowError, ImportRun
from app.problems import Problem
from app.services.audit import log as audit
from app.services.files.readers import FileFormatError, check_xlsx_archive, sniff_format
from app.services.pagination import Page, paginate
from app.tenancy import current_tenant

MAX_UPLOAD_BYTES = 200 * 1024 * 1024
ERROR_COLUMNS = (("row_number", "Baris"), ("column", "Kolom"), ("value", "Nilai"), ("reason", "Alasan"),
                 ("code", "Kode"))


def ensure_unscoped() -> None:
    """Imports are the BKPSDM's bulk work: a file from LAN spans every OPD, and its report lists people of
    all of them, so an operator limited to some OPDs may neither run nor read imports."""
    if opd_scope() is not None:
        raise Problem.forbidden("Impor massal hanya untuk admin atau operator tanpa batasan OPD.",
                                type_="forbidden-scoped")


def _upload_dir() -> Path:
    path = Path(current_app.config["INSTANCE_DIR"]) / "uploads" / current_tenant().slug
    path.mkdir(parents=True, exist_ok=True)
    return path


def queue_available() -> None:
    """503 before anything is written when the workers' queue cannot be reached."""
    try:
        redis_connection().ping()
    except RedisError as exc:
        raise Problem(503, "Service Unavailable", "Antrian pekerjaan (Redis) sedang tidak tersedia; unggah lagi "
                                                  "nanti. Tidak ada yang disimpan.", type_="queue-unavailable",
                      headers={"Retry-After": "30"}) from exc


def store_upload(stream: IO[bytes]) -> tuple[Path, str, int]:
    """Copy an upload to a temporary file in the tenant's folder; returns (path, sha256, size). Shared by
    imports and reconciliations: one way of storing what a region uploads."""
    folder = _upload_dir()
    digest = hashlib.sha256()
    size = 0
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".upload-")
    try:
        with os.fdopen(fd, "wb") as out:
            while chunk := stream.read(1024 * 1024):
                size += len(chunk)
                if size > MAX_UPLOAD_BYTES:
                    raise Problem(413, "Content Too Large", f"File lebih dari {MAX_UPLOAD_BYTES // 2**20} MB.",
                                  errors=[{"field": "file", "reason": "file terlalu besar"}])
                digest.update(chunk)
                out.write(chunk)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        if exc.errno in (errno.ENOSPC, errno.EDQUOT):
            raise Problem(507, "Insufficient Storage", "Ruang penyimpanan server penuh; file tidak disimpan.",
                          type_="storage-full") from exc
        raise
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    if size == 0:
        Path(tmp).unlink(missing_ok=True)
        raise Problem.invalid("File kosong.", errors=[{"field": "file", "reason": "file kosong"}])
    if sniff_format(Path(tmp)) == "xlsx":
        try:
            check_xlsx_archive(Path(tmp))  # a zip bomb is refused now, from the zip's directory alone
        except FileFormatError as exc:
            Path(tmp).unlink(missing_ok=True)
            raise Problem.invalid(exc.message, type_="file-refused",
                                  errors=[{"field": "file", "reason": exc.message, "code": exc.code}]) from exc
    return Path(tmp), digest.hexdigest(), size


def _estimate_rows(path: Path) -> int | None:
    if sniff_format(path) != "csv":
        return None
    lines = 0
    with path.open("rb") as fh:
        while chunk := fh.read(1024 * 1024):
            lines += chunk.count(b"\n")
    return max(lines - 1, 0)


def place_upload(tmp: Path, run_id: int, checksum: str, *, prefix: str = "") -> str:
    """Give a stored upload its final name (`<prefix><run id>-<checksum>.<ext>`) once its run has an id."""
    final = tmp.with_name(f"{prefix}{run_id}-{checksum[:16]}.{sniff_format(tmp)}")
    os.replace(tmp, final)
    return str(final)


def create_run(stream: IO[bytes], filename: str, *, kind: str = "pppk-enrolments", mode: str = "valid-only",
               dry_run: bool = False, created_by: str | None = None) -> ImportRun:
    """Store the file and create its run (state queued); the caller commits, then enqueues."""
    ensure_unscoped()
    queue_available()
    tmp, checksum, size = store_upload(stream)
    try:
        same = db.session.execute(
            sa.select(ImportRun.id).where(ImportRun.checksum == checksum, ImportRun.kind == kind,
                                          ImportRun.state == "done", ImportRun.dry_run.is_(False))
            .order_by(ImportRun.id).limit(1)).scalar_one_or_none()
        run = ImportRun(kind=kind, filename=Path(filename or "upload").name[:255], stored_path=str(tmp),
                        checksum=checksum, size_bytes=size, mode=mode, dry_run=dry_run, state="queued",
                        same_file_as_run_id=same, rows_total_estimate=_estimate_rows(tmp), created_by=created_by)
        db.session.add(run)
        db.session.flush()
        run.stored_path = place_upload(tmp, run.id, checksum)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    audit.record("import.upload", "import_runs", run.id,
                 after={"filename": run.filename, "checksum": checksum, "mode": mode, "dry_run": dry_run, "size": size})
    return run


def get_run(run_id: int, *, reap: bool = False) -> ImportRun:
    """The run; with `reap` (a person looking at it) a run whose job died is first taken over (app/services/runs)."""
    ensure_unscoped()
    if reap:
        from app.services import runs

        runs.check("imports", run_id)
    run = db.session.get(ImportRun, run_id)
    if run is None:
        raise Problem.not_found(f"Impor {run_id} tidak ditemukan.")
    return run


def list_runs(*, limit: int, offset: int, cursor: str | None = None) -> Page:
    ensure_unscoped()
    return paginate(sa.select(ImportRun), limit=limit, offset=offset, cursor=cursor, order_by=[ImportRun.id.desc()],
                    tiebreak=ImportRun.id)


def cancel_run(run_id: int) -> ImportRun:
    """Cancel while queued or validating (applying is one transaction: it cannot be half-cancelled)."""
    ensure_unscoped()
    run = db.session.execute(sa.select(ImportRun).where(ImportRun.id == run_id).with_for_update()
                             .execution_options(populate_existing=True)).scalar_one_or_none()
    if run is None:
        raise Problem.not_found(f"Impor {run_id} tidak ditemukan.")
    if run.state not in ("queued", "validating"):
        raise Problem.conflict(f"Impor berstatus '{run.state}' tidak bisa dibatalkan.",
                               errors=[{"field": "state", "reason": "hanya saat antre atau validasi"}])
    before = run.state
    run.state, run.finished_at = "cancelled", datetime.now(UTC)
    db.session.execute(sa.text("DELETE FROM import_staged_rows WHERE run_id = :r"), {"r": run.id})
    audit.record("import.cancel", "import_runs", run.id, before={"state": before}, after={"state": "cancelled"})
    return run


def progress(run: ImportRun) -> float:
    if run.state in ("done", "failed", "cancelled"):
        return 1.0
    if run.state == "importing":
        return 0.8
    total = max(run.rows_total_estimate or 0, run.rows_read, 1)
    return round(0.8 * run.rows_read / total, 4)


def run_view(run: ImportRun) -> dict:
    seconds = None
    if run.started_at:
        seconds = ((run.finished_at or datetime.now(UTC)) - run.started_at).total_seconds()
    return {
        "id": run.id, "kind": run.kind, "filename": run.filename, "checksum": run.checksum,
        "size_bytes": run.size_bytes, "mode": run.mode, "dry_run": run.dry_run, "state": run.state,
        "progress": progress(run),
        "same_file_as_run_id": run.same_file_as_run_id,
        "rows": {"read": run.rows_read, "valid": run.rows_valid, "invalid": run.rows_invalid,
                 "duplicate": run.rows_duplicate, "created": run.rows_created, "updated": run.rows_updated,
                 "unchanged": run.rows_unchanged},
        "details": run.details or {}, "error": run.error, "created_by": run.created_by,
        "timings": {"created_at": run.created_at, "started_at": run.started_at, "validated_at": run.validated_at,
                    "finished_at": run.finished_at, "seconds": seconds},
        "report_available": run.validated_at is not None or run.state in ("done", "failed"),
    }


def errors_page(run_id: int, *, limit: int, offset: int, cursor: str | None = None) -> Page:
    """A page of a run's errors in file order, with their total."""
    get_run(run_id)
    return paginate(_errors_stmt(run_id), limit=limit, offset=offset, cursor=cursor,
                    order_by=[ImportRowError.row_number],
                    tiebreak=ImportRowError.id, view=lambda row: dict(row._mapping))


def iter_errors(run_id: int) -> Iterator[dict]:
    """Every error of a run in file order, streamed (server-side cursor); 404 at once for an unknown run."""
    get_run(run_id)
    return _errors(run_id)


def _errors_stmt(run_id: int) -> sa.Select:
    return (sa.select(ImportRowError.row_number, ImportRowError.column, ImportRowError.value, ImportRowError.reason,
                      ImportRowError.code).where(ImportRowError.run_id == run_id))


def _errors(run_id: int) -> Iterator[dict]:
    result = db.session.execute(
        _errors_stmt(run_id).order_by(ImportRowError.row_number, ImportRowError.id).execution_options(yield_per=2000))
    for row in result:
        yield dict(row._mapping)

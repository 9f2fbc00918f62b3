"""Learning submitted by employees: submit (with the certificate file), the staff's queue, verify (the JP granted
enters the ledger, at most the JP claimed), reject with a reason, correct a verified one; every write audited.

Who sees what: an employee only their own submissions (through their account's NIP, never an id from the URL
alone: another person's id is a 404); staff with `training:read` the region's, an OPD-scoped operator only those
of their OPDs' employees (the same 404 outside, as for employees and enrolments: app/services/scope.py); deciding
needs `training:write`, and nobody decides their own submission.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, date, datetime

import sqlalchemy as sa
from flask_login import current_user

from app.domain.dates import today_wib
from app.extensions import db
from app.models.employees import Employee, JpEntry, Opd
from app.models.submissions import MAX_JP, SUBMISSION_STATUSES, Submission
from app.problems import Problem
from app.services import scope
from app.services.audit import log as audit
from app.services.pagination import Page, paginate
from app.services.submissions import files
from app.services.submissions.kinds import LABELS
from app.signals import tenant_data_changed

AUDITED = ("employee_id", "title", "organiser", "kind", "start_date", "end_date", "jp_claimed", "certificate_number",
           "file_name", "file_mime", "file_size", "file_sha256", "status", "jp_granted", "note", "reason")
MIN_DATE = date(1990, 1, 1)


def _actor() -> str:
    return getattr(current_user, "username", None) or "system"


def view(sub: Submission, emp: Employee | None = None, opd_name: str | None = None) -> dict:
    out = {c: getattr(sub, c) for c in ("id", "title", "organiser", "kind", "start_date", "end_date", "jp_claimed",
                                        "certificate_number", "file_name", "file_mime", "file_size", "status",
                                        "jp_granted", "note", "reason", "submitted_by", "decided_by", "decided_at",
                                        "created_at", "updated_at")}
    out["kind_label"] = LABELS.get(sub.kind, sub.kind)
    out["year"] = sub.end_date.year
    if emp is not None:
        out["employee"] = {"id": emp.id, "nip": emp.nip, "name": emp.name, "opd_id": emp.opd_id, "opd_name": opd_name}
    return out


def _not_found(submission_id: int) -> Problem:
    return Problem.not_found(f"Pengajuan {submission_id} tidak ditemukan.")


# --- the employee's side ----------------------------------------------------------------------------------------


def submit(emp: Employee, *, title: str, organiser: str, kind: str, start_date: date, end_date: date,
           jp_claimed: int, content: bytes, file_name: str | None, certificate_number: str | None = None) -> Submission:
    """An employee's submission with its certificate file (checked by content, ≤ 5 MB), waiting for staff."""
    errors: list[dict] = []
    if end_date < start_date:
        errors.append({"field": "end_date", "reason": "tanggal selesai tidak boleh sebelum tanggal mulai"})
    if end_date > today_wib():
        errors.append({"field": "end_date", "reason": "kegiatan yang belum selesai belum dapat diajukan"})
    if start_date < MIN_DATE:
        errors.append({"field": "start_date", "reason": "tanggal mulai paling awal 1 Januari 1990"})
    if kind not in LABELS:
        errors.append({"field": "kind", "reason": f"harus salah satu dari: {', '.join(LABELS)}"})
    if not isinstance(jp_claimed, int) or not 1 <= jp_claimed <= MAX_JP:
        errors.append({"field": "jp_claimed", "reason": f"JP harus 1-{MAX_JP}"})
    if errors:
        raise Problem.invalid("Periksa isian yang ditandai.", errors=errors)
    mime = files.sniff(content)  # the 422 about the file before anything is stored
    digest = hashlib.sha256(content).hexdigest()
    clash = db.session.execute(sa.select(Submission.id).where(
        Submission.employee_id == emp.id, Submission.file_sha256 == digest, Submission.status != "rejected")).first()
    if clash is not None:
        raise Problem.conflict(f"Berkas yang sama sudah Anda ajukan (pengajuan {clash.id}).", field="file",
                               reason="berkas sudah diajukan")
    stored = files.store(content)
    sub = Submission(employee_id=emp.id, title=" ".join(title.split()), organiser=" ".join(organiser.split()),
                     kind=kind, start_date=start_date, end_date=end_date, jp_claimed=jp_claimed,
                     certificate_number=(certificate_number or "").strip() or None, file_key=stored["key"],
                     file_name=files.display_name(file_name, mime), file_mime=mime, file_size=stored["size"],
                     file_sha256=stored["sha256"], status="pending", submitted_by=_actor())
    db.session.add(sub)
    try:
        db.session.flush()
    except BaseException:
        files.forget(stored["key"])
        raise
    audit.record("submission.create", "submissions", sub.id, after=audit.snapshot(sub, AUDITED, nip=emp.nip))
    return sub


def own_submissions(employee_id: int) -> list[dict]:
    rows = db.session.execute(sa.select(Submission).where(Submission.employee_id == employee_id)
                              .order_by(Submission.created_at.desc(), Submission.id.desc())).scalars().all()
    return [view(s) for s in rows]


def own_submission(submission_id: int, employee_id: int) -> Submission:
    sub = db.session.execute(sa.select(Submission).where(Submission.id == submission_id,
                                                         Submission.employee_id == employee_id)).scalar_one_or_none()
    if sub is None:
        raise _not_found(submission_id)
    return sub


# --- the staff's side -------------------------------------------------------------------------------------------


def _staff_select():
    return (sa.select(Submission, Employee, Opd.name.label("opd_name"))
            .join(Employee, Employee.id == Submission.employee_id)
            .outerjoin(Opd, Opd.id == Employee.opd_id)
            .where(*scope.scoped(scope.employee_in_scope_clause())))


def list_submissions(*, status: str | None = None, opd_id: int | None = None, limit: int = 50,
                     offset: int = 0, cursor: str | None = None) -> Page:
    """The queue: the caller's scope, by status and OPD; waiting ones oldest first, decided ones newest first."""
    if status is not None and status not in SUBMISSION_STATUSES:
        raise Problem.invalid(field="status", reason=f"harus salah satu dari: {', '.join(SUBMISSION_STATUSES)}")
    stmt = _staff_select()
    if status:
        stmt = stmt.where(Submission.status == status)
    if opd_id is not None:
        stmt = stmt.where(Employee.opd_id == opd_id)
    order = [Submission.created_at] if status == "pending" else [Submission.created_at.desc()]
    return paginate(stmt, limit=limit, offset=offset, order_by=order,
                    tiebreak=Submission.id if status == "pending" else Submission.id.desc(),
                    view=lambda row: view(row.Submission, row.Employee, row.opd_name), cursor=cursor)


def staff_submission(submission_id: int, *, lock: bool = False) -> tuple[Submission, Employee, str | None]:
    """A submission in the caller's scope (else the same 404 as an unknown id), with its employee and OPD name."""
    stmt = _staff_select().where(Submission.id == submission_id)
    if lock:
        stmt = stmt.with_for_update(of=Submission)
    row = db.session.execute(stmt).first()
    if row is None:
        raise _not_found(submission_id)
    return row.Submission, row.Employee, row.opd_name


def staff_view(submission_id: int) -> dict:
    return view(*staff_submission(submission_id))


def _decidable(submission_id: int, allowed: tuple[str, ...], action: str) -> tuple[Submission, Employee]:
    sub, emp, _opd = staff_submission(submission_id, lock=True)
    if getattr(current_user, "nip", None) and current_user.nip == emp.nip:
        raise Problem.forbidden("Pengajuan Anda sendiri diputuskan oleh petugas lain.", type_="own-submission")
    if sub.status not in allowed:
        raise Problem.conflict(f"Pengajuan berstatus {sub.status} tidak dapat {action}.", field="status",
                               reason=f"harus {' atau '.join(allowed)}")
    return sub, emp


def _check_jp(sub: Submission, jp_granted) -> None:
    if not isinstance(jp_granted, int) or not 1 <= jp_granted <= sub.jp_claimed:
        raise Problem.invalid(field="jp_granted", reason=f"JP yang diakui harus 1-{sub.jp_claimed} (JP yang diajukan)")


def _note(text: str | None, field: str, *, required: bool) -> str | None:
    text = " ".join((text or "").split())
    if required and not text:
        raise Problem.invalid(field=field, reason="wajib diisi")
    if len(text) > 1000:
        raise Problem.invalid(field=field, reason="paling banyak 1000 karakter")
    return text or None


def _decided(sub: Submission) -> None:
    sub.decided_by = _actor()
    sub.decided_at = datetime.now(UTC)


def verify(submission_id: int, jp_granted: int, note: str | None = None) -> Submission:
    """Verify: the JP granted (1..the JP claimed) enters the ledger for the year the activity ended."""
    sub, emp = _decidable(submission_id, ("pending", "rejected"), "diverifikasi")
    _check_jp(sub, jp_granted)
    note = _note(note, "note", required=False)
    if sub.certificate_number:
        clash = db.session.execute(sa.select(JpEntry.id).where(
            JpEntry.employee_id == emp.id, JpEntry.certificate_number == sub.certificate_number)).first()
        if clash is not None:
            raise Problem.conflict(f"Sertifikat {sub.certificate_number} sudah tercatat untuk pegawai ini "
                                   f"(baris JP {clash.id}).", field="certificate_number",
                                   reason="sertifikat sudah tercatat")
    before = audit.snapshot(sub, AUDITED)
    sub.status, sub.jp_granted, sub.note, sub.reason = "verified", jp_granted, note, None
    _decided(sub)
    db.session.flush()
    db.session.add(JpEntry(employee_id=emp.id, year=sub.end_date.year, jp=jp_granted, source="submission",
                           submission_id=sub.id, title=sub.title[:300], certificate_number=sub.certificate_number,
                           completed_on=sub.end_date))
    db.session.flush()
    audit.record("submission.verify", "submissions", sub.id, before=before,
                 after=audit.snapshot(sub, AUDITED, nip=emp.nip))
    tenant_data_changed.send(None, reason="submission.verify", submission_id=sub.id)
    return sub


def reject(submission_id: int, reason: str) -> Submission:
    """Reject with a reason; a verified one loses its JP line (a correction after the fact)."""
    sub, emp = _decidable(submission_id, ("pending", "verified"), "ditolak")
    reason = _note(reason, "reason", required=True)
    was_verified = sub.status == "verified"
    before = audit.snapshot(sub, AUDITED)
    if was_verified:
        db.session.execute(sa.delete(JpEntry).where(JpEntry.submission_id == sub.id))
    sub.status, sub.jp_granted, sub.reason = "rejected", None, reason
    if not was_verified:
        sub.note = None
    _decided(sub)
    db.session.flush()
    audit.record("submission.reject", "submissions", sub.id, before=before,
                 after=audit.snapshot(sub, AUDITED, nip=emp.nip))
    if was_verified:
        tenant_data_changed.send(None, reason="submission.reject", submission_id=sub.id)
    return sub


def correct(submission_id: int, jp_granted: int, reason: str) -> Submission:
    """Correct a verified submission's JP granted, with the reason: the ledger line follows (ON UPDATE CASCADE)."""
    sub, emp = _decidable(submission_id, ("verified",), "dikoreksi")
    _check_jp(sub, jp_granted)
    reason = _note(reason, "reason", required=True)
    if jp_granted == sub.jp_granted:
        raise Problem.invalid(field="jp_granted", reason=f"sama dengan JP yang sudah diakui ({sub.jp_granted})")
    before = audit.snapshot(sub, AUDITED)
    sub.jp_granted, sub.note = jp_granted, reason
    _decided(sub)
    db.session.flush()
    audit.record("submission.correct", "submissions", sub.id, before=before,
                 after=audit.snapshot(sub, AUDITED, nip=emp.nip))
    tenant_data_changed.send(None, reason="submission.correct", submission_id=sub.id)
    return sub


def opd_choices() -> list[tuple[int, str]]:
    """Active OPDs the caller may filter the queue on."""
    rows = db.session.execute(sa.select(Opd.id, Opd.name).where(Opd.active).order_by(Opd.name)).all()
    return [(r.id, r.name) for r in rows if scope.opd_in_scope(r.id)]

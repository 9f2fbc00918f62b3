"""Enrolments: an employee in a cohort, its state machine, per-phase results, and the JP ledger line of a pass."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert

from app.extensions import db
from app.models.catalogue import Program
from app.models.cohorts import ENROLMENT_STATUSES, Cohort, CohortPhase, Enrolment, PhaseResult
from app.models.employees import Employee, Opd
from app.problems import Problem
from app.services.audit import log as audit
from app.services.cohorts.schedule import cohort_capacity, cohort_label, get_cohort
from app.services.pagination import Page, paginate, sort_clause
from app.services.scope import employee_in_scope_clause, enrolment_in_scope_clause, scoped
from app.signals import tenant_data_changed

# The whole state machine (DOMAIN.md): from-status -> the statuses it may move to. Nothing else is allowed.
ALLOWED_TRANSITIONS: dict[str, frozenset[str]] = {
    "registered": frozenset({"attending", "withdrawn"}),
    "attending": frozenset({"passed", "failed", "withdrawn"}),
    "passed": frozenset(),
    "failed": frozenset(),
    "withdrawn": frozenset(),
}
assert set(ALLOWED_TRANSITIONS) == set(ENROLMENT_STATUSES)

# Phase results may be recorded only while the outcome is still open.
OPEN_STATUSES = ("registered", "attending")

SORTABLE = {"name": Employee.name_key, "nip": Employee.nip, "status": Enrolment.status, "id": Enrolment.id}




# --- loading ------------------------------------------------------------------------------------------


def get_enrolment(enrolment_id: int, *, lock: bool = False) -> Enrolment:
    """The enrolment or a 404 (also when its employee is outside the caller's OPD scope)."""
    stmt = sa.select(Enrolment).where(Enrolment.id == enrolment_id, *scoped(enrolment_in_scope_clause()))
    if lock:
        stmt = stmt.with_for_update().execution_options(populate_existing=True)
    enrolment = db.session.execute(stmt).scalar_one_or_none()
    if enrolment is None:
        raise Problem.not_found(f"Pendaftaran {enrolment_id} tidak ditemukan.")
    return enrolment


def _find_employee(employee_id: int | None, employee_nip: str | None) -> Employee:
    stmt = sa.select(Employee).where(*scoped(employee_in_scope_clause()))
    if employee_id is not None:
        stmt = stmt.where(Employee.id == employee_id)
    if employee_nip is not None:
        stmt = stmt.where(Employee.nip == employee_nip)
    employee = db.session.execute(stmt).scalar_one_or_none()
    if employee is None:
        which = f"NIP {employee_nip}" if employee_nip is not None else f"id {employee_id}"
        raise Problem.not_found(f"Pegawai dengan {which} tidak ditemukan.")
    return employee


AUDITED = ("status", "certificate_number", "certificate_date", "jp_earned", "score")


# --- reading --------------------------------------------------------------------------------------------

_ROW_COLUMNS = (Enrolment, Employee.id.label("emp_id"), Employee.nip, Employee.name, Opd.id.label("opd_id"),
                Opd.name.label("opd_name"))


def _row_dict(row) -> dict:
    e: Enrolment = row.Enrolment
    return {
        "id": e.id,
        "cohort_id": e.cohort_id,
        "employee": {"id": row.emp_id, "nip": row.nip, "name": row.name, "opd_id": row.opd_id,
                     "opd_name": row.opd_name},
        "status": e.status,
        "status_changed_at": e.status_changed_at,
        "certificate": ({"number": e.certificate_number, "date": e.certificate_date}
                        if e.certificate_number or e.certificate_date else None),
        "jp_earned": e.jp_earned,
        "score": e.score,
        "created_at": e.created_at,
    }


def _with_employee(stmt: sa.Select) -> sa.Select:
    return stmt.join(Employee, Employee.id == Enrolment.employee_id).outerjoin(Opd, Opd.id == Employee.opd_id)


def enrolment_detail(enrolment_id: int) -> dict:
    """The enrolment with its employee and its results in the cohort's graded phases (two queries)."""
    row = db.session.execute(_with_employee(sa.select(*_ROW_COLUMNS))
                             .where(Enrolment.id == enrolment_id, *scoped(employee_in_scope_clause()))).first()
    if row is None:
        raise Problem.not_found(f"Pendaftaran {enrolment_id} tidak ditemukan.")
    out = _row_dict(row)
    phases = db.session.execute(
        sa.select(CohortPhase.id, CohortPhase.name, CohortPhase.position, PhaseResult.passed, PhaseResult.score)
        .outerjoin(PhaseResult, sa.and_(PhaseResult.phase_id == CohortPhase.id,
                                        PhaseResult.enrolment_id == enrolment_id))
        .where(CohortPhase.cohort_id == row.Enrolment.cohort_id, CohortPhase.graded)
        .order_by(CohortPhase.position)
    ).all()
    out["phase_results"] = [
        {"phase_id": p.id, "phase_name": p.name, "position": p.position, "passed": p.passed, "score": p.score}
        for p in phases
    ]
    out["corrections"] = corrections_of(enrolment_id=enrolment_id)
    return out


def list_roster(cohort_id: int, *, status: str | None = None, limit: int, offset: int, sort: str | None,
                cursor: str | None = None) -> Page:
    """A cohort's participants with employee, OPD and certificate: a count and a page, whatever the size."""
    get_cohort(cohort_id)
    order = sort_clause(sort, SORTABLE, "name")
    where = [Enrolment.cohort_id == cohort_id, *scoped(enrolment_in_scope_clause())]
    if status:
        where.append(Enrolment.status == status)
    return paginate(_with_employee(sa.select(*_ROW_COLUMNS)).where(*where), limit=limit, offset=offset, cursor=cursor,
                    order_by=order, tiebreak=Enrolment.id, view=_row_dict,
                    count_rows=sa.select(Enrolment.id).where(*where))


def trainings_of(employee_id: int) -> list[dict]:
    """Every enrolment of one employee with its cohort and program, newest first, in one query (a person's
    own list: no OPD scope, and no paging — one person has a handful of trainings a year)."""
    rows = db.session.execute(
        sa.select(Enrolment, Cohort.number, Cohort.year, Cohort.mode, Cohort.start_date, Cohort.end_date,
                  Program.id.label("program_id"), Program.code.label("program_code"),
                  Program.name.label("program_name"), Program.jp.label("program_jp"))
        .join(Cohort, Cohort.id == Enrolment.cohort_id)
        .join(Program, Program.id == Cohort.program_id)
        .where(Enrolment.employee_id == employee_id)
        .order_by(Cohort.year.desc(), Cohort.start_date.desc().nulls_last(), Enrolment.id.desc())
    ).all()
    out = []
    for row in rows:
        e: Enrolment = row.Enrolment
        out.append({
            "enrolment_id": e.id, "cohort_id": e.cohort_id,
            "cohort_label": cohort_label(row.program_code, row.number, row.year),
            "year": row.year, "mode": row.mode, "start_date": row.start_date, "end_date": row.end_date,
            "program": {"id": row.program_id, "code": row.program_code, "name": row.program_name,
                        "jp": row.program_jp},
            "status": e.status, "status_changed_at": e.status_changed_at,
            "certificate": ({"number": e.certificate_number, "date": e.certificate_date}
                            if e.certificate_number or e.certificate_date else None),
            "jp_earned": e.jp_earned,
        })
    return out


# --- writing --------------------------------------------------------------------------------------------


def enrol(cohort_id: int, *, employee_id: int | None = None, employee_nip: str | None = None,
          override_reason: str | None = None) -> Enrolment:
    """Register an employee in a cohort, within the program's eligibility rules (an admin may override a refusal
    with a reason). The cohort row stays locked until commit, so concurrent enrolments are counted one after the
    other and never exceed the quota."""
    from app.services.cohorts import eligibility

    if employee_id is None and employee_nip is None:
        raise Problem.invalid("Isi employee_id atau employee_nip.", field="employee_id", reason="wajib diisi")
    override_reason = eligibility.require_override_right(override_reason)
    cohort = get_cohort(cohort_id, lock=True)
    employee = _find_employee(employee_id, employee_nip)
    field = "employee_id" if employee_id is not None else "employee_nip"
    if not employee.active:
        raise Problem.invalid(f"Pegawai {employee.nip} tidak aktif.", field=field, reason="pegawai tidak aktif")
    existing = db.session.execute(
        sa.select(Enrolment.id).where(Enrolment.cohort_id == cohort.id, Enrolment.employee_id == employee.id)
    ).scalar_one_or_none()
    if existing is not None:
        raise Problem.conflict(f"Pegawai {employee.nip} sudah terdaftar di angkatan ini (pendaftaran {existing}).",
                               errors=[{"field": field, "reason": "sudah terdaftar di angkatan ini"}],
                               enrolment_id=existing)
    quota, taken = cohort_capacity(cohort.id)  # the cohort row is locked above, so this count holds
    if quota is not None and taken >= quota:
        reason = f"kuota angkatan penuh ({taken}/{quota})"
        raise Problem.invalid(f"Angkatan {cohort.id}: {reason}.", field="cohort_id", reason=reason)
    overridden = eligibility.check_one(db.session.get(Program, cohort.program_id), employee,
                                       override_reason=override_reason, field=field)
    enrolment = Enrolment(cohort_id=cohort.id, employee_id=employee.id, status="registered",
                          status_changed_at=datetime.now(UTC))
    db.session.add(enrolment)
    db.session.flush()
    audit.record("enrolment.create", "enrolments", enrolment.id,
                 after={"cohort_id": cohort.id, "employee_id": employee.id, "nip": employee.nip,
                        "status": "registered"})
    if overridden:
        audit.record("eligibility.override", "enrolments", enrolment.id,
                     after={"reason": override_reason, "rule": overridden, "nip": employee.nip,
                            "cohort_id": cohort.id})
    tenant_data_changed.send(None, reason="enrolment.create", enrolment_id=enrolment.id)
    return enrolment


def _transition_refused(from_status: str, to_status: str) -> Problem:
    allowed = sorted(ALLOWED_TRANSITIONS.get(from_status, ()))
    hint = f" (yang diizinkan: {', '.join(allowed)})" if allowed else " (status akhir, tidak bisa diubah)"
    return Problem.conflict(f"Status pendaftaran tidak bisa diubah dari '{from_status}' ke '{to_status}'{hint}.",
                            type_="enrolment-transition",
                            errors=[{"field": "to", "reason": f"transisi {from_status} → {to_status} tidak diizinkan"}],
                            from_status=from_status, to_status=to_status, allowed=allowed)


def earliest_certificate_date(cohort: Cohort) -> date | None:
    """The first day an STTPP of this cohort may carry: the cohort's last day, or (no end date) the end of its
    last graded phase, or of its last phase; None when the cohort has no dates at all."""
    if cohort.end_date is not None:
        return cohort.end_date
    graded, last = db.session.execute(
        sa.select(sa.func.max(CohortPhase.end_date).filter(CohortPhase.graded), sa.func.max(CohortPhase.end_date))
        .where(CohortPhase.cohort_id == cohort.id)).one()
    return graded or last


def certificate_date_problem(cohort: Cohort, day: date, *, earliest: date | None = None) -> str | None:
    """Why `day` cannot be the STTPP date of a pass in `cohort` (None: it can). Not in the future (WIB), not before
    the cohort's last day (or its graded phase's end)."""
    from app.domain.dates import today_wib

    if day > today_wib():
        return f"tanggal STTPP {day.isoformat()} belum terjadi (tidak boleh di masa depan)"
    earliest = earliest if earliest is not None else earliest_certificate_date(cohort)
    if earliest is not None and day < earliest:
        return f"tanggal STTPP {day.isoformat()} sebelum angkatan selesai ({earliest.isoformat()})"
    return None


def sttpp_taken(cohort: Cohort, number: str, *, except_enrolment: int | None = None) -> int | None:
    """The id of the pass of the same program and cohort year that already has this STTPP number, if any."""
    stmt = (sa.select(Enrolment.id).join(Cohort, Cohort.id == Enrolment.cohort_id)
            .where(Cohort.program_id == cohort.program_id, Cohort.year == cohort.year, Enrolment.status == "passed",
                   sa.func.upper(sa.func.btrim(Enrolment.certificate_number)) == number.strip().upper()))
    if except_enrolment is not None:
        stmt = stmt.where(Enrolment.id != except_enrolment)
    return db.session.execute(stmt.limit(1)).scalar_one_or_none()


def _certificate_errors(enrolment: Enrolment, cohort: Cohort, number: str | None, day: date | None) -> list[dict]:
    errors = []
    if day is not None:
        why = certificate_date_problem(cohort, day)
        if why:
            errors.append({"field": "certificate_date", "reason": why})
    if number:
        other = sttpp_taken(cohort, number, except_enrolment=enrolment.id)
        if other is not None:
            errors.append({"field": "certificate_number",
                           "reason": f"nomor STTPP {number.strip()} sudah dipakai peserta lain program ini tahun "
                                     f"{cohort.year} (pendaftaran {other})"})
    return errors


def _pass_values(enrolment: Enrolment, cohort: Cohort, program: Program, data: dict) -> tuple[str, date, int]:
    missing = [f for f in ("certificate_number", "certificate_date") if not data.get(f)]
    if missing:
        raise Problem.invalid("Kelulusan memerlukan nomor dan tanggal STTPP.",
                              errors=[{"field": f, "reason": "wajib diisi untuk status passed"} for f in missing])
    errors = _certificate_errors(enrolment, cohort, data["certificate_number"], data["certificate_date"])
    if errors:
        raise Problem.invalid("STTPP tidak valid: " + "; ".join(e["reason"] for e in errors) + ".", errors=errors)
    jp = data.get("jp_earned")
    if jp is None:
        jp = program.jp
    elif not 1 <= jp <= program.jp:
        raise Problem.invalid(f"JP yang diperoleh harus 1..{program.jp} (JP program {program.code}).",
                              field="jp_earned",
                              reason=f"harus antara 1 dan {program.jp}")
    unpassed = db.session.execute(
        sa.select(CohortPhase.name)
        .outerjoin(PhaseResult, sa.and_(PhaseResult.phase_id == CohortPhase.id,
                                        PhaseResult.enrolment_id == enrolment.id))
        .where(CohortPhase.cohort_id == cohort.id, CohortPhase.graded,
               sa.not_(sa.func.coalesce(PhaseResult.passed, False)))
        .order_by(CohortPhase.position)
    ).scalars().all()
    if unpassed:
        raise Problem.conflict(f"fase bernilai belum lulus: {', '.join(unpassed)}",
                               errors=[{"field": "to", "reason": f"fase bernilai belum lulus: {', '.join(unpassed)}"}],
                               unpassed_phases=list(unpassed))
    return data["certificate_number"].strip(), data["certificate_date"], jp


def _cohort_and_program(enrolment: Enrolment) -> tuple[Cohort, Program]:
    cohort = db.session.get(Cohort, enrolment.cohort_id)
    return cohort, db.session.get(Program, cohort.program_id)


_LEDGER_DELETE = sa.text(
    "DELETE FROM jp_entries j USING enrolments e WHERE j.enrolment_id = e.id AND e.id = ANY(:ids) "
    "AND e.status <> 'passed'")
_LEDGER_UPSERT = sa.text(
    "INSERT INTO jp_entries AS j (employee_id, enrolment_id, source, year, jp, title, certificate_number, "
    "                            completed_on) "
    "SELECT e.employee_id, e.id, 'cohort', extract(year FROM e.certificate_date)::int, e.jp_earned, "
    "       p.name || ' Angkatan ' || trim(to_char(c.number, 'RN')) || ' ' || c.year, e.certificate_number, "
    "       e.certificate_date "
    "FROM enrolments e JOIN cohorts c ON c.id = e.cohort_id JOIN programs p ON p.id = c.program_id "
    "WHERE e.id = ANY(:ids) AND e.status = 'passed' "
    "ON CONFLICT (enrolment_id) DO UPDATE SET year = EXCLUDED.year, jp = EXCLUDED.jp, "
    "    certificate_number = EXCLUDED.certificate_number, completed_on = EXCLUDED.completed_on "
    "WHERE (j.year, j.jp, j.certificate_number, j.completed_on) IS DISTINCT FROM "
    "      (EXCLUDED.year, EXCLUDED.jp, EXCLUDED.certificate_number, EXCLUDED.completed_on)")


def sync_ledger(enrolment_ids: list[int]) -> None:
    """Set-based: make the JP ledger agree with these enrolments — exactly one line per pass (with its
    certificate and JP), none for anything else. Writing it twice changes nothing. Used by `transition` and by
    reconciliation's bulk corrections, so both keep the same rule."""
    if not enrolment_ids:
        return
    ids = list(enrolment_ids)
    db.session.execute(_LEDGER_DELETE, {"ids": ids})
    db.session.execute(_LEDGER_UPSERT, {"ids": ids})


def transition(enrolment_id: int, to_status: str, **data) -> Enrolment:
    """Move an enrolment along the state machine; a pass records the certificate and writes the JP line.

    data: certificate_number, certificate_date, jp_earned (pass only) and score (any outcome).
    """
    if to_status not in ALLOWED_TRANSITIONS:
        raise Problem.invalid(f"Status tidak dikenal: {to_status}.", field="to",
                              reason=f"harus salah satu dari {ENROLMENT_STATUSES}")
    enrolment = get_enrolment(enrolment_id, lock=True)
    from_status = enrolment.status
    if to_status not in ALLOWED_TRANSITIONS[from_status]:
        raise _transition_refused(from_status, to_status)
    pass_only = [f for f in ("certificate_number", "certificate_date", "jp_earned") if data.get(f) is not None]
    if to_status != "passed" and pass_only:
        raise Problem.invalid("Sertifikat dan JP hanya dicatat saat status menjadi passed.",
                              errors=[{"field": f, "reason": "hanya untuk status passed"} for f in pass_only])
    before = audit.snapshot(enrolment, AUDITED)
    cohort, program = _cohort_and_program(enrolment)
    if to_status == "passed":
        enrolment.certificate_number, enrolment.certificate_date, enrolment.jp_earned = _pass_values(
            enrolment, cohort, program, data)
    if data.get("score") is not None:
        enrolment.score = Decimal(data["score"])
    enrolment.status = to_status
    enrolment.status_changed_at = datetime.now(UTC)
    db.session.flush()
    if to_status == "passed":
        sync_ledger([enrolment.id])
    audit.record("enrolment.transition", "enrolments", enrolment.id, before=before,
                 after=audit.snapshot(enrolment, AUDITED))
    tenant_data_changed.send(None, reason="enrolment.transition", enrolment_id=enrolment.id)
    return enrolment


def set_phase_result(enrolment_id: int, phase_id: int, *, passed: bool, score: Decimal | None = None) -> dict:
    """Record (or correct) a participant's result in one graded phase of their cohort."""
    enrolment = get_enrolment(enrolment_id, lock=True)
    phase = db.session.get(CohortPhase, phase_id)
    if phase is None or phase.cohort_id != enrolment.cohort_id:
        raise Problem.invalid(f"Fase {phase_id} bukan bagian dari angkatan pendaftaran ini.", field="phase_id",
                              reason="bukan fase angkatan ini")
    if not phase.graded:
        raise Problem.invalid(f"Fase '{phase.name}' tidak dinilai.", field="phase_id", reason="fase tidak dinilai")
    if enrolment.status not in OPEN_STATUSES:
        raise Problem.conflict(f"Hasil fase tidak bisa diubah: status pendaftaran '{enrolment.status}'.",
                               errors=[{"field": "status", "reason": "hanya saat registered atau attending"}],
                               status_now=enrolment.status)
    old = db.session.get(PhaseResult, (enrolment.id, phase.id))
    before = {"passed": old.passed, "score": str(old.score) if old.score is not None else None} if old else None
    stmt = pg_insert(PhaseResult).values(enrolment_id=enrolment.id, phase_id=phase.id, passed=passed, score=score)
    db.session.execute(stmt.on_conflict_do_update(
        index_elements=[PhaseResult.enrolment_id, PhaseResult.phase_id],
        set_={"passed": stmt.excluded.passed, "score": stmt.excluded.score},
    ))
    if old is not None:
        db.session.expire(old)
    audit.record("phase_result.upsert", "phase_results", f"{enrolment.id}:{phase.id}", before=before,
                 after={"passed": passed, "score": str(score) if score is not None else None})
    tenant_data_changed.send(None, reason="phase_result.upsert")
    return {"enrolment_id": enrolment.id, "phase_id": phase.id, "phase_name": phase.name, "passed": passed,
            "score": score}


def cohort_phase_results(cohort_id: int) -> dict[int, dict[int, dict]]:
    """{enrolment id: {phase id: {passed, score}}} of a cohort's recorded phase results, for the participants of
    the caller's OPDs (one query): the results page shows them for the whole roster at once."""
    rows = db.session.execute(
        sa.select(PhaseResult.enrolment_id, PhaseResult.phase_id, PhaseResult.passed, PhaseResult.score)
        .join(Enrolment, Enrolment.id == PhaseResult.enrolment_id)
        .where(Enrolment.cohort_id == cohort_id, *scoped(enrolment_in_scope_clause()))
    ).all()
    out: dict[int, dict[int, dict]] = {}
    for r in rows:
        out.setdefault(r.enrolment_id, {})[r.phase_id] = {"passed": r.passed, "score": r.score}
    return out


# --- corrections of finished results -----------------------------------------------------------------------------

FINISHED_STATUSES = ("passed", "failed", "withdrawn")
CORRECTABLE = ("status", "certificate_number", "certificate_date", "jp_earned", "score")


def correct(enrolment_id: int, *, reason: str, phase_results: list[dict] = (), **changes) -> Enrolment:
    """Correct a finished result (passed, failed, withdrawn): its outcome, STTPP number and date, JP and score,
    and the graded phases' results, with a required reason. The JP ledger follows (a line for a pass, with its JP
    and STTPP; none otherwise); the audit log keeps before, after and the reason. OPD-scoped callers reach only
    their OPDs' people (404 otherwise)."""
    reason = (reason or "").strip()
    if len(reason) < 5:
        raise Problem.invalid("Alasan koreksi wajib diisi (minimal 5 huruf).", field="reason", reason="wajib diisi")
    enrolment = get_enrolment(enrolment_id, lock=True)
    if enrolment.status not in FINISHED_STATUSES:
        raise Problem.conflict(
            f"Hanya hasil akhir (lulus, tidak lulus, mengundurkan diri) yang dikoreksi; status sekarang "
            f"'{enrolment.status}': ubah lewat transisi status.",
            errors=[{"field": "status", "reason": "pendaftaran belum selesai"}], status_now=enrolment.status)
    cohort, program = _cohort_and_program(enrolment)
    before = audit.snapshot(enrolment, CORRECTABLE)
    status = changes.get("status") or enrolment.status
    if status not in FINISHED_STATUSES:
        raise Problem.invalid("Koreksi hanya ke lulus, tidak lulus atau mengundurkan diri.", field="status",
                              reason=f"harus salah satu dari {', '.join(FINISHED_STATUSES)}")
    errors: list[dict] = []
    phase_before = _correct_phase_results(enrolment, cohort, phase_results, errors)
    if status == "passed":
        number = changes.get("certificate_number", enrolment.certificate_number)
        day = changes.get("certificate_date", enrolment.certificate_date)
        jp = changes.get("jp_earned", enrolment.jp_earned if enrolment.status == "passed" else None)
        jp = program.jp if jp is None else jp
        if not number or not str(number).strip():
            errors.append({"field": "certificate_number", "reason": "wajib diisi untuk status passed"})
        if day is None:
            errors.append({"field": "certificate_date", "reason": "wajib diisi untuk status passed"})
        if not 1 <= jp <= program.jp:
            errors.append({"field": "jp_earned", "reason": f"harus antara 1 dan {program.jp}"})
        if number and str(number).strip() and day is not None:
            errors += [e for e in _certificate_errors(enrolment, cohort, number, day)
                       if changes.get(e["field"]) is not None or enrolment.status != "passed"
                       or e["field"] == "certificate_number"]
        # a pass that stays a pass is not re-graded, unless its phase results are what is corrected
        if not errors and (enrolment.status != "passed" or phase_results):
            db.session.flush()
            unpassed = _unpassed_graded(enrolment, cohort)
            if unpassed:
                errors.append({"field": "phase_results",
                               "reason": f"fase bernilai belum lulus: {', '.join(unpassed)} (koreksi juga hasil "
                                         "fasenya)"})
    else:
        given = [f for f in ("certificate_number", "certificate_date", "jp_earned") if changes.get(f) is not None]
        errors += [{"field": f, "reason": "hanya untuk status passed"} for f in given]
        number = day = jp = None
    if errors:
        raise Problem.invalid("Koreksi tidak bisa disimpan: " + "; ".join(e["reason"] for e in errors) + ".",
                              errors=errors)
    if changes.get("score") is not None:
        enrolment.score = Decimal(changes["score"])
    if status != enrolment.status:
        enrolment.status_changed_at = datetime.now(UTC)
    enrolment.status = status
    enrolment.certificate_number = str(number).strip() if number else None
    enrolment.certificate_date, enrolment.jp_earned = day, jp
    after = audit.snapshot(enrolment, CORRECTABLE)
    if after == before and not phase_before:
        raise Problem.invalid("Tidak ada yang berubah.", field="status", reason="tidak ada perubahan")
    db.session.flush()
    sync_ledger([enrolment.id])
    audit.record("enrolment.correct", "enrolments", enrolment.id, before={**before, **phase_before.get("before", {})},
                 after={**after, **phase_before.get("after", {}), "reason": reason})
    tenant_data_changed.send(None, reason="enrolment.correct")
    return enrolment


def _unpassed_graded(enrolment: Enrolment, cohort: Cohort) -> list[str]:
    return list(db.session.execute(
        sa.select(CohortPhase.name)
        .outerjoin(PhaseResult, sa.and_(PhaseResult.phase_id == CohortPhase.id,
                                        PhaseResult.enrolment_id == enrolment.id))
        .where(CohortPhase.cohort_id == cohort.id, CohortPhase.graded,
               sa.not_(sa.func.coalesce(PhaseResult.passed, False)))
        .order_by(CohortPhase.position)).scalars())


def _correct_phase_results(enrolment: Enrolment, cohort: Cohort, results, errors: list[dict]) -> dict:
    """Upsert corrected graded-phase results; returns {"before": {...}, "after": {...}} keyed `phase:<name>`."""
    if not results:
        return {}
    phases = {p.id: p for p in db.session.execute(
        sa.select(CohortPhase).where(CohortPhase.cohort_id == cohort.id, CohortPhase.graded)).scalars()}
    out: dict = {"before": {}, "after": {}}
    for i, r in enumerate(results):
        phase = phases.get(r["phase_id"])
        if phase is None:
            errors.append({"field": f"phase_results.{i}.phase_id", "reason": "bukan fase bernilai angkatan ini"})
            continue
        old = db.session.get(PhaseResult, (enrolment.id, phase.id))
        key = f"phase:{phase.name}"
        out["before"][key] = {"passed": old.passed, "score": old.score} if old else None
        out["after"][key] = {"passed": r["passed"], "score": r.get("score")}
        stmt = pg_insert(PhaseResult).values(enrolment_id=enrolment.id, phase_id=phase.id, passed=r["passed"],
                                             score=r.get("score"))
        db.session.execute(stmt.on_conflict_do_update(
            index_elements=[PhaseResult.enrolment_id, PhaseResult.phase_id],
            set_={"passed": stmt.excluded.passed, "score": stmt.excluded.score}))
        if old is not None:
            db.session.expire(old)
    return out


def corrections_of(*, employee_id: int | None = None, enrolment_id: int | None = None) -> list[dict]:
    """The corrections of one person's (or one enrolment's) results, newest first: who, when, before, after, why
    (one query; a person has a handful)."""
    from app.models.audit import AuditEntry

    ids = sa.select(sa.cast(Enrolment.id, sa.String))
    ids = ids.where(Enrolment.employee_id == employee_id) if employee_id is not None \
        else ids.where(Enrolment.id == enrolment_id)
    rows = db.session.execute(
        sa.select(AuditEntry).where(AuditEntry.action == "enrolment.correct", AuditEntry.entity == "enrolments",
                                    AuditEntry.entity_id.in_(ids.scalar_subquery()))
        .order_by(AuditEntry.id.desc())).scalars().all()
    out = []
    for row in rows:
        after = dict(row.after or {})
        reason = after.pop("reason", None)
        before = row.before or {}
        changed = {k: {"before": before.get(k), "after": v} for k, v in after.items() if before.get(k) != v}
        out.append({"enrolment_id": int(row.entity_id), "at": row.at,
                    "actor": row.actor, "reason": reason, "changes": changed})
    return out

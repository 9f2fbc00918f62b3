"""Attendance per session day (present / excused / absent), bulk-marked for a whole cohort day."""

from __future__ import annotations

from collections import Counter
from datetime import date

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert

from app.extensions import db
from app.models.cohorts import Attendance, Cohort, CohortPhase, Enrolment
from app.models.employees import Employee
from app.problems import Problem
from app.services.audit import log as audit
from app.services.cohorts.schedule import get_cohort, session_days
from app.services.scope import OUT_OF_SCOPE, current_scope, employee_in_scope_clause, scoped
from app.signals import tenant_data_changed


def parse_day(text: str) -> date:
    """The `<day>` of a URL: an ISO date (YYYY-MM-DD)."""
    try:
        if len(text) != 10:
            raise ValueError(text)
        return date.fromisoformat(text)
    except ValueError:
        raise Problem.invalid(f"Tanggal tidak valid: {text!r} (format YYYY-MM-DD).", field="day",
                              reason="harus tanggal YYYY-MM-DD") from None


def _check_day_in_cohort(cohort: Cohort, day: date) -> None:
    """The day is a session day: inside the cohort, and — when the cohort has phases — inside a block of one of
    them (a phase without blocks is one block). 12 Apr 2024, between e-learning and commitment building, is not."""
    if (cohort.start_date and day < cohort.start_date) or (cohort.end_date and day > cohort.end_date):
        span = f"{cohort.start_date or '…'} s.d. {cohort.end_date or '…'}"
        raise Problem.invalid(f"Tanggal {day.isoformat()} di luar jadwal angkatan ({span}).", field="day",
                              reason=f"di luar jadwal angkatan ({span})")
    phases = db.session.execute(sa.select(CohortPhase).where(CohortPhase.cohort_id == cohort.id)).scalars().all()
    if phases and not any(day in session_days(p) for p in phases if p.start_date <= day <= p.end_date):
        raise Problem.invalid(f"Tanggal {day.isoformat()} bukan hari sesi tahap mana pun.", field="day",
                              reason="bukan hari sesi (di luar semua blok tahap)")


def day_sheet(cohort_id: int, day: date) -> dict:
    """Every non-withdrawn participant of the cohort (of the caller's OPDs) with their status that day
    (None = not marked)."""
    cohort = get_cohort(cohort_id)
    _check_day_in_cohort(cohort, day)
    rows = db.session.execute(
        sa.select(Enrolment.id, Enrolment.status.label("enrolment_status"), Employee.nip, Employee.name,
                  Attendance.status)
        .join(Employee, Employee.id == Enrolment.employee_id)
        .outerjoin(Attendance, sa.and_(Attendance.enrolment_id == Enrolment.id, Attendance.day == day))
        .where(Enrolment.cohort_id == cohort.id, Enrolment.status != "withdrawn",
               *scoped(employee_in_scope_clause()))
        .order_by(Employee.name_key, Enrolment.id)
    ).all()
    items = [{"enrolment_id": r.id, "enrolment_status": r.enrolment_status, "nip": r.nip, "name": r.name,
              "status": r.status} for r in rows]
    return {"cohort_id": cohort.id, "day": day, "items": items}


def mark_day(cohort_id: int, day: date, *, marks: list[dict], default_status: str | None = None) -> dict:
    """Upsert a cohort day in one statement: `default_status` for every non-withdrawn participant not named
    in `marks`, and each mark's own status. Withdrawn participants are skipped. An OPD-scoped operator marks only
    their OPDs' participants: the default applies to those alone, and a mark for anyone else is refused (422)
    like a mark for someone not in the cohort."""
    cohort = get_cohort(cohort_id)
    _check_day_in_cohort(cohort, day)
    counts = Counter(m["enrolment_id"] for m in marks)
    duplicates = sorted(eid for eid, n in counts.items() if n > 1)
    if duplicates:
        raise Problem.invalid(f"Pendaftaran disebut lebih dari sekali: {duplicates}.", field="marks",
                              reason=f"enrolment_id ganda: {', '.join(map(str, duplicates))}", enrolment_ids=duplicates)
    statuses = _marking_statuses(cohort.id)
    foreign = sorted(eid for eid in counts if eid not in statuses)
    if foreign:
        what = "bukan peserta angkatan ini" + (f" atau {OUT_OF_SCOPE}" if current_scope() is not None else "")
        raise Problem.invalid(f"Pendaftaran {what}: {foreign}.", field="marks",
                              reason=f"{what}: {', '.join(map(str, foreign))}",
                              enrolment_ids=foreign)
    open_ids = [eid for eid, status in statuses.items() if status != "withdrawn"]
    wanted = dict.fromkeys(open_ids, default_status) if default_status else {}
    wanted.update({m["enrolment_id"]: m["status"] for m in marks})
    skipped = sorted(eid for eid in wanted if statuses[eid] == "withdrawn")
    rows = [{"enrolment_id": eid, "day": day, "status": status} for eid, status in sorted(wanted.items())
            if statuses[eid] != "withdrawn"]
    if rows:
        stmt = pg_insert(Attendance).values(rows)
        db.session.execute(stmt.on_conflict_do_update(
            index_elements=[Attendance.enrolment_id, Attendance.day], set_={"status": stmt.excluded.status}))
    # The first day someone is present (or excused) moves them from registered to attending.
    came = [r["enrolment_id"] for r in rows if r["status"] in ("present", "excused")
            and statuses[r["enrolment_id"]] == "registered"]
    if came:
        db.session.execute(sa.text(
            "UPDATE enrolments SET status = 'attending', status_changed_at = now() "
            "WHERE id = ANY(:ids) AND status = 'registered'"), {"ids": came})
    tally = Counter(r["status"] for r in rows)
    audit.record("attendance.mark", "attendance", f"{cohort.id}:{day.isoformat()}",
                 after={"cohort_id": cohort.id, "day": day.isoformat(), "marked": len(rows),
                        "skipped_withdrawn": len(skipped), "now_attending": len(came),
                        **{s: tally.get(s, 0) for s in ("present", "excused", "absent")}})
    if came:
        tenant_data_changed.send(None, reason="attendance.first_day")
    return {"cohort_id": cohort.id, "day": day, "marked": len(rows), "skipped": skipped, "now_attending": len(came)}


def _marking_statuses(cohort_id: int) -> dict[int, str]:
    """{enrolment id: status} of the cohort's participants the caller may mark (one query)."""
    stmt = sa.select(Enrolment.id, Enrolment.status).where(Enrolment.cohort_id == cohort_id)
    in_scope = employee_in_scope_clause()
    if in_scope is not None:
        stmt = stmt.join(Employee, Employee.id == Enrolment.employee_id).where(in_scope)
    return dict(db.session.execute(stmt).all())


def summary(cohort_id: int, *, date_from: date | None = None, date_to: date | None = None) -> dict:
    """Per participant (of the caller's OPDs): how many days present, excused and absent between the bounds
    (one query)."""
    cohort = get_cohort(cohort_id)
    if date_from and date_to and date_from > date_to:
        raise Problem.invalid("Rentang tanggal terbalik: 'from' sesudah 'to'.", field="from",
                              reason="harus sebelum atau sama dengan 'to'")
    on = [Attendance.enrolment_id == Enrolment.id]
    if date_from:
        on.append(Attendance.day >= date_from)
    if date_to:
        on.append(Attendance.day <= date_to)

    def n(status: str):
        return sa.func.count(Attendance.day).filter(Attendance.status == status).label(status)

    rows = db.session.execute(
        sa.select(Enrolment.id, Enrolment.status.label("enrolment_status"), Employee.nip, Employee.name,
                  n("present"), n("excused"), n("absent"))
        .join(Employee, Employee.id == Enrolment.employee_id)
        .outerjoin(Attendance, sa.and_(*on))
        .where(Enrolment.cohort_id == cohort.id, *scoped(employee_in_scope_clause()))
        .group_by(Enrolment.id, Employee.id)
        .order_by(Employee.name_key, Enrolment.id)
    ).all()
    items = [{"enrolment_id": r.id, "enrolment_status": r.enrolment_status, "nip": r.nip, "name": r.name,
              "present": r.present, "excused": r.excused, "absent": r.absent} for r in rows]
    return {"cohort_id": cohort.id, "from": date_from, "to": date_to, "items": items}

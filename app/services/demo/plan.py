"""A region's demo data as plain rows keyed by natural keys (NIP, OPD name, program code, cohort key), and
`apply_plan`, which bulk-inserts them into the bound tenant's schema and resolves the keys to ids.

Builders produce a `Plan` without touching the database, so the data is reproducible and testable on its own;
only `apply_plan` writes (executemany of Core inserts, batched by SQLAlchemy's insertmanyvalues).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert

from app.domain.nip import parse_nip
from app.models.catalogue import Partner, Program
from app.models.cohorts import Attendance, Cohort, CohortPhase, Enrolment, PhaseResult
from app.models.employees import Employee, JpEntry, Opd
from app.services.admin.reference_data import STANDARD_PROGRAMS
from app.services.cohorts.schedule import to_roman as roman
from app.services.text import name_key

WIB = timezone(timedelta(hours=7), "WIB")

CohortKey = tuple[str, int, int]
"""(program code, year, angkatan number): the natural key of a cohort, e.g. ("PKA", 2024, 2)."""


def at_nine(day: date) -> datetime:
    """Status changes of historical data are dated at 09:00 WIB on the day they happened."""
    return datetime.combine(day, time(9), tzinfo=WIB)


@dataclass(frozen=True, slots=True)
class ProgramRow:
    code: str
    name: str
    program_type: str
    competency_type: str
    provider: str | None  # partner code; None = the region itself
    jp: int


@dataclass(frozen=True, slots=True)
class PhaseRow:
    name: str
    start: date
    end: date
    graded: bool = False


@dataclass(frozen=True, slots=True)
class CohortRow:
    program: str
    year: int
    number: int
    partner: str | None
    mode: str
    quota: int | None
    start: date
    end: date
    phases: tuple[PhaseRow, ...] = ()

    @property
    def key(self) -> CohortKey:
        return (self.program, self.year, self.number)


@dataclass(frozen=True, slots=True)
class EmployeeRow:
    nip: str
    name: str
    gender: str
    birth_date: date
    employee_type: str
    golongan: str | None
    jabatan: str | None
    jabatan_kind: str | None
    opd: str | None


@dataclass(frozen=True, slots=True)
class EnrolmentRow:
    nip: str
    cohort: CohortKey
    status: str
    changed_on: date
    certificate_number: str | None = None
    certificate_date: date | None = None
    jp_earned: int | None = None
    score: Decimal | None = None


@dataclass(frozen=True, slots=True)
class PhaseResultRow:
    nip: str
    cohort: CohortKey
    position: int
    passed: bool
    score: Decimal | None = None


@dataclass(frozen=True, slots=True)
class AttendanceRow:
    nip: str
    cohort: CohortKey
    day: date
    status: str


@dataclass(frozen=True, slots=True)
class JpRow:
    nip: str
    year: int
    jp: int
    source: str
    title: str
    certificate_number: str | None
    completed_on: date
    cohort: CohortKey | None = None  # set for source 'cohort': the line of that passed enrolment


def person(nip: str, name: str, employee_type: str, golongan: str | None, jabatan: str | None,
           jabatan_kind: str | None, opd: str | None) -> EmployeeRow:
    """An employee whose gender and birth date come from the NIP (which must pass `parse_nip`)."""
    parsed = parse_nip(nip)
    return EmployeeRow(nip=parsed.value, name=name, gender=parsed.gender, birth_date=parsed.birth_date,
                       employee_type=employee_type, golongan=golongan, jabatan=jabatan, jabatan_kind=jabatan_kind,
                       opd=opd)


@dataclass
class Plan:
    """Everything one region's demo data inserts. `marker` is the cohort whose presence means 'already seeded'."""

    slug: str
    marker: CohortKey
    opds: list[str] = field(default_factory=list)
    programs: list[ProgramRow] = field(default_factory=list)
    cohorts: list[CohortRow] = field(default_factory=list)
    employees: list[EmployeeRow] = field(default_factory=list)
    enrolments: list[EnrolmentRow] = field(default_factory=list)
    phase_results: list[PhaseResultRow] = field(default_factory=list)
    attendance: list[AttendanceRow] = field(default_factory=list)
    jp_entries: list[JpRow] = field(default_factory=list)

    def cohort(self, key: CohortKey) -> CohortRow:
        return next(c for c in self.cohorts if c.key == key)

    def cohort_title(self, key: CohortKey) -> str:
        """`Pelatihan Kepemimpinan Administrator Angkatan II 2024`, the ledger title the enrolments service writes."""
        names = {code: name for code, name, *_ in STANDARD_PROGRAMS} | {p.code: p.name for p in self.programs}
        code, year, number = key
        return f"{names[code]} Angkatan {roman(number)} {year}"

    def enrol(self, row: EnrolmentRow) -> None:
        """Add an enrolment; a passed one also gets its JP ledger line (as the enrolments service writes it)."""
        self.enrolments.append(row)
        if row.status == "passed" and row.jp_earned:
            day = row.certificate_date or row.changed_on
            self.jp_entries.append(JpRow(nip=row.nip, year=day.year, jp=row.jp_earned, source="cohort",
                                         title=self.cohort_title(row.cohort),
                                         certificate_number=row.certificate_number, completed_on=day,
                                         cohort=row.cohort))


def _executemany(conn: sa.Connection, stmt, rows: list[dict]) -> None:
    if rows:
        conn.execute(stmt, rows)


def apply_plan(conn: sa.Connection, plan: Plan) -> dict[str, int]:
    """Insert the plan into the bound tenant; returns rows inserted per table. Never commits."""
    counts: dict[str, int] = {}
    partners = dict(conn.execute(sa.select(Partner.code, Partner.id)).all())

    _executemany(conn, pg_insert(Program.__table__).on_conflict_do_nothing(index_elements=["code"]), [
        {"code": p.code, "name": p.name, "program_type": p.program_type, "competency_type": p.competency_type,
         "provider_partner_id": partners[p.provider] if p.provider else None, "jp": p.jp} for p in plan.programs])
    programs = dict(conn.execute(sa.select(Program.code, Program.id)).all())

    _executemany(conn, pg_insert(Opd.__table__).on_conflict_do_nothing(
        index_elements=["name_key"], index_where=sa.text("active")),
        [{"name": name, "name_key": name_key(name)} for name in plan.opds])
    opds = dict(conn.execute(sa.select(Opd.name_key, Opd.id).where(Opd.active)).all())
    counts["opds"] = len(plan.opds)

    _executemany(conn, sa.insert(Employee.__table__), [
        {"nip": e.nip, "name": e.name, "name_key": name_key(e.name), "gender": e.gender, "birth_date": e.birth_date,
         "employee_type": e.employee_type, "golongan": e.golongan, "jabatan": e.jabatan,
         "jabatan_kind": e.jabatan_kind, "opd_id": opds[name_key(e.opd)] if e.opd else None}
        for e in plan.employees])
    people = dict(conn.execute(sa.select(Employee.nip, Employee.id)).all())
    counts["employees"] = len(plan.employees)

    cohorts: dict[CohortKey, int] = {}
    phases: list[dict] = []
    for c in plan.cohorts:
        cohort_id = conn.execute(sa.insert(Cohort.__table__).returning(Cohort.id).values(
            program_id=programs[c.program], year=c.year, number=c.number,
            partner_id=partners[c.partner] if c.partner else None, mode=c.mode, quota=c.quota,
            start_date=c.start, end_date=c.end)).scalar_one()
        cohorts[c.key] = cohort_id
        phases += [{"cohort_id": cohort_id, "position": i, "name": p.name, "start_date": p.start,
                    "end_date": p.end, "graded": p.graded} for i, p in enumerate(c.phases, start=1)]
    _executemany(conn, sa.insert(CohortPhase.__table__), phases)
    phase_ids = {(cid, pos): pid for pid, cid, pos in conn.execute(
        sa.select(CohortPhase.id, CohortPhase.cohort_id, CohortPhase.position)
        .where(CohortPhase.cohort_id.in_(list(cohorts.values()))))}
    counts["cohorts"], counts["cohort_phases"] = len(cohorts), len(phases)

    _executemany(conn, sa.insert(Enrolment.__table__), [
        {"employee_id": people[e.nip], "cohort_id": cohorts[e.cohort], "status": e.status,
         "status_changed_at": at_nine(e.changed_on), "certificate_number": e.certificate_number,
         "certificate_date": e.certificate_date, "jp_earned": e.jp_earned, "score": e.score}
        for e in plan.enrolments])
    enrolments = {(emp, coh): eid for eid, emp, coh in conn.execute(
        sa.select(Enrolment.id, Enrolment.employee_id, Enrolment.cohort_id)
        .where(Enrolment.cohort_id.in_(list(cohorts.values()))))}
    counts["enrolments"] = len(plan.enrolments)

    def enrolment_id(nip: str, key: CohortKey) -> int:
        return enrolments[(people[nip], cohorts[key])]

    _executemany(conn, sa.insert(PhaseResult.__table__), [
        {"enrolment_id": enrolment_id(r.nip, r.cohort), "phase_id": phase_ids[(cohorts[r.cohort], r.position)],
         "passed": r.passed, "score": r.score} for r in plan.phase_results])
    _executemany(conn, sa.insert(Attendance.__table__), [
        {"enrolment_id": enrolment_id(a.nip, a.cohort), "day": a.day, "status": a.status} for a in plan.attendance])
    _executemany(conn, sa.insert(JpEntry.__table__), [
        {"employee_id": people[j.nip], "year": j.year, "jp": j.jp, "source": j.source, "title": j.title,
         "certificate_number": j.certificate_number, "completed_on": j.completed_on,
         "enrolment_id": enrolment_id(j.nip, j.cohort) if j.cohort else None} for j in plan.jp_entries])
    counts["phase_results"], counts["attendance"] = len(plan.phase_results), len(plan.attendance)
    counts["jp_entries"] = len(plan.jp_entries)
    return counts

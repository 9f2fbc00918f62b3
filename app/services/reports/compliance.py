"""Reports: 20 JP compliance, the yearly training recap per program, and a cohort's roster.

Each report is a few set-based queries straight on the tables (GROUP BY over the JP ledger), never a loop
over people. Rows for downloads come from `iter_*` functions that stream through a server-side cursor.
An OPD-scoped operator's reports cover only their OPDs' employees and enrolments (app.services.scope).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

import sqlalchemy as sa

from app.domain.jp import REQUIRED_JP_PER_YEAR
from app.extensions import db
from app.models.catalogue import Partner, Program
from app.models.certificates import Certificate
from app.models.cohorts import Cohort, Enrolment
from app.models.employees import Employee, JpEntry, Opd
from app.problems import Problem
from app.services.pagination import paginate, sort_clause
from app.services.scope import (
    employee_id_in_scope_clause,
    employee_in_scope_clause,
    enrolment_in_scope_clause,
    opd_in_scope,
    scoped,
)

STREAM_BATCH = 2000

COMPLIANCE_PEOPLE_COLUMNS = (
    ("nip", "NIP"), ("name", "Nama"), ("employee_type", "Jenis ASN"), ("golongan", "Golongan"),
    ("jabatan", "Jabatan"), ("opd_name", "OPD"), ("jp", "JP"), ("shortfall", "Kekurangan JP"),
)
COMPLIANCE_OPD_COLUMNS = (
    ("opd_name", "OPD"), ("active_employees", "ASN aktif"), ("compliant", "Memenuhi 20 JP"),
    ("below", "Di bawah 20 JP"), ("share_pct", "Persentase memenuhi (%)"), ("total_jp", "Total JP"),
)
RECAP_COLUMNS = (
    ("program_code", "Kode program"), ("program_name", "Program"), ("program_type", "Jenis program"),
    ("competency_type", "Jenis kompetensi"), ("cohorts", "Angkatan"), ("participants", "Peserta"),
    ("passed", "Lulus"), ("failed", "Tidak lulus"), ("withdrawn", "Mengundurkan diri"),
    ("in_progress", "Belum selesai"), ("jp_delivered", "JP"),
)
ROSTER_COLUMNS = (
    ("nip", "NIP"), ("name", "Nama"), ("opd_name", "OPD"), ("jabatan", "Jabatan"), ("status", "Status"),
    ("certificate_number", "Nomor STTPP"), ("certificate_date", "Tanggal STTPP"), ("jp_earned", "JP"),
    ("verification_code", "Kode verifikasi STTPP"),
)
ROSTER_SORTABLE = {"name": Employee.name_key, "nip": Employee.nip, "status": Enrolment.status}




def _stream(stmt: sa.Select) -> Iterator[dict]:
    result = db.session.execute(stmt.execution_options(yield_per=STREAM_BATCH))
    for row in result:
        yield dict(row._mapping)


# --- 20 JP compliance -------------------------------------------------------------------------------------


@dataclass
class ComplianceGroup:
    opd_id: int | None
    opd_name: str | None
    active_employees: int = 0
    compliant: int = 0
    total_jp: int = 0

    @property
    def below(self) -> int:
        return self.active_employees - self.compliant

    @property
    def share_pct(self) -> float | None:
        if not self.active_employees:
            return None
        return round(100 * self.compliant / self.active_employees, 2)


@dataclass
class ComplianceReport:
    year: int
    opd: Opd | None
    below_only: bool
    overall: ComplianceGroup
    opds: list[ComplianceGroup]
    people: dict = field(default_factory=dict)  # {items, total, limit, offset}
    threshold: int = REQUIRED_JP_PER_YEAR


def _yearly_jp(year: int, opd_id: int | None) -> sa.Subquery:
    """JP per employee for one calendar year (every completed training is a ledger line); with an OPD, only
    that OPD's people are summed, so one OPD's report does not aggregate the whole ledger."""
    stmt = sa.select(JpEntry.employee_id, sa.func.sum(JpEntry.jp).label("jp")).where(JpEntry.year == year)
    if opd_id is not None:
        stmt = stmt.where(JpEntry.employee_id.in_(sa.select(Employee.id).where(Employee.opd_id == opd_id)))
    else:
        stmt = stmt.where(*scoped(employee_id_in_scope_clause(JpEntry.employee_id)))
    return stmt.group_by(JpEntry.employee_id).subquery("yearly")


def latest_jp_year(up_to: int) -> int | None:
    """The latest year, up to `up_to`, in which someone in the caller's scope earned JP (None: nobody ever did)."""
    return db.session.execute(
        sa.select(sa.func.max(JpEntry.year))
        .where(JpEntry.year <= up_to, *scoped(employee_id_in_scope_clause(JpEntry.employee_id)))).scalar_one()


def get_opd(opd_id: int) -> Opd:
    """The OPD a report is filtered on; one outside the caller's OPD scope is not found for its reports."""
    opd = db.session.get(Opd, opd_id) if opd_in_scope(opd_id) else None
    if opd is None:
        raise Problem.not_found(f"OPD {opd_id} tidak ditemukan.")
    return opd


def compliance_groups(year: int, opd_id: int | None) -> list[ComplianceGroup]:
    """One aggregate query: active employees LEFT JOIN their yearly JP, grouped by OPD."""
    yearly = _yearly_jp(year, opd_id)
    jp = sa.func.coalesce(yearly.c.jp, 0)
    stmt = (
        sa.select(Employee.opd_id, Opd.name.label("opd_name"),
                  sa.func.count().label("active_employees"),
                  sa.func.count().filter(jp >= REQUIRED_JP_PER_YEAR).label("compliant"),
                  sa.func.coalesce(sa.func.sum(yearly.c.jp), 0).label("total_jp"))
        .select_from(Employee)
        .outerjoin(yearly, yearly.c.employee_id == Employee.id)
        .outerjoin(Opd, Opd.id == Employee.opd_id)
        .where(Employee.active, *scoped(employee_in_scope_clause()))
        .group_by(Employee.opd_id, Opd.name)
        .order_by(Opd.name.asc().nulls_last(), Employee.opd_id)
    )
    if opd_id is not None:
        stmt = stmt.where(Employee.opd_id == opd_id)
    return [ComplianceGroup(**row._mapping) for row in db.session.execute(stmt)]


def _compliance_people_stmt(year: int, opd_id: int | None, below_only: bool) -> sa.Select:
    yearly = _yearly_jp(year, opd_id)
    jp = sa.func.coalesce(yearly.c.jp, 0)
    shortfall = sa.func.greatest(REQUIRED_JP_PER_YEAR - jp, 0)
    stmt = (
        sa.select(Employee.id.label("employee_id"), Employee.nip, Employee.name, Employee.employee_type,
                  Employee.golongan, Employee.jabatan, Employee.opd_id, Opd.name.label("opd_name"),
                  jp.label("jp"), shortfall.label("shortfall"))
        .select_from(Employee)
        .outerjoin(yearly, yearly.c.employee_id == Employee.id)
        .outerjoin(Opd, Opd.id == Employee.opd_id)
        .where(Employee.active, *scoped(employee_in_scope_clause()))
        .order_by(shortfall.desc(), Employee.name_key, Employee.id)
    )
    if opd_id is not None:
        stmt = stmt.where(Employee.opd_id == opd_id)
    if below_only:
        stmt = stmt.where(jp < REQUIRED_JP_PER_YEAR)
    return stmt


def jp_compliance(year: int, *, opd_id: int | None = None, below_only: bool = False, limit: int = 50,
                  offset: int = 0) -> ComplianceReport:
    """Summary per OPD and overall, and a page of people sorted by how far they are below 20 JP.

    Two queries (three with an OPD filter): the grouped summary, then the page. The page's total needs no
    count query: it is the active employees (or, below_only, those not compliant) of the summary.
    """
    opd = get_opd(opd_id) if opd_id is not None else None
    groups = compliance_groups(year, opd_id)
    overall = ComplianceGroup(opd_id=None, opd_name=None)
    for group in groups:
        overall.active_employees += group.active_employees
        overall.compliant += group.compliant
        overall.total_jp += group.total_jp
    stmt = _compliance_people_stmt(year, opd_id, below_only).limit(limit).offset(offset)
    items = [dict(row._mapping) for row in db.session.execute(stmt)]
    total = overall.below if below_only else overall.active_employees
    return ComplianceReport(year=year, opd=opd, below_only=below_only, overall=overall, opds=groups,
                            people={"items": items, "total": total, "total_estimated": False, "limit": limit,
                                    "offset": offset})


def iter_jp_compliance_people(year: int, *, opd_id: int | None = None, below_only: bool = False) -> Iterator[dict]:
    """Every row of the people list (for downloads), streamed."""
    if opd_id is not None:
        get_opd(opd_id)
    return _stream(_compliance_people_stmt(year, opd_id, below_only))


def jp_compliance_opd_rows(year: int, *, opd_id: int | None = None) -> list[dict]:
    """The per-OPD summary as flat rows (for downloads)."""
    if opd_id is not None:
        get_opd(opd_id)
    return [{"opd_id": g.opd_id, "opd_name": g.opd_name or "(tanpa OPD)", "active_employees": g.active_employees,
             "compliant": g.compliant, "below": g.below, "share_pct": g.share_pct, "total_jp": g.total_jp}
            for g in compliance_groups(year, opd_id)]


# --- training recap ---------------------------------------------------------------------------------------

_RECAP_COUNTS = ("cohorts", "participants", "passed", "failed", "withdrawn", "in_progress", "jp_delivered")


def _recap_row(row) -> dict:
    out = dict(row._mapping)
    for key in _RECAP_COUNTS:
        out[key] = int(out[key] or 0)
    return out


def _sum0(column) -> sa.ColumnElement:
    return sa.func.coalesce(sa.func.sum(column), 0)


def training_recap(year: int) -> dict:
    """Per program of the year's cohorts, rolled up by program type, competency type and in total, plus the JP
    completed outside any cohort that year (e-learning entered directly). Two queries.

    Enrolment counts and ledger JP are summed per cohort in two separate aggregates before the GROUPING SETS
    roll-up: joining enrolments to the ledger row by row first was three times slower on 500k enrolments.
    """
    counts = (
        sa.select(Enrolment.cohort_id, sa.func.count().label("participants"),
                  sa.func.count().filter(Enrolment.status == "passed").label("passed"),
                  sa.func.count().filter(Enrolment.status == "failed").label("failed"),
                  sa.func.count().filter(Enrolment.status == "withdrawn").label("withdrawn"),
                  sa.func.count().filter(Enrolment.status.in_(("registered", "attending"))).label("in_progress"))
        .join(Cohort, Cohort.id == Enrolment.cohort_id)
        .where(Cohort.year == year, *scoped(enrolment_in_scope_clause()))
        .group_by(Enrolment.cohort_id)
        .cte("cohort_counts")
    )
    ledger = (
        sa.select(Enrolment.cohort_id, sa.func.sum(JpEntry.jp).label("jp"))
        .select_from(JpEntry)
        .join(Enrolment, Enrolment.id == JpEntry.enrolment_id)
        .join(Cohort, Cohort.id == Enrolment.cohort_id)
        .where(Cohort.year == year, *scoped(enrolment_in_scope_clause()))
        .group_by(Enrolment.cohort_id)
        .cte("cohort_jp")
    )
    grouped = sa.func.grouping(Program.id, Program.program_type, Program.competency_type).label("grouping")
    stmt = (
        sa.select(
            grouped, Program.id.label("program_id"), Program.code.label("program_code"),
            Program.name.label("program_name"), Program.program_type, Program.competency_type,
            sa.func.count().label("cohorts"), _sum0(counts.c.participants).label("participants"),
            _sum0(counts.c.passed).label("passed"), _sum0(counts.c.failed).label("failed"),
            _sum0(counts.c.withdrawn).label("withdrawn"), _sum0(counts.c.in_progress).label("in_progress"),
            _sum0(ledger.c.jp).label("jp_delivered"),
        )
        .select_from(Cohort)
        .join(Program, Program.id == Cohort.program_id)
        .outerjoin(counts, counts.c.cohort_id == Cohort.id)
        .outerjoin(ledger, ledger.c.cohort_id == Cohort.id)
        .where(Cohort.year == year)
        .group_by(sa.text(
            "GROUPING SETS ((programs.id, programs.code, programs.name, programs.program_type, "
            "programs.competency_type), (programs.program_type), (programs.competency_type), ())"))
        .order_by(Program.program_type, Program.code)
    )
    programs, by_type, by_competency = [], [], []
    totals = dict.fromkeys(_RECAP_COUNTS, 0)
    # GROUPING(id, program_type, competency_type) is a bitmask of the columns rolled away.
    for row in db.session.execute(stmt):
        line = _recap_row(row)
        mask = line.pop("grouping")
        if mask == 0:
            programs.append(line)
        elif mask == 0b101:
            by_type.append({k: line[k] for k in ("program_type", *_RECAP_COUNTS)})
        elif mask == 0b110:
            by_competency.append({k: line[k] for k in ("competency_type", *_RECAP_COUNTS)})
        else:
            totals = {k: line[k] for k in _RECAP_COUNTS}
    outside = db.session.execute(
        sa.select(sa.func.count().label("entries"), sa.func.count(sa.distinct(JpEntry.employee_id)).label("employees"),
                  sa.func.coalesce(sa.func.sum(JpEntry.jp), 0).label("jp"))
        .where(JpEntry.year == year, JpEntry.enrolment_id.is_(None),
               *scoped(employee_id_in_scope_clause(JpEntry.employee_id)))
    ).one()
    return {"year": year, "programs": programs, "by_program_type": by_type, "by_competency_type": by_competency,
            "totals": totals, "outside_cohorts": {k: int(v) for k, v in outside._mapping.items()}}


# --- cohort roster ----------------------------------------------------------------------------------------


def get_cohort_header(cohort_id: int) -> dict:
    row = db.session.execute(
        sa.select(Cohort.id, Cohort.number, Cohort.year, Cohort.mode, Cohort.quota, Cohort.start_date,
                  Cohort.end_date, Program.id.label("program_id"), Program.code.label("program_code"),
                  Program.name.label("program_name"), Partner.name.label("partner_name"))
        .join(Program, Program.id == Cohort.program_id)
        .outerjoin(Partner, Partner.id == Cohort.partner_id)
        .where(Cohort.id == cohort_id)
    ).first()
    if row is None:
        raise Problem.not_found(f"Angkatan {cohort_id} tidak ditemukan.")
    return dict(row._mapping)


def _roster_stmt(cohort_id: int) -> sa.Select:
    return (
        sa.select(Enrolment.id.label("enrolment_id"), Employee.id.label("employee_id"), Employee.nip, Employee.name,
                  Employee.opd_id, Opd.name.label("opd_name"), Employee.jabatan, Enrolment.status,
                  Enrolment.certificate_number, Enrolment.certificate_date, Enrolment.jp_earned,
                  Certificate.code.label("verification_code"))
        .join(Employee, Employee.id == Enrolment.employee_id)
        .outerjoin(Opd, Opd.id == Employee.opd_id)
        .outerjoin(Certificate, sa.and_(Certificate.enrolment_id == Enrolment.id, Certificate.status == "valid"))
        .where(Enrolment.cohort_id == cohort_id, *scoped(employee_in_scope_clause()))
    )


def cohort_roster(cohort_id: int, *, limit: int = 50, offset: int = 0, sort: str | None = None,
                  cursor: str | None = None) -> dict:
    """The cohort and a page of its participants: three queries (cohort, count, page)."""
    header = get_cohort_header(cohort_id)
    page = paginate(_roster_stmt(cohort_id), limit=limit, offset=offset, cursor=cursor,
                    order_by=sort_clause(sort, ROSTER_SORTABLE, "name"), tiebreak=Enrolment.id,
                    view=lambda row: dict(row._mapping),
                    count_rows=sa.select(Enrolment.id)
                    .where(Enrolment.cohort_id == cohort_id, *scoped(enrolment_in_scope_clause())))
    return {"cohort": header, "participants": page}


def iter_cohort_roster(cohort_id: int, *, sort: str | None = None) -> Iterator[dict]:
    order = sort_clause(sort, ROSTER_SORTABLE, "name")
    return _stream(_roster_stmt(cohort_id).order_by(*order, Enrolment.id))

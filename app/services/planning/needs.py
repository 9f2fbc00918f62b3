"""AKPK needs rounds: BKPSDM opens a year's round with a deadline, OPD operators enter needs (per employee or per
position, for a catalogue program or a new one by name), BKPSDM verifies, merges or rejects each with a note, and
closes the round (its needs never change after: the database refuses, trigger `needs_round_closed`).

Operators limited to some OPDs see and enter only their OPDs' needs; deciding, opening and closing is BKPSDM's
(a caller not limited to OPDs)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import sqlalchemy as sa

from app.domain.dates import today_wib
from app.extensions import db
from app.models.catalogue import COMPETENCY_TYPES, Program
from app.models.cohorts import Cohort, Enrolment
from app.models.employees import Employee, Opd
from app.models.planning import Need, NeedsRound
from app.problems import Problem
from app.services.audit import log as audit
from app.services.catalogue.programs import insert_unique
from app.services.pagination import Page, paginate
from app.services.scope import OUT_OF_SCOPE, current_scope, opd_in_scope

PRIORITY_WORDS = {1: "tinggi", 2: "sedang", 3: "rendah"}
KIND_WORDS = {"manajerial": "Manajerial", "teknis": "Teknis", "sosial_kultural": "Sosial kultural"}
STATUS_WORDS = {"submitted": "Diajukan", "verified": "Terverifikasi", "merged": "Digabung", "rejected": "Ditolak"}
DECISIONS = ("verify", "merge", "reject")
NEED_FIELDS = ("round_id", "opd_id", "employee_id", "position_name", "people", "gap", "kind", "program_id",
               "proposed_program_name", "priority", "reason", "status", "note", "merged_into_id", "source")


def require_bkpsdm(what: str) -> None:
    """Deciding needs, rounds, the plan and budgets is BKPSDM's: an operator limited to OPDs is refused (403)."""
    if current_scope() is not None:
        raise Problem.forbidden(f"Hanya BKPSDM yang dapat {what} (akun Anda dibatasi pada OPD tertentu).")


# --- rounds ----------------------------------------------------------------------------------------------------


def check_year(year: int) -> int:
    """A planning year (2000..2100), or 422 naming `year`."""
    if not 2000 <= year <= 2100:
        raise Problem.invalid(field="year", reason="tahun harus antara 2000 dan 2100")
    return year


def round_out(r: NeedsRound) -> dict:
    counts = dict(db.session.execute(sa.select(Need.status, sa.func.count()).where(Need.round_id == r.id)
                                     .group_by(Need.status)).all())
    return {"id": r.id, "year": r.year, "status": r.status, "deadline": r.deadline, "opened_at": r.opened_at,
            "closed_at": r.closed_at, "past_deadline": r.status == "open" and today_wib() > r.deadline,
            "counts": {s: counts.get(s, 0) for s in STATUS_WORDS}, "total": sum(counts.values())}


def list_rounds() -> list[dict]:
    return [round_out(r) for r in db.session.execute(sa.select(NeedsRound).order_by(NeedsRound.year.desc()))
            .scalars()]


def get_round(year: int, *, lock: bool = False) -> NeedsRound:
    check_year(year)
    stmt = sa.select(NeedsRound).where(NeedsRound.year == year)
    r = db.session.execute(stmt.with_for_update() if lock else stmt).scalar_one_or_none()
    if r is None:
        raise Problem.not_found(f"Belum ada putaran kebutuhan pelatihan tahun {year}.")
    return r


def find_round(year: int) -> NeedsRound | None:
    check_year(year)
    return db.session.execute(sa.select(NeedsRound).where(NeedsRound.year == year)).scalar_one_or_none()


def open_round(*, year: int, deadline: date) -> dict:
    require_bkpsdm("membuka putaran kebutuhan")
    check_year(year)
    if deadline < today_wib():
        raise Problem.invalid(field="deadline", reason="batas waktu tidak boleh sebelum hari ini")
    clash = Problem.conflict(field="year", reason=f"putaran kebutuhan tahun {year} sudah ada")
    if find_round(year) is not None:
        raise clash
    r = NeedsRound(year=year, deadline=deadline, status="open")
    insert_unique(r, clash)
    audit.record("needs_round.open", "needs_rounds", r.id, after=audit.snapshot(r, ("year", "deadline", "status")))
    return round_out(r)


def update_round(year: int, *, deadline: date | None = None, close: bool = False) -> dict:
    """Move the deadline of an open round, or close it (only when no need is still waiting for a decision)."""
    require_bkpsdm("mengubah putaran kebutuhan")
    r = get_round(year, lock=True)
    if r.status == "closed":
        raise Problem.conflict(f"Putaran kebutuhan {year} sudah ditutup.", field="status", reason="sudah ditutup")
    before = audit.snapshot(r, ("deadline", "status"))
    if deadline is not None:
        r.deadline = deadline
    if close:
        waiting = db.session.execute(sa.select(sa.func.count()).select_from(Need).where(
            Need.round_id == r.id, Need.status == "submitted")).scalar_one()
        if waiting:
            raise Problem.conflict(f"Masih ada {waiting} kebutuhan yang belum diputuskan.", field="close",
                                   reason=f"{waiting} kebutuhan belum diverifikasi, digabung, atau ditolak")
        r.status, r.closed_at = "closed", datetime.now(UTC)
    db.session.flush()
    audit.record("needs_round.close" if close else "needs_round.update", "needs_rounds", r.id, before=before,
                 after=audit.snapshot(r, ("deadline", "status")))
    return round_out(r)


# --- needs -----------------------------------------------------------------------------------------------------


def _open_round(year: int) -> NeedsRound:
    """The year's round, open for entering needs: after its deadline only BKPSDM may still add (an OPD's late
    need goes through BKPSDM)."""
    r = get_round(year, lock=True)
    if r.status != "open":
        raise Problem.conflict(f"Putaran kebutuhan {year} sudah ditutup: kebutuhannya tidak dapat diubah.",
                               field="year", reason="putaran sudah ditutup")
    if today_wib() > r.deadline and current_scope() is not None:
        raise Problem.conflict(f"Batas waktu pengisian kebutuhan {year} sudah lewat; hubungi BKPSDM.",
                               field="deadline", reason=f"batas waktu {r.deadline:%d-%m-%Y} sudah lewat")
    return r


def _program_by_text(value: str) -> Program | None:
    """A catalogue program by code or by name (case- and space-insensitive)."""
    folded = " ".join(value.split()).lower()
    return db.session.execute(sa.select(Program).where(sa.or_(
        sa.func.lower(Program.code) == folded, sa.func.lower(Program.name) == folded))
        .order_by(Program.id).limit(1)).scalar_one_or_none()


def check_need(data: dict, errors: list[dict], *, prefix: str = "", employees: dict | None = None) -> dict:
    """Validate one need's fields (the form's, the API's or a file row's) against the region's data; returns the
    row's values (employee and OPD resolved). Errors name the field (`prefix` + name) in Indonesian. `employees`
    (NIP → Employee, looked up beforehand for a whole file) saves a query per row."""
    out: dict = {}
    nip, position = data.get("employee_nip"), (data.get("position_name") or "").strip() or None
    if bool(nip) == bool(position):
        errors.append({"field": prefix + "employee_nip", "reason": "isi NIP pegawai atau nama jabatan (salah satu)"})
    emp = None
    if nip:
        emp = employees.get(str(nip).strip()) if employees is not None else db.session.execute(
            sa.select(Employee).where(Employee.nip == str(nip).strip())).scalar_one_or_none()
        if emp is None or not opd_in_scope(emp.opd_id):
            errors.append({"field": prefix + "employee_nip", "reason": f"pegawai dengan NIP {nip} tidak ditemukan"})
            emp = None
        elif not emp.active:
            errors.append({"field": prefix + "employee_nip", "reason": "pegawai tidak aktif"})
    opd_id = data.get("opd_id")
    if opd_id is None and emp is not None:
        opd_id = emp.opd_id
    scope = current_scope()
    if opd_id is None and emp is None and not nip and scope is not None and len(scope) == 1:
        opd_id = scope[0]  # an operator of one OPD need not name it
    if opd_id is None:
        errors.append({"field": prefix + "opd_id", "reason": "wajib diisi"})
    elif db.session.get(Opd, opd_id) is None:
        errors.append({"field": prefix + "opd_id", "reason": f"OPD {opd_id} tidak ditemukan"})
    elif not opd_in_scope(opd_id):
        errors.append({"field": prefix + "opd_id", "reason": OUT_OF_SCOPE})
    elif emp is not None and emp.opd_id != opd_id:
        errors.append({"field": prefix + "opd_id", "reason": "pegawai ini bukan pegawai OPD tersebut"})
    people = data.get("people") or 1
    if emp is not None and people != 1:
        errors.append({"field": prefix + "people", "reason": "kebutuhan per pegawai selalu 1 orang"})
    if not 1 <= people <= 100_000:
        errors.append({"field": prefix + "people", "reason": "jumlah orang harus 1 atau lebih"})
    for name, label in (("gap", "kesenjangan kompetensi"), ("reason", "alasan")):
        if not (data.get(name) or "").strip():
            errors.append({"field": prefix + name, "reason": f"{label} wajib diisi"})
    if data.get("kind") not in COMPETENCY_TYPES:
        errors.append({"field": prefix + "kind", "reason": "jenis harus manajerial, teknis, atau sosial kultural"})
    program_id, proposed = data.get("program_id"), (data.get("proposed_program_name") or "").strip() or None
    if (program_id is None) == (proposed is None):
        errors.append({"field": prefix + "program_id",
                       "reason": "pilih program dari katalog atau tulis nama program baru (salah satu)"})
    elif program_id is not None and db.session.get(Program, program_id) is None:
        errors.append({"field": prefix + "program_id", "reason": f"program {program_id} tidak ditemukan"})
    if data.get("priority", 2) not in PRIORITY_WORDS:
        errors.append({"field": prefix + "priority",
                       "reason": "prioritas harus 1 (tinggi), 2 (sedang), atau 3 (rendah)"})
    out.update(opd_id=opd_id, employee_id=emp.id if emp else None, position_name=None if emp else position,
               people=1 if emp else people, gap=(data.get("gap") or "").strip(), kind=data.get("kind"),
               program_id=program_id, proposed_program_name=proposed, priority=data.get("priority", 2),
               reason=(data.get("reason") or "").strip())
    return out


def submit_need(year: int, *, source: str = "form", **data) -> dict:
    """One need into the year's open round (an operator: of their OPDs)."""
    r = _open_round(year)
    errors: list[dict] = []
    values = check_need(data, errors)
    if errors:
        raise Problem.invalid("Data kebutuhan tidak valid.", errors=errors)
    need = Need(round_id=r.id, source=source, status="submitted", **values)
    db.session.add(need)
    db.session.flush()
    audit.record("need.submit", "needs", need.id, after=audit.snapshot(need, NEED_FIELDS))
    return need_detail(need.id)


def add_rows(year: int, rows: list[dict], *, source: str) -> list[int]:
    """Needs already checked (an upload), in one flush, one audit entry for the lot."""
    r = _open_round(year)
    needs = [Need(round_id=r.id, source=source, status="submitted", **values) for values in rows]
    db.session.add_all(needs)
    db.session.flush()
    audit.record("need.upload", "needs_rounds", r.id, after={"year": year, "created": len(needs),
                                                             "need_ids": [n.id for n in needs]})
    return [n.id for n in needs]


def _need_query():
    return (sa.select(Need, NeedsRound.year, NeedsRound.status.label("round_status"), Opd.name.label("opd_name"),
                      Employee.nip, Employee.name.label("employee_name"), Program.code.label("program_code"),
                      Program.name.label("program_name"))
            .join(NeedsRound, NeedsRound.id == Need.round_id).join(Opd, Opd.id == Need.opd_id)
            .outerjoin(Employee, Employee.id == Need.employee_id).outerjoin(Program, Program.id == Need.program_id))


def _need_dict(row) -> dict:
    n = row.Need
    return {"id": n.id, "year": row.year, "round_status": row.round_status, "opd_id": n.opd_id,
            "opd_name": row.opd_name, "employee_id": n.employee_id, "employee_nip": row.nip,
            "employee_name": row.employee_name, "position_name": n.position_name, "people": n.people,
            "gap": n.gap, "kind": n.kind, "program_id": n.program_id, "program_code": row.program_code,
            "program_name": row.program_name, "proposed_program_name": n.proposed_program_name,
            "priority": n.priority, "reason": n.reason, "status": n.status, "note": n.note,
            "merged_into_id": n.merged_into_id, "source": n.source, "created_at": n.created_at,
            "decided_at": n.decided_at}


def _scope_clause():
    scope = current_scope()
    return [] if scope is None else [Need.opd_id.in_(scope)]


def need_detail(need_id: int) -> dict:
    row = db.session.execute(_need_query().where(Need.id == need_id, *_scope_clause())).one_or_none()
    if row is None:
        raise Problem.not_found(f"Kebutuhan {need_id} tidak ditemukan.")
    return _need_dict(row)


def list_needs(year: int, *, opd_id: int | None = None, status: str | None = None,
               program_id: int | None = None, limit: int = 200, offset: int = 0, cursor: str | None = None) -> Page:
    """A round's needs in the caller's scope, by OPD then priority (keyset paging by `cursor`)."""
    get_round(year)
    where = [NeedsRound.year == year, *_scope_clause()]
    if opd_id is not None:
        where.append(Need.opd_id == opd_id)
    if status:
        where.append(Need.status == status)
    if program_id is not None:
        where.append(Need.program_id == program_id)
    return paginate(_need_query().where(*where), limit=limit, offset=offset, cursor=cursor,
                    order_by=[Opd.name, Need.priority], tiebreak=Need.id, view=_need_dict,
                    count_rows=sa.select(Need.id).join(NeedsRound).where(*where))


def decide(need_id: int, *, decision: str, note: str | None = None, merged_into_id: int | None = None,
           program_id: int | None = None) -> dict:
    """BKPSDM's decision on a need: verify (optionally mapping a proposed program to a catalogue one), merge into
    another need of the round (with a note), or reject (with a note). A decided need may be decided again while
    the round is open."""
    require_bkpsdm("memverifikasi kebutuhan")
    need = db.session.execute(sa.select(Need).where(Need.id == need_id).with_for_update()).scalar_one_or_none()
    if need is None:
        raise Problem.not_found(f"Kebutuhan {need_id} tidak ditemukan.")
    r = db.session.get(NeedsRound, need.round_id)
    if r.status != "open":
        raise Problem.conflict(f"Putaran kebutuhan {r.year} sudah ditutup.", field="decision",
                               reason="putaran sudah ditutup")
    if db.session.execute(sa.select(sa.exists().where(Need.merged_into_id == need.id))).scalar() \
            and decision != "verify":
        raise Problem.conflict(field="decision", reason="kebutuhan lain sudah digabung ke kebutuhan ini")
    note = (note or "").strip() or None
    if decision not in DECISIONS:
        raise Problem.invalid(field="decision", reason="keputusan harus verify, merge, atau reject")
    if decision in ("merge", "reject") and not note:
        raise Problem.invalid(field="note", reason="catatan wajib diisi untuk menggabung atau menolak")
    before = audit.snapshot(need, ("status", "note", "merged_into_id", "program_id", "proposed_program_name"))
    if decision == "merge":
        target = db.session.get(Need, merged_into_id) if merged_into_id is not None else None
        if target is None or target.round_id != need.round_id or target.id == need.id:
            raise Problem.invalid(field="merged_into_id", reason="pilih kebutuhan lain dari putaran yang sama")
        if target.status in ("merged", "rejected"):
            raise Problem.invalid(field="merged_into_id", reason="kebutuhan tujuan sudah digabung atau ditolak")
        need.status, need.merged_into_id = "merged", target.id
    else:
        if program_id is not None:
            if db.session.get(Program, program_id) is None:
                raise Problem.invalid(field="program_id", reason=f"program {program_id} tidak ditemukan")
            need.program_id, need.proposed_program_name = program_id, None
        need.status, need.merged_into_id = ("verified" if decision == "verify" else "rejected"), None
    need.note, need.decided_at = note, datetime.now(UTC)
    db.session.flush()
    audit.record(f"need.{decision}", "needs", need.id, before=before,
                 after=audit.snapshot(need, ("status", "note", "merged_into_id", "program_id",
                                             "proposed_program_name")))
    return need_detail(need.id)


# --- verified needs: the ones that count ---------------------------------------------------------------------


def effective_needs(*, merged: bool = True):
    """The verified needs as a subquery, and (`merged`) the needs merged into a verified one, with its program:
    the person of a merged need still has that need (bulk enrolment, their page), but places count only the
    verified needs (a merged need is a duplicate of the one it joined). Columns: id, round_id, opd_id,
    employee_id, position_name, people, program_id."""
    target = sa.orm.aliased(Need)
    kept = Need.status == "verified"
    if merged:
        kept = sa.or_(kept, sa.and_(Need.status == "merged", target.status == "verified"))
    return (sa.select(Need.id, Need.round_id, Need.opd_id, Need.employee_id, Need.position_name, Need.people,
                      sa.func.coalesce(target.program_id, Need.program_id).label("program_id"))
            .outerjoin(target, target.id == Need.merged_into_id).where(kept)
            .subquery("effective_needs"))


# --- a person's needs ------------------------------------------------------------------------------------------


def needs_of_employee(employee_id: int) -> list[dict]:
    """A person's verified needs (their own, or of their position in their OPD) and whether they were trained
    for each: passed (or enrolled in) a cohort of the program in the round's year or later."""
    emp = db.session.get(Employee, employee_id)
    eff = effective_needs()
    mine = eff.c.employee_id == employee_id
    if emp is not None and emp.jabatan and emp.opd_id is not None:
        mine = sa.or_(mine, sa.and_(eff.c.employee_id.is_(None), eff.c.opd_id == emp.opd_id,
                                    sa.func.lower(eff.c.position_name) == emp.jabatan.lower()))
    counted = dict(db.session.execute(sa.select(eff.c.id, eff.c.program_id).where(mine)).all())
    rows = db.session.execute(_need_query().where(Need.id.in_(list(counted)))
                              .order_by(NeedsRound.year.desc(), Need.id)).all()
    out, seen = [], set()
    for row in sorted(rows, key=lambda r: (-r.year, r.Need.status != "verified", r.Need.id)):
        key = (row.year, counted[row.Need.id], row.Need.proposed_program_name)
        if key in seen:  # a need merged into this person's own: listed once
            continue
        seen.add(key)
        item = _need_dict(row)
        item["program_id"] = counted[row.Need.id]
        if item["program_id"] != row.Need.program_id:
            p = db.session.get(Program, item["program_id"])
            item["program_code"], item["program_name"] = p.code, p.name
        item["training"] = None
        if item["program_id"] is not None:
            best = db.session.execute(
                sa.select(Enrolment.status, Cohort.number, Cohort.year)
                .join(Cohort, Cohort.id == Enrolment.cohort_id)
                .where(Enrolment.employee_id == employee_id, Cohort.program_id == item["program_id"],
                       Cohort.year >= row.year, Enrolment.status != "withdrawn")
                .order_by((Enrolment.status == "passed").desc(), Cohort.year.desc()).limit(1)).one_or_none()
            if best is not None:
                from app.services.cohorts.schedule import cohort_label

                item["training"] = {"status": best.status,
                                    "cohort_label": cohort_label(item["program_code"], best.number, best.year)}
        item["trained"] = bool(item["training"] and item["training"]["status"] == "passed")
        out.append(item)
    return out


def verified_need_clause(program_id: int, year: int, employee=Employee) -> sa.ColumnElement[bool]:
    """`employee` has a verified need for `program_id` in the `year` round: their own, or their position's in
    their OPD (the position name matched case-insensitively). Used by bulk enrolment's `verified_need` filter."""
    eff = effective_needs()
    base = [eff.c.program_id == program_id,
            eff.c.round_id.in_(sa.select(NeedsRound.id).where(NeedsRound.year == year).scalar_subquery())]
    # Two EXISTS, not one with an OR: each is an equality the planner can hash (one pass over the needs).
    return sa.or_(
        sa.exists().where(*base, eff.c.employee_id == employee.id),
        sa.exists().where(*base, eff.c.employee_id.is_(None), eff.c.opd_id == employee.opd_id,
                          sa.func.lower(eff.c.position_name) == sa.func.lower(employee.jabatan)))

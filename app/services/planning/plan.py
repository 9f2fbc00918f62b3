"""The year's development plan and its budget: plan lines (a program, the places per OPD, the planned cohorts, the
ceiling), cohorts made from a line (linked to it), each cohort's ceiling and realised cost in parts, and the figures
of the plan page and its XLSX — needs, places planned, enrolled, passed, pagu, realised, cost per participant and
per JP — per program and per OPD.

Figures (docs/planning.md): needs are the people of the verified needs of the year's round (a merged need is a
duplicate of the one it joined); enrolled are the participants of the line's cohorts who have not withdrawn,
passed those who passed; realised is the sum of a cohort's cost parts; cost per participant = realised /
enrolled; cost per JP = realised / JP earned by the passes. An OPD's share of a cohort's cost is the cost times
its share of the cohort's participants."""

from __future__ import annotations

import math
from collections import defaultdict
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal

import sqlalchemy as sa

from app.extensions import db
from app.models.catalogue import Program
from app.models.cohorts import Cohort, Enrolment
from app.models.employees import Employee, Opd
from app.models.planning import COST_PARTS, CohortBudget, CohortPlanLink, NeedsRound, PlanLine, PlanLineOpd
from app.problems import Problem
from app.services.audit import log as audit
from app.services.catalogue.programs import insert_unique
from app.services.cohorts import schedule
from app.services.planning.needs import check_year, effective_needs, require_bkpsdm

COHORT_SIZE = 30  # places per planned cohort when the plan is built from needs
ZERO = Decimal(0)


def rupiah(value) -> Decimal:
    return Decimal(value or 0).quantize(Decimal(1), rounding=ROUND_HALF_UP)


# --- lines -----------------------------------------------------------------------------------------------------


def get_line(line_id: int, *, lock: bool = False) -> PlanLine:
    stmt = sa.select(PlanLine).where(PlanLine.id == line_id)
    line = db.session.execute(stmt.with_for_update() if lock else stmt).scalar_one_or_none()
    if line is None:
        raise Problem.not_found(f"Baris rencana {line_id} tidak ditemukan.")
    return line


def _places(line_id: int) -> dict[int, int]:
    return dict(db.session.execute(sa.select(PlanLineOpd.opd_id, PlanLineOpd.places)
                                   .where(PlanLineOpd.plan_line_id == line_id)).all())


def _line_snapshot(line: PlanLine) -> dict:
    return {**audit.snapshot(line, ("year", "program_id", "planned_cohorts", "pagu")),
            "places": {str(k): v for k, v in sorted(_places(line.id).items())}}


def _set_places(line: PlanLine, places: list[dict]) -> None:
    errors = []
    for i, p in enumerate(places):
        if db.session.get(Opd, p["opd_id"]) is None:
            errors.append({"field": f"places.{i}.opd_id", "reason": f"OPD {p['opd_id']} tidak ditemukan"})
        if p["places"] < 0:
            errors.append({"field": f"places.{i}.places", "reason": "jumlah kursi tidak boleh negatif"})
    if len({p["opd_id"] for p in places}) != len(places):
        errors.append({"field": "places", "reason": "satu OPD disebut lebih dari sekali"})
    if errors:
        raise Problem.invalid("Kursi per OPD tidak valid.", errors=errors)
    db.session.execute(sa.delete(PlanLineOpd).where(PlanLineOpd.plan_line_id == line.id))
    db.session.add_all([PlanLineOpd(plan_line_id=line.id, opd_id=p["opd_id"], places=p["places"]) for p in places])
    db.session.flush()


def _check_money(name: str, value, errors: list[dict]) -> None:
    if value is not None and Decimal(value) < 0:
        errors.append({"field": name, "reason": "tidak boleh negatif"})


def create_line(*, year: int, program_id: int, pagu=ZERO, planned_cohorts: int = 1,
                places: list[dict] = ()) -> dict:
    require_bkpsdm("menyusun rencana pengembangan")
    check_year(year)
    errors: list[dict] = []
    if db.session.get(Program, program_id) is None:
        errors.append({"field": "program_id", "reason": f"program {program_id} tidak ditemukan"})
    _check_money("pagu", pagu, errors)
    if planned_cohorts < 0:
        errors.append({"field": "planned_cohorts", "reason": "tidak boleh negatif"})
    if errors:
        raise Problem.invalid("Baris rencana tidak valid.", errors=errors)
    line = PlanLine(year=year, program_id=program_id, pagu=rupiah(pagu), planned_cohorts=planned_cohorts)
    insert_unique(line, Problem.conflict(field="program_id", reason=f"program ini sudah ada di rencana {year}"))
    _set_places(line, list(places))
    audit.record("plan_line.create", "plan_lines", line.id, after=_line_snapshot(line))
    return line_detail(line.id)


def update_line(line_id: int, *, pagu=None, planned_cohorts: int | None = None,
                places: list[dict] | None = None) -> dict:
    require_bkpsdm("mengubah rencana pengembangan")
    line = get_line(line_id, lock=True)
    before = _line_snapshot(line)
    errors: list[dict] = []
    _check_money("pagu", pagu, errors)
    if planned_cohorts is not None and planned_cohorts < 0:
        errors.append({"field": "planned_cohorts", "reason": "tidak boleh negatif"})
    if pagu is not None and not errors:
        allotted = _cohort_pagu_total(line.id)
        if rupiah(pagu) < allotted:
            errors.append({"field": "pagu",
                           "reason": f"di bawah pagu angkatan-angkatannya ({format_rupiah(allotted)})"})
    if errors:
        raise Problem.invalid("Baris rencana tidak valid.", errors=errors)
    if pagu is not None:
        line.pagu = rupiah(pagu)
    if planned_cohorts is not None:
        line.planned_cohorts = planned_cohorts
    if places is not None:
        _set_places(line, places)
    db.session.flush()
    audit.record("plan_line.update", "plan_lines", line.id, before=before, after=_line_snapshot(line))
    return line_detail(line.id)


def build_plan(year: int) -> dict:
    """Lines from the year's counted needs: one per catalogue program needed, the places per OPD = the people
    needing it. Existing lines keep their pagu and planned cohorts; their places follow the needs again."""
    require_bkpsdm("menyusun rencana pengembangan")
    check_year(year)
    r = db.session.execute(sa.select(NeedsRound).where(NeedsRound.year == year)).scalar_one_or_none()
    if r is None:
        raise Problem.not_found(f"Belum ada putaran kebutuhan pelatihan tahun {year}.")
    eff = effective_needs(merged=False)
    rows = db.session.execute(sa.select(eff.c.program_id, eff.c.opd_id, sa.func.sum(eff.c.people))
                              .where(eff.c.round_id == r.id, eff.c.program_id.is_not(None))
                              .group_by(eff.c.program_id, eff.c.opd_id)).all()
    wanted: dict[int, dict[int, int]] = defaultdict(dict)
    for program_id, opd_id, people in rows:
        wanted[program_id][opd_id] = int(people)
    lines = {line.program_id: line for line in db.session.execute(
        sa.select(PlanLine).where(PlanLine.year == year).with_for_update()).scalars()}
    created = updated = 0
    for program_id, by_opd in sorted(wanted.items()):
        line = lines.get(program_id)
        if line is None:
            line = PlanLine(year=year, program_id=program_id, pagu=ZERO,
                            planned_cohorts=max(1, math.ceil(sum(by_opd.values()) / COHORT_SIZE)))
            insert_unique(line, Problem.conflict(f"Rencana {year} sedang disusun oleh orang lain; coba lagi."))
            lines[program_id] = line
            created += 1
        else:
            updated += 1
        _set_places(line, [{"opd_id": o, "places": n} for o, n in sorted(by_opd.items())])
    for program_id, line in lines.items():  # a line whose needs are gone keeps no places from them
        if program_id not in wanted and _places(line.id):
            db.session.execute(sa.delete(PlanLineOpd).where(PlanLineOpd.plan_line_id == line.id))
            updated += 1
    db.session.flush()
    audit.record("plan.build", "plan_lines", None, after={"year": year, "created": created, "updated": updated,
                                                          "programs": sorted(wanted)})
    return {"year": year, "created": created, "updated": updated, "lines": len(lines)}


def line_detail(line_id: int) -> dict:
    line = get_line(line_id)
    program = db.session.get(Program, line.program_id)
    cohorts = db.session.execute(sa.select(CohortPlanLink.cohort_id).where(CohortPlanLink.plan_line_id == line.id)
                                 ).scalars().all()
    return {"id": line.id, "year": line.year, "program_id": line.program_id, "program_code": program.code,
            "program_name": program.name, "planned_cohorts": line.planned_cohorts, "pagu": line.pagu,
            "places": [{"opd_id": k, "places": v} for k, v in sorted(_places(line.id).items())],
            "cohort_ids": sorted(cohorts)}


# --- cohorts of a line and their budgets -----------------------------------------------------------------------


def _cohort_pagu_total(line_id: int, *, except_cohort: int | None = None) -> Decimal:
    stmt = (sa.select(sa.func.coalesce(sa.func.sum(CohortBudget.pagu), 0))
            .join(CohortPlanLink, CohortPlanLink.cohort_id == CohortBudget.cohort_id)
            .where(CohortPlanLink.plan_line_id == line_id))
    if except_cohort is not None:
        stmt = stmt.where(CohortBudget.cohort_id != except_cohort)
    return rupiah(db.session.execute(stmt).scalar_one())


def _check_cohort_pagu(line: PlanLine, cohort_id: int | None, pagu) -> None:
    if pagu is None:
        return
    if Decimal(pagu) < 0:
        raise Problem.invalid(field="pagu", reason="tidak boleh negatif")
    others = _cohort_pagu_total(line.id, except_cohort=cohort_id)
    if others + rupiah(pagu) > line.pagu:
        raise Problem.invalid(field="pagu", reason=f"melebihi sisa pagu baris rencana "
                                                   f"({format_rupiah(line.pagu - others)})")


def create_cohort(line_id: int, *, pagu=None, **cohort) -> dict:
    """A cohort of the line's program in the line's year, linked to the line, with its own ceiling."""
    require_bkpsdm("membuat angkatan dari rencana")
    line = get_line(line_id, lock=True)
    _check_cohort_pagu(line, None, pagu)
    out = schedule.create_cohort(program_id=line.program_id, year=line.year, **cohort)
    db.session.add(CohortPlanLink(cohort_id=out["id"], plan_line_id=line.id))
    db.session.add(CohortBudget(cohort_id=out["id"], pagu=None if pagu is None else rupiah(pagu)))
    db.session.flush()
    audit.record("plan_line.cohort_create", "cohort_plan_links", out["id"],
                 after={"cohort_id": out["id"], "plan_line_id": line.id, "pagu": pagu})
    return {**out, "plan_line_id": line.id, "budget": budget_of(out["id"])}


def link_cohort(line_id: int, cohort_id: int) -> dict:
    """Link an existing cohort of the line's program and year to the line (or move it from another line)."""
    require_bkpsdm("mengaitkan angkatan ke rencana")
    line = get_line(line_id, lock=True)
    cohort = schedule.get_cohort(cohort_id)
    if (cohort.program_id, cohort.year) != (line.program_id, line.year):
        raise Problem.invalid(field="cohort_id", reason="angkatan ini bukan program dan tahun baris rencana ini")
    link = db.session.get(CohortPlanLink, cohort_id)
    before = {"plan_line_id": link.plan_line_id} if link else None
    budget = db.session.get(CohortBudget, cohort_id)
    _check_cohort_pagu(line, cohort_id, budget.pagu if budget else None)
    if link is None:
        db.session.add(CohortPlanLink(cohort_id=cohort_id, plan_line_id=line.id))
    else:
        link.plan_line_id = line.id
    db.session.flush()
    audit.record("plan_line.cohort_link", "cohort_plan_links", cohort_id, before=before,
                 after={"plan_line_id": line.id})
    return line_detail(line.id)


def budget_of(cohort_id: int) -> dict:
    return _budget_out(cohort_id, db.session.get(CohortBudget, cohort_id))


def _budget_out(cohort_id: int, b: CohortBudget | None) -> dict:
    parts = {p: (getattr(b, p) if b else ZERO) for p in COST_PARTS}
    return {"cohort_id": cohort_id, "pagu": b.pagu if b else None, **parts, "realised": sum(parts.values(), ZERO),
            "cost_recorded_at": b.cost_recorded_at if b else None}


def cohort_plan(cohort_id: int) -> dict | None:
    """For the cohort's page: the plan line it was made for (year, id) and its budget; None when neither."""
    link = db.session.get(CohortPlanLink, cohort_id)
    b = db.session.get(CohortBudget, cohort_id)
    if link is None and b is None:
        return None
    line = db.session.get(PlanLine, link.plan_line_id) if link else None
    return {"plan_line_id": line.id if line else None, "year": line.year if line else None,
            "budget": _budget_out(cohort_id, b)}


def set_budget(cohort_id: int, **values) -> dict:
    """A cohort's ceiling and/or realised cost parts (whole rupiah, none negative; the ceiling within the line's)."""
    require_bkpsdm("mencatat anggaran angkatan")
    schedule.get_cohort(cohort_id)
    errors: list[dict] = []
    for name in ("pagu", *COST_PARTS):
        _check_money(name, values.get(name), errors)
    if errors:
        raise Problem.invalid("Anggaran tidak valid.", errors=errors)
    link = db.session.get(CohortPlanLink, cohort_id)
    if link is not None and "pagu" in values:
        _check_cohort_pagu(get_line(link.plan_line_id, lock=True), cohort_id, values["pagu"])
    b = db.session.get(CohortBudget, cohort_id, with_for_update=True)
    before = audit.snapshot(b, ("pagu", *COST_PARTS)) if b else None
    if b is None:
        b = CohortBudget(cohort_id=cohort_id)
        db.session.add(b)
    if "pagu" in values:
        b.pagu = None if values["pagu"] is None else rupiah(values["pagu"])
    for part in COST_PARTS:
        if values.get(part) is not None:
            setattr(b, part, rupiah(values[part]))
    if any(values.get(p) is not None for p in COST_PARTS):
        b.cost_recorded_at = datetime.now(UTC)
    db.session.flush()
    audit.record("cohort_budget.update", "cohort_budgets", cohort_id, before=before,
                 after=audit.snapshot(b, ("pagu", *COST_PARTS)))
    return budget_of(cohort_id)


# --- figures ---------------------------------------------------------------------------------------------------


def format_rupiah(value) -> str:
    """Rp 12.500.000 (whole rupiah, Indonesian thousands separator)."""
    if value is None:
        return "–"
    return "Rp " + f"{int(rupiah(value)):,}".replace(",", ".")


def _ratio(cost: Decimal, count) -> Decimal | None:
    return rupiah(cost / Decimal(count)) if count else None


def _cell() -> dict:
    return {"needs": 0, "places": 0, "enrolled": 0, "passed": 0, "jp": 0, "realised": ZERO}


def _finish(cell: dict) -> dict:
    cell["realised"] = rupiah(cell["realised"])
    cell["cost_per_participant"] = _ratio(cell["realised"], cell["enrolled"])
    cell["cost_per_jp"] = _ratio(cell["realised"], cell["jp"])
    return cell


def figures(year: int) -> dict:
    """The plan page's figures: per program (with its OPDs and cohorts), per OPD, and the year's totals."""
    check_year(year)
    programs = {p.id: p for p in db.session.execute(sa.select(Program)).scalars()}
    opds = dict(db.session.execute(sa.select(Opd.id, Opd.name)).all())
    lines = list(db.session.execute(sa.select(PlanLine).where(PlanLine.year == year)).scalars())
    line_of_program = {line.program_id: line for line in lines}
    program_of_line = {line.id: line.program_id for line in lines}
    cells: dict[int, dict[int, dict]] = defaultdict(lambda: defaultdict(_cell))  # program -> opd -> cell
    r = db.session.execute(sa.select(NeedsRound).where(NeedsRound.year == year)).scalar_one_or_none()
    if r is not None:
        eff = effective_needs(merged=False)
        for program_id, opd_id, people in db.session.execute(
                sa.select(eff.c.program_id, eff.c.opd_id, sa.func.sum(eff.c.people))
                .where(eff.c.round_id == r.id, eff.c.program_id.is_not(None))
                .group_by(eff.c.program_id, eff.c.opd_id)):
            cells[program_id][opd_id]["needs"] = int(people)
    for line_id, opd_id, places in db.session.execute(
            sa.select(PlanLineOpd.plan_line_id, PlanLineOpd.opd_id, PlanLineOpd.places)
            .join(PlanLine, PlanLine.id == PlanLineOpd.plan_line_id).where(PlanLine.year == year)):
        cells[program_of_line[line_id]][opd_id]["places"] = places
    links = db.session.execute(sa.select(CohortPlanLink.cohort_id, CohortPlanLink.plan_line_id, Cohort)
                               .join(Cohort, Cohort.id == CohortPlanLink.cohort_id)
                               .join(PlanLine, PlanLine.id == CohortPlanLink.plan_line_id)
                               .where(PlanLine.year == year).order_by(Cohort.number)).all()
    cohort_ids = [c for c, _, _ in links]
    per_cohort_opd = defaultdict(lambda: defaultdict(lambda: [0, 0, 0]))  # cohort -> opd -> [enrolled, passed, jp]
    if cohort_ids:
        for cohort_id, opd_id, enrolled, passed, jp in db.session.execute(
                sa.select(Enrolment.cohort_id, Employee.opd_id, sa.func.count(),
                          sa.func.count().filter(Enrolment.status == "passed"),
                          sa.func.coalesce(sa.func.sum(Enrolment.jp_earned), 0))
                .join(Employee, Employee.id == Enrolment.employee_id)
                .where(Enrolment.cohort_id.in_(cohort_ids), Enrolment.status != schedule.NOT_COUNTED)
                .group_by(Enrolment.cohort_id, Employee.opd_id)):
            per_cohort_opd[cohort_id][opd_id] = [enrolled, passed, int(jp)]
    budgets = {c: _budget_out(c, None) for c in cohort_ids}
    if cohort_ids:
        budgets |= {b.cohort_id: _budget_out(b.cohort_id, b) for b in db.session.execute(
            sa.select(CohortBudget).where(CohortBudget.cohort_id.in_(cohort_ids))).scalars()}
    cohorts_of_program = defaultdict(list)
    for cohort_id, _line_id, cohort in links:
        program = programs[cohort.program_id]
        by_opd = per_cohort_opd[cohort_id]
        enrolled = sum(v[0] for v in by_opd.values())
        b = budgets[cohort_id]
        for opd_id, (n, passed, jp) in by_opd.items():
            cell = cells[cohort.program_id][opd_id]
            cell["enrolled"] += n
            cell["passed"] += passed
            cell["jp"] += jp
            cell["realised"] += b["realised"] * n / enrolled if enrolled else ZERO
        passed = sum(v[1] for v in by_opd.values())
        jp = sum(v[2] for v in by_opd.values())
        cohorts_of_program[cohort.program_id].append({
            "id": cohort_id, "label": schedule.cohort_label(program.code, cohort.number, cohort.year),
            "quota": cohort.quota, "start_date": cohort.start_date, "end_date": cohort.end_date,
            "enrolled": enrolled, "passed": passed, "jp": jp, **{k: b[k] for k in ("pagu", *COST_PARTS)},
            "realised": b["realised"], "cost_per_participant": _ratio(b["realised"], enrolled),
            "cost_per_jp": _ratio(b["realised"], jp)})
    out_programs, by_opd_total = [], defaultdict(_cell)
    for program_id in sorted(set(cells) | set(line_of_program), key=lambda p: programs[p].name):
        program, line = programs[program_id], line_of_program.get(program_id)
        total = _cell()
        rows = []
        for opd_id, cell in sorted(cells[program_id].items(), key=lambda kv: opds.get(kv[0], "")):
            for k in total:
                total[k] += cell[k]
                by_opd_total[opd_id][k] += cell[k]
            rows.append({"opd_id": opd_id, "opd_name": opds.get(opd_id, ""), **_finish(dict(cell))})
        cohorts = cohorts_of_program[program_id]
        # a cohort's cost counts in full for its program, even before anyone is enrolled (OPD shares need people)
        total["realised"] = sum((c["realised"] for c in cohorts), ZERO)
        out_programs.append({
            "program_id": program_id, "program_code": program.code, "program_name": program.name,
            "program_jp": program.jp, "plan_line_id": line.id if line else None,
            "planned_cohorts": line.planned_cohorts if line else 0, "cohorts": cohorts,
            "pagu": line.pagu if line else ZERO,
            "cohort_pagu": rupiah(sum((c["pagu"] or ZERO for c in cohorts), ZERO)),
            **_finish(total), "opds": rows})
    totals = _cell()
    out_opds = []
    for opd_id, cell in sorted(by_opd_total.items(), key=lambda kv: opds.get(kv[0], "")):
        for k in totals:
            totals[k] += cell[k]
        out_opds.append({"opd_id": opd_id, "opd_name": opds.get(opd_id, ""), **_finish(dict(cell))})
    totals["realised"] = sum((p["realised"] for p in out_programs), ZERO)
    totals = _finish(totals)
    totals["pagu"] = rupiah(sum((p["pagu"] for p in out_programs), ZERO))
    totals["planned_cohorts"] = sum(p["planned_cohorts"] for p in out_programs)
    totals["cohorts"] = sum(len(p["cohorts"]) for p in out_programs)
    return {"year": year, "round": None if r is None else {"status": r.status, "deadline": r.deadline},
            "programs": out_programs, "opds": out_opds, "totals": totals}


SHEET_COLUMNS = [("tahun", "TAHUN"), ("program", "PROGRAM"), ("angkatan", "ANGKATAN"), ("opd", "OPD"),
                 ("kebutuhan", "KEBUTUHAN_ORANG"), ("kursi", "KURSI_RENCANA"),
                 ("angkatan_rencana", "ANGKATAN_RENCANA"), ("terdaftar", "TERDAFTAR"), ("lulus", "LULUS"),
                 ("jp", "JP_DICAPAI"), ("pagu", "PAGU_RP"), ("honorarium", "HONORARIUM_RP"), ("venue", "TEMPAT_RP"),
                 ("consumption", "KONSUMSI_RP"), ("partner_fee", "BIAYA_MITRA_RP"), ("realisasi", "REALISASI_RP"),
                 ("per_peserta", "BIAYA_PER_PESERTA_RP"), ("per_jp", "BIAYA_PER_JP_RP")]


def _money(value) -> int | None:
    return None if value is None else int(value)


def sheet_rows(year: int) -> list[dict]:
    """The plan and its realisation for the region's budget reports: per program a total line, its cohorts (with
    the cost parts) and its OPDs; then the OPD totals and the year's total."""
    f = figures(year)
    out = []

    def line(program: str, cohort: str, opd: str, c: dict, **extra) -> dict:
        return {"tahun": year, "program": program, "angkatan": cohort, "opd": opd, "kebutuhan": c.get("needs"),
                "kursi": c.get("places"), "terdaftar": c.get("enrolled"), "lulus": c.get("passed"),
                "jp": c.get("jp"), "realisasi": _money(c.get("realised")),
                "per_peserta": _money(c.get("cost_per_participant")), "per_jp": _money(c.get("cost_per_jp")),
                **extra}

    for p in f["programs"]:
        name = f"{p['program_code']} - {p['program_name']}"
        out.append(line(name, "SEMUA ANGKATAN", "SEMUA OPD", p, angkatan_rencana=p["planned_cohorts"],
                        pagu=_money(p["pagu"])))
        for c in p["cohorts"]:
            out.append(line(name, c["label"], "SEMUA OPD", {**c, "needs": None, "places": None},
                            pagu=_money(c["pagu"]), **{k: _money(c[k]) for k in COST_PARTS}))
        for o in p["opds"]:
            out.append(line(name, "SEMUA ANGKATAN", o["opd_name"], o))
    for o in f["opds"]:
        out.append(line("SEMUA PROGRAM", "SEMUA ANGKATAN", o["opd_name"], o))
    t = f["totals"]
    out.append(line("SEMUA PROGRAM", "SEMUA ANGKATAN", "SEMUA OPD", t, angkatan_rencana=t["planned_cohorts"],
                    pagu=_money(t["pagu"])))
    return out

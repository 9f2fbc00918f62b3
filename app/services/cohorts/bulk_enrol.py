"""Bulk enrolment: many people into one cohort in one action — a list of NIPs (pasted, or a CSV/XLSX file), or
people picked by filters — with a preview that says who will be enrolled and who is refused and why, then one
confirmation that enrols exactly what the preview showed (set-based: a few statements whatever the size).

The preview answers a `token` (a digest of the people it would enrol and of the cohort's seats); the
confirmation sends it back, and is refused (409) when the data changed meanwhile, so what is written is what the
person saw.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa

from app.domain.nip import NipError, clean_nip
from app.extensions import db
from app.models.catalogue import Program
from app.models.cohorts import Cohort, Enrolment
from app.models.employees import Employee
from app.problems import Problem
from app.services.audit import log as audit
from app.services.cohorts.schedule import NOT_COUNTED, cohort_label, get_cohort
from app.services.files import rows as cells
from app.services.files.readers import FileFormatError, open_table
from app.services.scope import employee_in_scope_clause, scoped
from app.signals import tenant_data_changed

MAX_PEOPLE = 10_000
NIP_COLUMNS = ("nip", "nip_baru", "no_nip")
_SPLIT = re.compile(r"[\s,;]+")

# Refusal codes and what the preview says (Indonesian).
REFUSALS = {
    "invalid_nip": "NIP tidak valid",
    "repeated": "disebut lebih dari sekali",
    "not_found": "pegawai tidak ditemukan",
    "inactive": "pegawai tidak aktif",
    "already_enrolled": "sudah terdaftar di angkatan ini",
    "not_eligible": "tidak memenuhi syarat",
    "over_quota": "melebihi kuota angkatan",
}


@dataclass
class Plan:
    cohort: Cohort
    program: Program
    enrol: list[dict] = field(default_factory=list)  # {employee_id, nip, name, opd_id, override?}
    refused: list[dict] = field(default_factory=list)  # {nip, name?, code, reason, rule?}
    quota: int | None = None
    taken: int = 0

    def token(self) -> str:
        text = f"{self.cohort.id}:{self.taken}:" + ",".join(str(p["employee_id"]) for p in self.enrol)
        return hashlib.sha256(text.encode()).hexdigest()[:32]

    def out(self) -> dict:
        counts = dict.fromkeys(REFUSALS, 0)
        for r in self.refused:
            counts[r["code"]] += 1
        return {"cohort_id": self.cohort.id,
                "cohort_label": cohort_label(self.program.code, self.cohort.number, self.cohort.year),
                "quota": self.quota, "enrolled_before": self.taken, "will_enrol": len(self.enrol),
                "refused_count": len(self.refused), "refused_by_reason": {k: v for k, v in counts.items() if v},
                "enrol": self.enrol, "refused": self.refused, "token": self.token()}


# --- reading the list ------------------------------------------------------------------------------------------


def nips_from_text(text: str) -> list[str]:
    """NIPs pasted one a line (or separated by spaces, commas, semicolons), as written."""
    return [t for t in _SPLIT.split(text or "") if t]


def nips_from_file(path: str | Path) -> list[str]:
    """The NIP column of a CSV or XLSX file (header NIP, NIP_BARU or NO_NIP), in file order."""
    with open_table(path) as reader:
        column = next((c for c in NIP_COLUMNS if c in reader.columns), None)
        if column is None:
            raise FileFormatError("missing_columns", "File harus punya kolom NIP.")
        out = []
        for row in reader.rows():
            value = row.values.get(column)
            out.append(value if isinstance(value, str | int | float) else cells.text(value))
            if len(out) > MAX_PEOPLE:
                raise FileFormatError("too_many_rows", f"Paling banyak {MAX_PEOPLE:,} NIP sekali daftar."
                                      .replace(",", "."))
        return out


# --- the plan --------------------------------------------------------------------------------------------------


def _employee_columns():
    return (Employee.id, Employee.nip, Employee.name, Employee.opd_id, Employee.active, Employee.employee_type,
            Employee.golongan, Employee.jabatan_kind)


def plan_for_nips(cohort_id: int, raw_nips: list, *, override_reason: str | None = None, lock: bool = False) -> Plan:
    """Classify a list of NIPs for this cohort (one query for the people, one for who is already in)."""
    if len(raw_nips) > MAX_PEOPLE:
        raise Problem.invalid(f"Paling banyak {MAX_PEOPLE} NIP sekali daftar.", field="nips",
                              reason=f"lebih dari {MAX_PEOPLE} NIP")
    if not raw_nips:
        raise Problem.invalid("Daftar NIP kosong.", field="nips", reason="wajib diisi")
    cohort = get_cohort(cohort_id, lock=lock)
    plan = Plan(cohort=cohort, program=db.session.get(Program, cohort.program_id))
    wanted: list[str] = []
    seen: set[str] = set()
    for raw in raw_nips:
        try:
            nip = clean_nip(raw)
        except NipError as exc:
            plan.refused.append({"nip": cells.text(raw), "code": "invalid_nip", "reason": exc.message})
            continue
        if len(nip) != 18:
            plan.refused.append({"nip": nip, "code": "invalid_nip", "reason": f"NIP harus 18 digit ({len(nip)})"})
        elif nip in seen:
            plan.refused.append({"nip": nip, "code": "repeated", "reason": REFUSALS["repeated"]})
        else:
            seen.add(nip)
            wanted.append(nip)
    people = {r.nip: r for r in db.session.execute(
        sa.select(*_employee_columns()).where(Employee.nip.in_(wanted), *scoped(employee_in_scope_clause())))}
    _classify(plan, [(nip, people.get(nip)) for nip in wanted], override_reason=override_reason)
    return plan


def plan_for_filters(cohort_id: int, *, opd_id: int | None = None, jabatan_kind: str | None = None,
                     golongan: list[str] | None = None, employee_type: str | None = None,
                     not_passed_program: bool = False, verified_need: bool = False,
                     override_reason: str | None = None, lock: bool = False) -> Plan:
    """The active people matching the filters (of the caller's OPDs), in name order, classified for this cohort.
    People already in the cohort are left out of a filter's pick (they are not a refusal of anything asked)."""
    cohort = get_cohort(cohort_id, lock=lock)
    plan = Plan(cohort=cohort, program=db.session.get(Program, cohort.program_id))
    where = _filter_where(cohort, opd_id=opd_id, jabatan_kind=jabatan_kind, golongan=golongan,
                          employee_type=employee_type, not_passed_program=not_passed_program,
                          verified_need=verified_need)
    rows = db.session.execute(sa.select(*_employee_columns()).where(*where)
                              .order_by(Employee.name_key, Employee.id).limit(MAX_PEOPLE + 1)).all()
    if len(rows) > MAX_PEOPLE:
        raise Problem.invalid(f"Saringan memilih lebih dari {MAX_PEOPLE} orang; persempit saringannya.",
                              field="filters", reason=f"lebih dari {MAX_PEOPLE} orang")
    _classify(plan, [(r.nip, r) for r in rows], override_reason=override_reason)
    return plan


def count_for_filters(cohort_id: int, **filters) -> int:
    """How many people `filters` pick (what decides whether their confirmation goes to a worker)."""
    cohort = get_cohort(cohort_id)
    return db.session.execute(sa.select(sa.func.count()).select_from(Employee)
                              .where(*_filter_where(cohort, **filters))).scalar_one()


def _filter_where(cohort: Cohort, *, opd_id: int | None = None, jabatan_kind: str | None = None,
                  golongan: list[str] | None = None, employee_type: str | None = None,
                  not_passed_program: bool = False, verified_need: bool = False) -> list:
    where = [Employee.active, *scoped(employee_in_scope_clause()),
             ~sa.exists().where(Enrolment.employee_id == Employee.id, Enrolment.cohort_id == cohort.id)]
    if opd_id is not None:
        where.append(Employee.opd_id == opd_id)
    if jabatan_kind:
        where.append(Employee.jabatan_kind == jabatan_kind)
    if golongan:
        where.append(Employee.golongan.in_(golongan))
    if employee_type:
        where.append(Employee.employee_type == employee_type)
    if not_passed_program:
        where.append(~sa.exists().where(
            Enrolment.employee_id == Employee.id, Enrolment.status == "passed",
            Enrolment.cohort_id.in_(sa.select(Cohort.id).where(Cohort.program_id == cohort.program_id))))
    if verified_need:  # a verified AKPK need for the cohort's program in the cohort's year (docs/planning.md)
        from app.services.planning.needs import verified_need_clause

        where.append(verified_need_clause(cohort.program_id, cohort.year))
    return where


def _classify(plan: Plan, people: list[tuple[str, object]], *, override_reason: str | None) -> None:
    from app.services.cohorts.eligibility import refusals_for

    cohort = plan.cohort
    found = [p for _, p in people if p is not None]
    already = set(db.session.execute(
        sa.select(Enrolment.employee_id).where(Enrolment.cohort_id == cohort.id,
                                               Enrolment.employee_id.in_([p.id for p in found]))).scalars()) \
        if found else set()
    plan.quota = cohort.quota
    plan.taken = db.session.execute(sa.select(sa.func.count()).select_from(Enrolment).where(
        Enrolment.cohort_id == cohort.id, Enrolment.status != NOT_COUNTED)).scalar_one()
    ineligible = refusals_for(plan.program, [p for p in found if p.id not in already and p.active])
    free = None if cohort.quota is None else max(cohort.quota - plan.taken, 0)
    for nip, p in people:
        if p is None:
            plan.refused.append({"nip": nip, "code": "not_found", "reason": REFUSALS["not_found"]})
            continue
        base = {"nip": nip, "name": p.name, "employee_id": p.id}
        if not p.active:
            plan.refused.append({**base, "code": "inactive", "reason": REFUSALS["inactive"]})
        elif p.id in already:
            plan.refused.append({**base, "code": "already_enrolled", "reason": REFUSALS["already_enrolled"]})
        elif p.id in ineligible and not override_reason:
            rule, why = ineligible[p.id]
            plan.refused.append({**base, "code": "not_eligible", "rule": rule,
                                 "reason": f"{REFUSALS['not_eligible']}: {why}"})
        elif free is not None and len(plan.enrol) >= free:
            plan.refused.append({**base, "code": "over_quota",
                                 "reason": f"{REFUSALS['over_quota']} ({cohort.quota} kursi)"})
        else:
            entry = {"employee_id": p.id, "nip": nip, "name": p.name, "opd_id": p.opd_id}
            if p.id in ineligible:
                entry["override"] = ineligible[p.id][0]
            plan.enrol.append(entry)


# --- confirming ------------------------------------------------------------------------------------------------


def confirm(plan: Plan, token: str | None, *, source: str, override_reason: str | None = None,
            actor: tuple[int | None, str | None] | None = None) -> dict:
    """Enrol what the plan says, in one INSERT, when `token` is the preview's (else 409); one audit entry with the
    list; returns the row report. `actor`: the person a job works for (default: the request's)."""
    if not token:
        raise Problem.invalid("Kirim token dari pratinjau untuk mengonfirmasi.", field="token", reason="wajib diisi")
    if token != plan.token():
        raise Problem.conflict("Data berubah sejak pratinjau (peserta atau kuota); lihat pratinjau lagi.",
                               errors=[{"field": "token", "reason": "pratinjau sudah tidak berlaku"}],
                               type_="bulk-preview-stale")
    now = datetime.now(UTC)
    ids: list[int] = []
    if plan.enrol:
        ids = list(db.session.execute(sa.text(
            "INSERT INTO enrolments (employee_id, cohort_id, status, status_changed_at) "
            "SELECT unnest(CAST(:people AS int[])), :cohort, 'registered', :now RETURNING id"),
            {"people": [p["employee_id"] for p in plan.enrol], "cohort": plan.cohort.id, "now": now}).scalars())
    overridden = [p["nip"] for p in plan.enrol if p.get("override")]
    audit.record("enrolment.bulk_create", "cohorts", plan.cohort.id, after={
        "cohort_id": plan.cohort.id, "source": source, "enrolled": len(ids),
        "nips": [p["nip"] for p in plan.enrol],
        "refused": [{"nip": r["nip"], "code": r["code"]} for r in plan.refused],
        **({"override_reason": override_reason, "overridden": overridden} if overridden else {})}, actor=actor)
    if overridden:
        audit.record("eligibility.override", "cohorts", plan.cohort.id,
                     after={"reason": override_reason, "nips": overridden,
                            "rules": sorted({p["override"] for p in plan.enrol if p.get("override")})}, actor=actor)
    if ids:
        tenant_data_changed.send(None, reason="enrolment.bulk_create")
    report = plan.out()
    report.update(enrolled=len(ids), enrolment_ids=ids, confirmed=True)
    return report


def run(cohort_id: int, *, nips: list | None = None, filters: dict | None = None, confirm_it: bool = False,
        token: str | None = None, override_reason: str | None = None, source: str = "api") -> dict:
    """Preview (default) or confirm a bulk enrolment of `nips` or of the people `filters` pick."""
    from app.services.cohorts.eligibility import require_override_right

    override_reason = require_override_right(override_reason)
    if (nips is None) == (filters is None):
        raise Problem.invalid("Kirim daftar NIP atau saringan (salah satu).", field="nips",
                              reason="isi nips, text, file, atau filters")
    if nips is not None:
        plan = plan_for_nips(cohort_id, nips, override_reason=override_reason, lock=confirm_it)
    else:
        plan = plan_for_filters(cohort_id, **filters, override_reason=override_reason, lock=confirm_it)
    if not confirm_it:
        return {**plan.out(), "enrolled": 0, "enrolment_ids": [], "confirmed": False}
    return confirm(plan, token, source=source if nips is not None else "filters", override_reason=override_reason)


def nips_from_upload(stream, filename: str) -> list:
    """The NIP column of an uploaded CSV/XLSX (spooled to a temporary file), or 422 saying what is wrong."""
    import tempfile

    suffix = ".xlsx" if (filename or "").lower().endswith(".xlsx") else ".csv"
    with tempfile.NamedTemporaryFile(suffix=suffix) as tmp:
        while chunk := stream.read(1 << 20):
            tmp.write(chunk)
        tmp.flush()
        try:
            return nips_from_file(tmp.name)
        except FileFormatError as exc:
            raise Problem.invalid(exc.message, field="file", reason=exc.message) from exc

"""Who may be enrolled in a cohort of a program: the program's eligibility rules, as data on the program
(`eligible_jabatan_kinds`, `eligible_employee_types`, `min_golongan`, `not_if_passed`; NULL / false = no rule).

Checked at every way in — a single enrolment, a bulk enrolment, an import, a reconciliation — by `refusals_for`
(set-based: one query for the "already passed" rule, whatever the number of people). A refusal names its rule.
An admin may override a refusal with a reason (`override_reason`), which is audited as `eligibility.override`.
"""

from __future__ import annotations

import sqlalchemy as sa

from app.domain.golongan import PNS_GOLONGAN
from app.extensions import db
from app.models.catalogue import Program
from app.models.cohorts import Cohort, Enrolment
from app.services.cohorts.schedule import cohort_label

RULES = {
    "jabatan_kind": "jenis jabatan",
    "employee_type": "jenis ASN (PNS/PPPK)",
    "min_golongan": "golongan minimal",
    "already_passed": "belum lulus program ini atau yang lebih tinggi",
}
# The leadership ladder: passing a higher one makes a lower one pointless (PKP < PKA < PKN).
LADDER = {"pkp": 1, "pka": 2, "pkn": 3}
_RANK = {g: i for i, g in enumerate(PNS_GOLONGAN)}
JABATAN_LABELS = {"jpt": "JPT", "administrator": "administrator", "pengawas": "pengawas", "fungsional": "fungsional",
                  "pelaksana": "pelaksana"}


def has_rules(program: Program) -> bool:
    return bool(program.eligible_jabatan_kinds or program.eligible_employee_types or program.min_golongan
                or program.not_if_passed)


def _passed_programs(program: Program, employee_ids: list[int]) -> dict[int, str]:
    """{employee id: label of the cohort of this program (or a higher one) they passed}."""
    rank = LADDER.get(program.program_type)
    same_or_higher = (Program.id == program.id) if rank is None else sa.or_(
        Program.id == program.id,
        Program.program_type.in_([t for t, r in LADDER.items() if r >= rank]))
    rows = db.session.execute(
        sa.select(Enrolment.employee_id, Program.code, Cohort.number, Cohort.year)
        .join(Cohort, Cohort.id == Enrolment.cohort_id).join(Program, Program.id == Cohort.program_id)
        .where(Enrolment.employee_id.in_(employee_ids), Enrolment.status == "passed", same_or_higher)
        .order_by(Enrolment.employee_id, Cohort.year.desc())).all()
    out: dict[int, str] = {}
    for r in rows:
        out.setdefault(r.employee_id, cohort_label(r.code, r.number, r.year))
    return out


def refusals_for(program: Program, people) -> dict[int, tuple[str, str]]:
    """{employee id: (rule code, why in Indonesian)} for the people (rows or objects with id, employee_type,
    golongan, jabatan_kind) this program's rules refuse; the first broken rule is named."""
    if not people or not has_rules(program):
        return {}
    out: dict[int, tuple[str, str]] = {}
    kinds = program.eligible_jabatan_kinds
    types = program.eligible_employee_types
    minimum = program.min_golongan
    for p in people:
        if kinds and p.jabatan_kind not in kinds:
            allowed = ", ".join(JABATAN_LABELS.get(k, k) for k in kinds)
            out[p.id] = ("jabatan_kind", f"{RULES['jabatan_kind']} harus {allowed}; pegawai ini "
                                         f"{JABATAN_LABELS.get(p.jabatan_kind, p.jabatan_kind or 'belum diisi')}")
        elif types and p.employee_type not in types:
            out[p.id] = ("employee_type", f"{RULES['employee_type']}: hanya {'/'.join(types)}; pegawai ini "
                                          f"{p.employee_type}")
        elif minimum and p.employee_type == "PNS" and _RANK.get(p.golongan or "", -1) < _RANK.get(minimum, 0):
            out[p.id] = ("min_golongan", f"{RULES['min_golongan']} {minimum}; pegawai ini "
                                         f"{p.golongan or 'belum diisi'}")
    if program.not_if_passed:
        rest = [p.id for p in people if p.id not in out]
        for employee_id, label in (_passed_programs(program, rest) if rest else {}).items():
            out[employee_id] = ("already_passed", f"sudah lulus {label}")
    return out


def require_override_right(override_reason: str | None) -> str | None:
    """The trimmed reason when an override is asked; only an admin may override (403 otherwise), and the reason
    is required (at least 5 characters)."""
    from flask import has_request_context
    from flask_login import current_user

    from app.problems import Problem

    if override_reason is None:
        return None
    reason = override_reason.strip()
    if len(reason) < 5:
        raise Problem.invalid("Alasan pengecualian syarat wajib diisi (minimal 5 huruf).", field="override_reason",
                              reason="wajib diisi")
    if has_request_context() and getattr(current_user, "role", None) != "admin":
        raise Problem.forbidden("Hanya admin yang boleh mengecualikan syarat peserta.")
    return reason


def check_one(program: Program, employee, *, override_reason: str | None, field: str) -> str | None:
    """Refuse (422 naming the rule) one person the program's rules refuse, unless an admin overrides: then the
    rule's code is returned (for the audit)."""
    from app.problems import Problem

    refusal = refusals_for(program, [employee]).get(employee.id)
    if refusal is None:
        return None
    rule, why = refusal
    if override_reason:
        return rule
    raise Problem.invalid(f"Pegawai {employee.nip} tidak memenuhi syarat {program.code}: {why}.",
                          errors=[{"field": field, "reason": f"tidak memenuhi syarat ({RULES[rule]}): {why}"}],
                          type_="not-eligible", rule=rule)


_GOLONGAN_ARRAY = "ARRAY[" + ", ".join(f"'{g}'" for g in PNS_GOLONGAN) + "]::text[]"
_LADDER_ARRAY = "ARRAY[" + ", ".join(f"'{t}'" for t, _ in sorted(LADDER.items(), key=lambda kv: kv[1])) + "]::text[]"


def refusal_sql(e: str = "e", p: str = "p") -> str:
    """SQL: the code of the first rule of program `p` that employee `e` breaks, or NULL — the same rules as
    `refusals_for`, for set-based ways in (imports, reconciliation)."""
    return (
        f"CASE WHEN {p}.eligible_jabatan_kinds IS NOT NULL "  # noqa: S608 - aliases and constants, no input
        f"          AND NOT coalesce({e}.jabatan_kind = ANY({p}.eligible_jabatan_kinds), false) "
        f"          THEN 'jabatan_kind' "
        f"     WHEN {p}.eligible_employee_types IS NOT NULL "
        f"          AND NOT coalesce({e}.employee_type = ANY({p}.eligible_employee_types), false) "
        f"          THEN 'employee_type' "
        f"     WHEN {p}.min_golongan IS NOT NULL AND {e}.employee_type = 'PNS' "
        f"          AND coalesce(array_position({_GOLONGAN_ARRAY}, {e}.golongan::text), 0) "
        f"              < array_position({_GOLONGAN_ARRAY}, {p}.min_golongan::text) THEN 'min_golongan' "
        f"     WHEN {p}.not_if_passed AND EXISTS ("
        f"          SELECT 1 FROM enrolments x JOIN cohorts xc ON xc.id = x.cohort_id "
        f"          JOIN programs xp ON xp.id = xc.program_id "
        f"          WHERE x.employee_id = {e}.id AND x.status = 'passed' AND (xp.id = {p}.id OR "
        f"                coalesce(array_position({_LADDER_ARRAY}, xp.program_type::text), 0) >= "
        f"                coalesce(array_position({_LADDER_ARRAY}, {p}.program_type::text), 99))) "
        f"          THEN 'already_passed' END")


def rule_label_sql(code_sql: str) -> str:
    """SQL: the Indonesian name of a rule code."""
    cases = " ".join(f"WHEN '{k}' THEN '{v}'" for k, v in RULES.items())
    return f"CASE {code_sql} {cases} END"

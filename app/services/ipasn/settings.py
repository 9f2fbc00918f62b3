"""What the region's admin keeps for IP ASN: the weights per year and post kind, the exemption keywords, and what
a program's passes count as (its mapping). Every change is audited and refreshes the rollups."""

from __future__ import annotations

import sqlalchemy as sa

from app.extensions import db
from app.models.catalogue import Program
from app.models.employees import JABATAN_KINDS
from app.models.ipasn import (
    ACTIVITY_KIND_SQL,
    DIMENSION_MAX,
    ITEMS,
    LEADERSHIP_LEVEL_SQL,
    IpasnExemption,
    IpasnWeight,
)
from app.problems import Problem
from app.services.audit import log as audit
from app.services.rollups import metrics as rollups

WEIGHT_FIELDS = ("year", "post_kind", *ITEMS, "source")
MIN_YEAR, MAX_YEAR = 2000, 2100


def _weight_dict(row: IpasnWeight, year: int | None = None) -> dict:
    return {"year": row.year, "post_kind": row.post_kind, "leadership": row.leadership,
            "functional": row.functional, "technical": row.technical, "seminar": row.seminar,
            "total": row.leadership + row.functional + row.technical + row.seminar, "source": row.source,
            "inherited": year is not None and row.year != year}


def weights_for(year: int) -> list[dict]:
    """The weights in force in `year` for each post kind: that year's row, or the latest earlier one
    (`inherited`: true)."""
    rows = db.session.execute(
        sa.select(IpasnWeight).where(IpasnWeight.year <= year)
        .order_by(IpasnWeight.post_kind, IpasnWeight.year.desc())).scalars()
    seen: dict[str, dict] = {}
    for row in rows:
        seen.setdefault(row.post_kind, _weight_dict(row, year))
    return [seen[k] for k in JABATAN_KINDS if k in seen]


def list_weights() -> list[dict]:
    rows = db.session.execute(sa.select(IpasnWeight).order_by(IpasnWeight.year, IpasnWeight.post_kind)).scalars()
    return [_weight_dict(r) for r in rows]


def set_weights(year: int, post_kind: str, *, leadership: int, functional: int, technical: int, seminar: int,
                source: str | None = None) -> dict:
    """Create or replace the weights of a post kind from `year` on."""
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise Problem.invalid(f"Tahun {year} tidak valid.", field="year",
                              reason=f"harus antara {MIN_YEAR} dan {MAX_YEAR}")
    if post_kind not in JABATAN_KINDS:
        raise Problem.invalid(f"Jenis jabatan tidak dikenal: {post_kind}.", field="post_kind",
                              reason=f"harus salah satu dari {JABATAN_KINDS}")
    values = {"leadership": leadership, "functional": functional, "technical": technical, "seminar": seminar}
    for name, value in values.items():
        if value < 0:
            raise Problem.invalid(f"Bobot {name} tidak boleh negatif.", field=name, reason="tidak boleh negatif")
    if sum(values.values()) > DIMENSION_MAX:
        raise Problem.invalid(f"Jumlah bobot {sum(values.values())} melebihi {DIMENSION_MAX} (dimensi kompetensi).",
                              field="seminar", reason=f"jumlah bobot paling banyak {DIMENSION_MAX}")
    row = db.session.get(IpasnWeight, (year, post_kind))
    before = audit.snapshot(row, WEIGHT_FIELDS) if row is not None else None
    if row is None:
        row = IpasnWeight(year=year, post_kind=post_kind)
        db.session.add(row)
    for name, value in values.items():
        setattr(row, name, value)
    row.source = source
    db.session.flush()
    audit.record("ipasn.weights.set", "ipasn_weights", f"{year}/{post_kind}", before=before,
                 after=audit.snapshot(row, WEIGHT_FIELDS))
    rollups.request_refresh()
    return _weight_dict(row)


def list_exemptions() -> list[IpasnExemption]:
    return list(db.session.execute(sa.select(IpasnExemption).order_by(IpasnExemption.keyword)).scalars())


def add_exemption(keyword: str) -> IpasnExemption:
    key = (keyword or "").strip().lower()
    if len(key) < 3:
        raise Problem.invalid("Kata kunci paling sedikit 3 huruf.", field="keyword", reason="terlalu pendek")
    exists = db.session.execute(sa.select(IpasnExemption).where(IpasnExemption.item == "functional",
                                                                IpasnExemption.keyword == key)).scalar_one_or_none()
    if exists is not None:
        raise Problem.conflict(f"Kata kunci {key} sudah ada.", field="keyword", reason="sudah ada")
    row = IpasnExemption(item="functional", keyword=key)
    db.session.add(row)
    db.session.flush()
    audit.record("ipasn.exemption.add", "ipasn_exemptions", row.id, after=audit.snapshot(row, ("item", "keyword")))
    rollups.request_refresh()
    return row


def delete_exemption(exemption_id: int) -> None:
    row = db.session.get(IpasnExemption, exemption_id)
    if row is None:
        raise Problem.not_found(f"Pengecualian {exemption_id} tidak ditemukan.")
    before = audit.snapshot(row, ("item", "keyword"))
    db.session.delete(row)
    db.session.flush()
    audit.record("ipasn.exemption.delete", "ipasn_exemptions", exemption_id, before=before)
    rollups.request_refresh()


MAPPING_FIELDS = ("activity_kind", "leadership_level")
_RELABEL_SQL = sa.text(
    f"UPDATE jp_entries j SET activity_kind = {ACTIVITY_KIND_SQL}, "  # noqa: S608 - constants
    f"leadership_level = CASE WHEN {ACTIVITY_KIND_SQL} = 'leadership' THEN {LEADERSHIP_LEVEL_SQL} END "
    "FROM enrolments e "
    "JOIN cohorts c ON c.id = e.cohort_id JOIN programs p ON p.id = c.program_id "
    "WHERE e.id = j.enrolment_id AND p.id = :program_id"
)


def set_program_mapping(program_id: int, *, activity_kind: str | None, leadership_level: str | None) -> dict:
    """Say what a program's passes count as (NULL: from its type); its existing cohort lines follow."""
    program = db.session.get(Program, program_id)
    if program is None:
        raise Problem.not_found(f"Program {program_id} tidak ditemukan.")
    if leadership_level and activity_kind not in (None, "leadership"):
        raise Problem.invalid("Jenjang kepemimpinan hanya untuk pelatihan kepemimpinan.", field="leadership_level",
                              reason="hanya untuk activity_kind leadership")
    before = audit.snapshot(program, MAPPING_FIELDS)
    program.activity_kind, program.leadership_level = activity_kind, leadership_level
    db.session.flush()
    relabelled = db.session.execute(_RELABEL_SQL, {"program_id": program_id}).rowcount
    audit.record("ipasn.program.map", "programs", program_id, before=before,
                 after=audit.snapshot(program, MAPPING_FIELDS))
    rollups.request_refresh()
    return {"program_id": program.id, "code": program.code, "activity_kind": program.activity_kind,
            "leadership_level": program.leadership_level, "lines_relabelled": relabelled}

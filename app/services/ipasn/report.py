"""The IP ASN competency reports: a region's (or an OPD's) year in one statement — overall figures, per OPD, per
post kind, the score distribution and the shortest path to raise the average (the people one missing item away);
the people list (who lacks what, with the evidence of what they have); one person's items; the rollup figures.

An OPD-scoped operator's reports cover only their OPDs (app.services.scope).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from decimal import Decimal

import sqlalchemy as sa

from app.extensions import db
from app.models.employees import Employee, JpEntry
from app.models.ipasn import ITEMS
from app.problems import Problem
from app.services.ipasn.items import AGGREGATES_SQL, MISSING_ITEM_SQL, TECHNICAL_MIN_JP, assessment_sql
from app.services.reports.compliance import get_opd
from app.services.scope import current_scope, opd_in_scope

PEOPLE_COLUMNS = (
    ("nip", "NIP"), ("name", "Nama"), ("opd_name", "OPD"), ("jabatan", "Jabatan"), ("post_kind", "Jenis jabatan"),
    ("score", "Skor kompetensi"), ("max_score", "Skor maksimum"), ("missing", "Butir belum terpenuhi"),
    ("leadership", "Kepemimpinan"), ("functional", "Fungsional"), ("technical", "Teknis"),
    ("technical_jp", "JP teknis"), ("seminar", "Seminar/workshop"), ("lacks", "Kurang"),
    ("evidence", "Bukti (ID baris JP)"),
)
OPD_COLUMNS = (
    ("opd_name", "OPD"), ("assessed", "ASN dinilai"), ("average_score", "Rata-rata skor"),
    ("leadership_due", "Wajib kepemimpinan"), ("leadership_met", "Memenuhi kepemimpinan"),
    ("functional_due", "Wajib fungsional"), ("functional_met", "Memenuhi fungsional"),
    ("technical_due", "Wajib teknis"), ("technical_met", "Memenuhi teknis"),
    ("seminar_due", "Wajib seminar"), ("seminar_met", "Memenuhi seminar"),
    ("complete", "Semua butir terpenuhi"), ("one_away", "Kurang satu butir"),
)
STATUS_WORDS = {"met": "terpenuhi", "exempt": "dikecualikan", "missing": "belum", "n/a": "tidak berlaku"}


_NO_JIT = sa.text("SET LOCAL jit = off")


def _no_jit() -> None:
    """These statements are large but quick: PostgreSQL's JIT would spend longer compiling them (~0.3 s at 100k
    ASN) than they take to run. For this transaction only."""
    db.session.execute(_NO_JIT)


def _opd_ids(opd_id: int | None) -> list[int] | None:
    """The OPDs a report covers: the one asked (checked against the caller's scope), the caller's, or None (all)."""
    if opd_id is not None:
        get_opd(opd_id)  # 404 outside the scope
        return [opd_id]
    return current_scope()


def _numbers(row: dict) -> dict:
    out = {}
    for key, value in row.items():
        if isinstance(value, float) and key != "average_score":
            value = int(value) if value.is_integer() else value
        out[key] = value
    return out


def _shares(agg: dict) -> dict:
    agg = _numbers(agg)
    for item in ITEMS:
        due, met = agg.get(f"{item}_due") or 0, agg.get(f"{item}_met") or 0
        agg[f"{item}_share"] = round(100.0 * met / due, 1) if due else None
    assessed = agg.get("assessed") or 0
    agg["average_score"] = float(agg["average_score"]) if agg.get("average_score") is not None else None
    # if every person one item away got it, the average would rise by this much
    agg["one_away_average_gain"] = round(agg.get("one_away_gain", 0) / assessed, 2) if assessed else None
    return agg


_REPORT = """
, opd_agg AS (
    SELECT s.opd_id, o.name AS opd_name, {agg} FROM scored s LEFT JOIN opds o ON o.id = s.opd_id
    GROUP BY s.opd_id, o.name
), kind_agg AS (SELECT post_kind, {agg} FROM scored GROUP BY post_kind)
SELECT json_build_object(
    'overall', (SELECT row_to_json(t) FROM (SELECT {agg} FROM scored) t),
    'opds', (SELECT coalesce(json_agg(t ORDER BY t.opd_name NULLS LAST, t.opd_id), '[]') FROM opd_agg t),
    'post_kinds', (SELECT coalesce(json_agg(t ORDER BY t.post_kind), '[]') FROM kind_agg t),
    'distribution', (SELECT coalesce(json_agg(t ORDER BY t.score), '[]')
                     FROM (SELECT score, count(*) AS people FROM scored GROUP BY score) t),
    'one_away', (SELECT coalesce(json_agg(t ORDER BY t.gain DESC, t.item), '[]')
                 FROM (SELECT {missing} AS item, count(*) AS people, sum(max_score - score) AS gain
                       FROM scored WHERE missing = 1 GROUP BY 1) t)
)"""


def region_report(year: int, *, opd_id: int | None = None) -> dict:
    """The year's competency dimension of the region (or of one OPD): ONE statement over every assessed ASN."""
    opd_ids = _opd_ids(opd_id)
    sql = assessment_sql(opd_ids=opd_ids is not None, evidence=False) + _REPORT.format(agg=AGGREGATES_SQL,
                                                                                      missing=MISSING_ITEM_SQL)
    params: dict = {"year": year}
    if opd_ids is not None:
        params["opd_ids"] = opd_ids
    _no_jit()
    data = db.session.execute(sa.text(sql), params).scalar_one()
    if isinstance(data, str):
        data = json.loads(data)
    assessed = data["overall"]["assessed"] or 0
    for entry in data["one_away"]:
        entry["average_gain"] = round(entry["gain"] / assessed, 2) if assessed else None
    return {"year": year, "opd_id": opd_id, "technical_min_jp": TECHNICAL_MIN_JP,
            "overall": _shares(data["overall"]), "opds": [_shares(o) for o in data["opds"]],
            "post_kinds": [_shares(k) for k in data["post_kinds"]], "distribution": data["distribution"],
            "one_away": data["one_away"]}


def _status(due: bool, met: bool, exempt: str | None = None) -> str:
    if not due:
        return "n/a"
    if exempt:
        return "exempt"
    return "met" if met else "missing"


def _person(row) -> dict:
    m = row._mapping
    items = {
        "leadership": {"status": _status(m["leadership_due"], m["leadership_met"]), "weight": m["w_leadership"],
                       "required_level": m["leadership_required"], "level": m["leadership_level"],
                       "evidence": _evidence(m["leadership_id"], m["leadership_enrolment_id"])
                       if m["leadership_id"] else []},
        "functional": {"status": _status(m["functional_due"], m["functional_met"], m["functional_exempt"]),
                       "weight": m["w_functional"], "exempt_keyword": m["functional_exempt"],
                       "evidence": _evidence(m["functional_id"]) if m["functional_id"] else []},
        "technical": {"status": _status(m["technical_due"], m["technical_met"]), "weight": m["w_technical"],
                      "jp": int(m["technical_jp"]), "required_jp": TECHNICAL_MIN_JP,
                      "evidence": [e for i in (m["technical_ids"] or []) for e in _evidence(i)]},
        "seminar": {"status": _status(m["seminar_due"], m["seminar_met"]), "weight": m["w_seminar"],
                    "evidence": _evidence(m["seminar_id"]) if m["seminar_id"] else []},
    }
    return {"employee_id": m["employee_id"], "nip": m["nip"], "name": m["name"], "opd_id": m["opd_id"],
            "opd_name": m["opd_name"], "jabatan": m["jabatan"], "post_kind": m["post_kind"],
            "score": int(m["score"]), "max_score": int(m["max_score"]), "missing": int(m["missing"]),
            "lacks": [name for name, item in items.items() if item["status"] == "missing"], "items": items}


def _evidence(jp_entry_id: int, enrolment_id: int | None = None) -> list[dict]:
    """Filled with the line's title and enrolment by `_with_titles` (one query per page)."""
    return [{"jp_entry_id": jp_entry_id, "enrolment_id": enrolment_id}]


def _with_titles(people: list[dict]) -> list[dict]:
    ids = {e["jp_entry_id"] for p in people for item in p["items"].values() for e in item["evidence"]}
    if not ids:
        return people
    lines = {r.id: r for r in db.session.execute(
        sa.select(JpEntry.id, JpEntry.enrolment_id, JpEntry.submission_id, JpEntry.title, JpEntry.year, JpEntry.jp,
                  JpEntry.source)
        .where(JpEntry.id.in_(ids)))}
    for person in people:
        for item in person["items"].values():
            for e in item["evidence"]:
                line = lines[e["jp_entry_id"]]
                e.update(enrolment_id=line.enrolment_id, submission_id=line.submission_id, title=line.title,
                         year=line.year, jp=line.jp, source=line.source)
    return people


_PEOPLE = """
SELECT s.*, e.nip, e.name, e.jabatan, o.name AS opd_name FROM scored s
JOIN employees e ON e.id = s.employee_id LEFT JOIN opds o ON o.id = s.opd_id
WHERE true {where}
ORDER BY {order}
"""
_COUNT = "SELECT count(*) FROM scored s WHERE true {where}"


def _people_filter(missing: str | None, one_away: bool) -> str:
    where = ""
    if missing:
        where += f" AND s.{missing}_due AND NOT s.{missing}_met"  # missing: one of ITEMS (checked by the schema)
    if one_away:
        where += " AND s.missing = 1"
    return where


def _check_item(missing: str | None) -> None:
    if missing is not None and missing not in ITEMS:
        raise Problem.invalid(f"Butir tidak dikenal: {missing}.", field="missing",
                              reason=f"harus salah satu dari {ITEMS}")


def people(year: int, *, opd_id: int | None = None, missing: str | None = None, one_away: bool = False,
           limit: int = 50, offset: int = 0) -> dict:
    """Who lacks what: the assessed ASN (filtered: lacking an item, one item away), the ones one item away with
    the largest gain first, then by name; each with their four items and the evidence."""
    _check_item(missing)
    opd_ids = _opd_ids(opd_id)
    base = assessment_sql(opd_ids=opd_ids is not None)
    params: dict = {"year": year, "limit": limit, "offset": offset}
    if opd_ids is not None:
        params["opd_ids"] = opd_ids
    where = _people_filter(missing, one_away)
    order = "(s.missing = 1) DESC, (s.max_score - s.score) DESC, e.name_key, e.id LIMIT :limit OFFSET :offset"
    _no_jit()
    rows = db.session.execute(sa.text(base + _PEOPLE.format(where=where, order=order)), params).all()
    count_base = assessment_sql(opd_ids=opd_ids is not None, evidence=False)
    total = db.session.execute(sa.text(count_base + _COUNT.format(where=where)), params).scalar_one()
    return {"year": year, "items": _with_titles([_person(r) for r in rows]), "total": total, "limit": limit,
            "offset": offset}


def iter_people_rows(year: int, *, opd_id: int | None = None, missing: str | None = None,
                     one_away: bool = False) -> Iterator[dict]:
    """Every assessed ASN as a flat row (CSV/XLSX), ordered by OPD then name."""
    _check_item(missing)
    opd_ids = _opd_ids(opd_id)
    params: dict = {"year": year}
    if opd_ids is not None:
        params["opd_ids"] = opd_ids
    sql = assessment_sql(opd_ids=opd_ids is not None) + _PEOPLE.format(
        where=_people_filter(missing, one_away), order="o.name NULLS LAST, e.name_key, e.id")
    _no_jit()
    result = db.session.execute(sa.text(sql).execution_options(yield_per=2000), params)
    for row in result:
        person = _person(row)
        flat = {k: person[k] for k in ("nip", "name", "opd_name", "jabatan", "post_kind", "score", "max_score",
                                       "missing")}
        for item, data in person["items"].items():
            flat[item] = STATUS_WORDS[data["status"]]
        flat["technical_jp"] = person["items"]["technical"]["jp"]
        flat["lacks"] = ", ".join(person["lacks"])
        flat["evidence"] = "; ".join(f"{item}: {','.join(str(e['jp_entry_id']) for e in data['evidence'])}"
                                     for item, data in person["items"].items() if data["evidence"])
        yield flat


def opd_rows(year: int, *, opd_id: int | None = None) -> list[dict]:
    report = region_report(year, opd_id=opd_id)
    return [{**o, "opd_name": o["opd_name"] or "(tanpa OPD)"} for o in report["opds"]]


def person_items(employee: Employee, year: int, *, scoped: bool = True) -> dict | None:
    """One person's four items for the year (None: not assessed — inactive, or no jabatan kind). `scoped=False`
    for one's own record (no OPD scope applies)."""
    if scoped and not opd_in_scope(employee.opd_id):
        return None
    sql = assessment_sql(employee=True) + _PEOPLE.format(where="", order="s.employee_id")
    row = db.session.execute(sa.text(sql), {"year": year, "employee_id": employee.id}).first()
    return _with_titles([_person(row)])[0] if row is not None else None


def rollup_figures(years: list[int]) -> list[tuple[int, str, Decimal]]:
    """The rollups' IP ASN figures per year (counts and the score total over the year's snapshot; aggregates
    only): `ipasn_<aggregate>` metrics (app.services.rollups.metrics.IPASN_METRICS)."""
    from app.services.rollups.metrics import IPASN_METRICS

    # ONE statement for every year: the assessment, correlated to each year of the list
    inner = assessment_sql(population="snapshot", evidence=False).replace(":year", "y.year")
    sql = sa.text(f"SELECT y.year, agg.* FROM unnest(CAST(:years AS int[])) AS y(year) "  # noqa: S608 - constants
                  f"CROSS JOIN LATERAL ({inner} SELECT {AGGREGATES_SQL} FROM scored) agg")
    out: list[tuple[int, str, Decimal]] = []
    _no_jit()
    for row in db.session.execute(sql, {"years": list(years)}):
        for metric in IPASN_METRICS:
            out.append((row.year, metric, Decimal(row._mapping[metric.removeprefix("ipasn_")] or 0)))
    return out

"""The IP ASN competency dimension per ASN and year: its four items computed from the JP ledger, set-based.

One statement assesses every ASN of a region (or of an OPD, or one person) for a year (`assessment_sql`): the
weights in force (the latest `ipasn_weights` row of each post kind at or before the year), the ledger grouped by
employee once, the best leadership level passed, and the exemption keywords. For each person and item it gives
whether the item is due (its weight for the post kind is above 0), met, and the evidence (JP ledger line ids; a
cohort line also names its enrolment). Nothing loops over people in Python.

The items (docs/ipasn.md):
- leadership: a passed leadership line (program mapping: PKN, PKA, PKP) up to the year, of the level of the post
  held or higher (JPT: PKN; administrator: PKA; pengawas: PKP);
- functional: a functional line up to the year, or an exemption keyword in the jabatan (dokter, guru, ...);
- technical: at least 20 JP of technical lines in the year;
- seminar: a seminar/workshop line in the year.
Score = the sum of the weights of the due items met (out of the post kind's weights, at most 40).
"""

from __future__ import annotations

TECHNICAL_MIN_JP = 20
ITEM_LABELS = {"leadership": "Pelatihan kepemimpinan", "functional": "Pelatihan fungsional",
               "technical": "Pelatihan teknis (min. 20 JP)", "seminar": "Seminar/workshop"}

# Who is assessed: active ASN with a jabatan kind (today's employees), or the year's snapshot (the rollups' rule).
_ACTIVE = ("SELECT e.id AS employee_id, e.opd_id, e.jabatan, e.jabatan_kind AS post_kind FROM employees e "
           "WHERE e.active AND e.jabatan_kind IS NOT NULL {where}")
_SNAPSHOT = ("SELECT s.employee_id, s.opd_id, e.jabatan, s.jabatan_kind AS post_kind FROM asn_year_snapshots s "
             "JOIN employees e ON e.id = s.employee_id WHERE s.year = :year AND s.jabatan_kind IS NOT NULL {where}")

_CTE = """
w AS (
    SELECT DISTINCT ON (post_kind) post_kind, leadership, functional, technical, seminar
    FROM ipasn_weights WHERE year <= :year ORDER BY post_kind, year DESC
), people AS ({population}), lines AS (
    -- read from ix_jp_entries_activity_kind_year alone: the year's technical and seminar lines, every functional one
    SELECT j.employee_id,
           sum(j.jp) FILTER (WHERE j.activity_kind = 'technical') AS technical_jp,
           {technical_ids} AS technical_ids,
           min(j.id) FILTER (WHERE j.activity_kind = 'seminar') AS seminar_id,
           min(j.id) FILTER (WHERE j.activity_kind = 'functional') AS functional_id
    FROM (
        SELECT j.employee_id, j.activity_kind, j.jp, j.id FROM jp_entries j
        WHERE j.activity_kind IN ('technical', 'seminar') AND j.year = :year {lines_where}
        UNION ALL
        SELECT j.employee_id, j.activity_kind, j.jp, j.id FROM jp_entries j
        WHERE j.activity_kind = 'functional' AND j.year <= :year {lines_where}
    ) j
    GROUP BY j.employee_id
), lead AS (
    -- the leadership lines, from the same index: their level is on the line (set with its activity kind)
    SELECT DISTINCT ON (j.employee_id) j.employee_id, j.id AS leadership_id,
           j.enrolment_id AS leadership_enrolment_id, j.leadership_level,
           CASE j.leadership_level WHEN 'PKN' THEN 3 WHEN 'PKA' THEN 2 WHEN 'PKP' THEN 1 ELSE 0 END
               AS leadership_rank
    FROM jp_entries j
    WHERE j.activity_kind = 'leadership' AND j.year <= :year {lines_where}
    ORDER BY j.employee_id, leadership_rank DESC, j.id
), a AS (
    SELECT pe.employee_id, pe.opd_id, pe.post_kind,
           w.leadership AS w_leadership, w.functional AS w_functional, w.technical AS w_technical,
           w.seminar AS w_seminar,
           CASE pe.post_kind WHEN 'jpt' THEN 'PKN' WHEN 'administrator' THEN 'PKA' WHEN 'pengawas' THEN 'PKP' END
               AS leadership_required,
           l.leadership_id, l.leadership_enrolment_id, l.leadership_level,
           coalesce(l.leadership_rank, 0) >= CASE pe.post_kind WHEN 'jpt' THEN 3 WHEN 'administrator' THEN 2
               WHEN 'pengawas' THEN 1 ELSE 99 END AS leadership_met,
           x.keyword AS functional_exempt, s.functional_id,
           coalesce(s.technical_jp, 0) AS technical_jp, s.technical_ids, s.seminar_id
    FROM people pe JOIN w ON w.post_kind = pe.post_kind
    LEFT JOIN lines s ON s.employee_id = pe.employee_id
    LEFT JOIN lead l ON l.employee_id = pe.employee_id
    LEFT JOIN LATERAL (
        SELECT x.keyword FROM ipasn_exemptions x
        WHERE x.item = 'functional' AND w.functional > 0 AND strpos(lower(pe.jabatan), x.keyword) > 0
        ORDER BY x.keyword LIMIT 1
    ) x ON true
), r AS (
    SELECT a.*,
           a.w_leadership > 0 AS leadership_due,
           a.w_functional > 0 AS functional_due,
           (a.functional_exempt IS NOT NULL OR a.functional_id IS NOT NULL) AS functional_met,
           a.w_technical > 0 AS technical_due, a.technical_jp >= {technical_min} AS technical_met,
           a.w_seminar > 0 AS seminar_due, a.seminar_id IS NOT NULL AS seminar_met
    FROM a
), scored AS (
    SELECT r.*,
           CASE WHEN leadership_due AND leadership_met THEN w_leadership ELSE 0 END
           + CASE WHEN functional_due AND functional_met THEN w_functional ELSE 0 END
           + CASE WHEN technical_due AND technical_met THEN w_technical ELSE 0 END
           + CASE WHEN seminar_due AND seminar_met THEN w_seminar ELSE 0 END AS score,
           w_leadership + w_functional + w_technical + w_seminar AS max_score,
           (leadership_due AND NOT leadership_met)::int + (functional_due AND NOT functional_met)::int
           + (technical_due AND NOT technical_met)::int + (seminar_due AND NOT seminar_met)::int AS missing
    FROM r
)"""

# Aggregates over `scored` (a region, an OPD, a post kind): counts only.
AGGREGATES_SQL = """
count(*) AS assessed, coalesce(sum(score), 0) AS score_total, round(avg(score), 2) AS average_score,
count(*) FILTER (WHERE leadership_due) AS leadership_due,
count(*) FILTER (WHERE leadership_due AND leadership_met) AS leadership_met,
count(*) FILTER (WHERE functional_due) AS functional_due,
count(*) FILTER (WHERE functional_due AND functional_met) AS functional_met,
count(*) FILTER (WHERE functional_due AND functional_exempt IS NOT NULL) AS functional_exempt,
count(*) FILTER (WHERE technical_due) AS technical_due,
count(*) FILTER (WHERE technical_due AND technical_met) AS technical_met,
count(*) FILTER (WHERE seminar_due) AS seminar_due,
count(*) FILTER (WHERE seminar_due AND seminar_met) AS seminar_met,
count(*) FILTER (WHERE missing = 0) AS complete,
count(*) FILTER (WHERE missing = 1) AS one_away,
coalesce(sum(max_score - score) FILTER (WHERE missing = 1), 0) AS one_away_gain"""

# The one item a person one item away lacks.
MISSING_ITEM_SQL = ("CASE WHEN leadership_due AND NOT leadership_met THEN 'leadership' "
                    "WHEN functional_due AND NOT functional_met THEN 'functional' "
                    "WHEN technical_due AND NOT technical_met THEN 'technical' "
                    "WHEN seminar_due AND NOT seminar_met THEN 'seminar' END")


def assessment_sql(*, population: str = "active", opd_ids: bool = False, employee: bool = False,
                   evidence: bool = True) -> str:
    """`WITH ... scored AS (...)`: one row per assessed ASN. Parameters: :year; :opd_ids (a list) when `opd_ids`;
    :employee_id when `employee`. `population` is "active" (today's active ASN) or "snapshot" (the year's).
    Without `evidence` (aggregates only) the technical lines' ids are not collected (technical_ids is NULL)."""
    where = ""
    if opd_ids:
        where += " AND {alias}.opd_id = ANY(:opd_ids)"
    if employee:
        where += " AND {alias}.employee_id = :employee_id" if population == "snapshot" else " AND e.id = :employee_id"
    alias = "s" if population == "snapshot" else "e"
    template = _SNAPSHOT if population == "snapshot" else _ACTIVE
    people = template.format(where=where.format(alias=alias))
    lines_where = " AND j.employee_id = :employee_id" if employee else ""
    technical_ids = ("array_agg(j.id ORDER BY j.id) FILTER (WHERE j.activity_kind = 'technical')" if evidence
                     else "NULL::int[]")
    return "WITH " + _CTE.format(population=people, lines_where=lines_where,
                                 technical_min=TECHNICAL_MIN_JP, technical_ids=technical_ids)

"""Reading the rollups: a province's or the nation's tenants side by side for a year, and the trend per year.

Reads touch only the platform tables (platform.tenant_summaries, platform.tenants, platform.tenant_refresh):
one query for the year's figures and one for the trend, never a tenant schema. Aggregates only: no NIP,
name or any row about a person is read or returned here. A tenant with no summary yet has `figures: None`
and `refreshed_at: None` (never a silent zero); a tenant whose last refresh failed keeps its last good
figures, marked `stale`.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from decimal import Decimal

import sqlalchemy as sa

from app.extensions import db
from app.problems import Problem
from app.services.rollups.metrics import BASE_METRICS, COHORTS_PREFIX

COUNT_METRICS = BASE_METRICS  # asn_pns, asn_pppk, people_trained, jp_delivered, asn_meeting_20jp, pppk_oriented
TARGET_METRIC = "target_people"
COHORT_PREFIX = COHORTS_PREFIX
TREND_METRICS = ("asn_pns", "asn_pppk", "people_trained", "jp_delivered", "asn_meeting_20jp")
MIN_YEAR, MAX_YEAR = 2000, 2100
VISIBLE_STATUSES = ("active", "suspended")
_PROVINCE_CODE = re.compile(r"^\d{2}$")

_FIGURES_SQL = """
SELECT t.id, t.slug, t.name, t.kind, t.region_code, t.province_code, t.province_name,
       f.metrics, f.refreshed_at,
       coalesce(r.stale, false) AS stale, r.last_attempt_at, (r.last_error IS NOT NULL) AS last_failed
FROM platform.tenants t
LEFT JOIN LATERAL (
    SELECT jsonb_object_agg(s.metric, s.value) AS metrics, max(s.refreshed_at) AS refreshed_at
    FROM platform.tenant_summaries s WHERE s.tenant_id = t.id AND s.year = :year
) f ON true
LEFT JOIN platform.tenant_refresh r ON r.tenant_id = t.id
WHERE t.status IN :statuses {scope}
ORDER BY t.province_code, t.name, t.id
"""
_TREND_SQL = """
SELECT s.year, s.metric, sum(s.value) AS value
FROM platform.tenant_summaries s JOIN platform.tenants t ON t.id = s.tenant_id
WHERE s.metric IN :metrics AND t.status IN :statuses {scope}
GROUP BY s.year, s.metric
ORDER BY s.year
"""

# Columns of the CSV/XLSX download: one row per tenant, then the total.
TABLE_COLUMNS = (
    ("province_code", "Kode provinsi"), ("region_code", "Kode wilayah"), ("name", "Wilayah"),
    ("asn_pns", "ASN PNS"), ("asn_pppk", "ASN PPPK"), ("asn_total", "ASN total"),
    ("people_trained", "Pegawai dilatih"), ("jp_delivered", "JP diberikan"),
    ("asn_meeting_20jp", "ASN memenuhi 20 JP"), ("share_meeting_20jp", "Persentase memenuhi 20 JP (%)"),
    ("pppk_oriented", "PPPK orientasi"), ("target_people", "Target orang"),
    ("achieved_vs_target", "Capaian terhadap target (%)"), ("cohorts", "Angkatan per program"),
    ("refreshed_at", "Diperbarui (UTC)"), ("stale", "Data lama"),
)


def parse_year(raw: str | None) -> int:
    if raw in (None, ""):
        return datetime.now(UTC).year
    try:
        year = int(raw)
    except (TypeError, ValueError):
        year = None
    if year is None or not MIN_YEAR <= year <= MAX_YEAR:
        raise Problem.invalid(f"Tahun harus antara {MIN_YEAR} dan {MAX_YEAR}.",
                              errors=[{"field": "year", "reason": "invalid"}])
    return year


_LATEST_SQL = """
SELECT max(s.year)
FROM platform.tenant_summaries s JOIN platform.tenants t ON t.id = s.tenant_id
WHERE s.metric = 'jp_delivered' AND s.value > 0 AND s.year <= :up_to AND t.status IN :statuses {scope}
"""


def latest_year(province_code: str | None, up_to: int) -> int | None:
    """The latest year, up to `up_to`, in which a region in scope (a province, or None: the country) delivered JP."""
    scope, params = _scope_sql(province_code)
    return db.session.execute(_statement(_LATEST_SQL, scope, statuses=True),
                              {"up_to": up_to, "statuses": list(VISIBLE_STATUSES), **params}).scalar()


def check_province(principal, province_code: str) -> None:
    """A province user sees only their own province; national users see every province."""
    if not _PROVINCE_CODE.match(province_code or ""):
        raise Problem.not_found("Kode provinsi tidak dikenal.")
    if principal.role == "national":
        return
    if principal.role != "province" or principal.province_code != province_code:
        raise Problem.forbidden("Anda hanya dapat melihat rekap provinsi Anda sendiri.", type_="forbidden")


def _number(value):
    """A stored figure as JSON wants it: an int when whole (counts), else a float."""
    if value is None or isinstance(value, int):
        return value
    number = float(value)
    return int(number) if number.is_integer() else number


def _pct(part, whole) -> float | None:
    if part is None or not whole:
        return None
    return round(100.0 * float(part) / float(whole), 1)


def _derive(figures: dict) -> dict:
    """Add the figures computed at read time (totals and shares) from the stored counts."""
    figures["asn_total"] = figures["asn_pns"] + figures["asn_pppk"]
    figures["share_meeting_20jp"] = _pct(figures["asn_meeting_20jp"], figures["asn_total"])
    figures["achieved_vs_target"] = _pct(figures["people_trained"], figures["target_people"])
    return figures


def _tenant_figures(metrics: dict[str, Decimal]) -> dict:
    figures: dict = {name: _number(metrics.get(name)) or 0 for name in COUNT_METRICS}
    figures["target_people"] = _number(metrics.get(TARGET_METRIC))
    figures["cohorts_by_program"] = {name[len(COHORT_PREFIX):]: _number(value)
                                     for name, value in sorted(metrics.items()) if name.startswith(COHORT_PREFIX)}
    return _derive(figures)


def _sum(tenants: list[dict]) -> dict | None:
    """The figures summed over the tenants that have some (shares recomputed from the sums). The target
    share compares the people trained by tenants that set a target with the sum of those targets."""
    with_figures = [t["figures"] for t in tenants if t["figures"] is not None]
    if not with_figures:
        return None
    total: dict = {name: sum(f[name] for f in with_figures) for name in COUNT_METRICS}
    targeted = [f for f in with_figures if f["target_people"] is not None]
    total["target_people"] = sum(f["target_people"] for f in targeted) if targeted else None
    cohorts: dict[str, int] = {}
    for f in with_figures:
        for code, n in f["cohorts_by_program"].items():
            cohorts[code] = cohorts.get(code, 0) + n
    total["cohorts_by_program"] = dict(sorted(cohorts.items()))
    _derive(total)
    if targeted:
        total["achieved_vs_target"] = _pct(sum(f["people_trained"] for f in targeted), total["target_people"])
    return total


def _scope_sql(province_code: str | None) -> tuple[str, dict]:
    if province_code is None:
        return "", {}
    return "AND t.province_code = :province", {"province": province_code}


def _statement(template: str, scope: str, **expanding) -> sa.TextClause:
    stmt = sa.text(template.format(scope=scope))
    return stmt.bindparams(*(sa.bindparam(name, expanding=True) for name in expanding))


def read_tenants(year: int, province_code: str | None) -> list[dict]:
    """The year's figures of every visible tenant in scope (None: the whole country): ONE query."""
    scope, params = _scope_sql(province_code)
    stmt = _statement(_FIGURES_SQL, scope, statuses=True)
    rows = db.session.execute(stmt, {"year": year, "statuses": list(VISIBLE_STATUSES), **params}).all()
    tenants = []
    for row in rows:  # one row per tenant: its metrics aggregated in SQL
        metrics = row.metrics or None  # jsonb numbers: ints and floats already
        tenants.append({
            "slug": row.slug, "name": row.name, "kind": row.kind, "region_code": row.region_code,
            "province_code": row.province_code, "province_name": row.province_name,
            "figures": _tenant_figures(metrics) if metrics else None, "refreshed_at": row.refreshed_at,
            "stale": bool(row.stale), "last_refresh_failed": bool(row.last_failed),
            "last_attempt_at": row.last_attempt_at,
        })
    return tenants


def read_trend(province_code: str | None) -> list[dict]:
    """Per year, the scope's sums: people trained, JP delivered, ASN meeting 20 JP and its share."""
    scope, params = _scope_sql(province_code)
    stmt = _statement(_TREND_SQL, scope, metrics=True, statuses=True)
    rows = db.session.execute(stmt, {"metrics": list(TREND_METRICS), "statuses": list(VISIBLE_STATUSES),
                                     **params}).all()
    years: dict[int, dict] = {}
    for row in rows:
        years.setdefault(row.year, dict.fromkeys(TREND_METRICS, 0))[row.metric] = _number(row.value)
    out = []
    for year, sums in sorted(years.items()):
        asn_total = sums["asn_pns"] + sums["asn_pppk"]
        out.append({"year": year, "people_trained": sums["people_trained"], "jp_delivered": sums["jp_delivered"],
                    "asn_meeting_20jp": sums["asn_meeting_20jp"], "asn_total": asn_total,
                    "share_meeting_20jp": _pct(sums["asn_meeting_20jp"], asn_total)})
    return out


def _provinces(tenants: list[dict]) -> list[dict]:
    grouped: dict[str, list[dict]] = {}
    names: dict[str, str] = {}
    for tenant in tenants:
        grouped.setdefault(tenant["province_code"], []).append(tenant)
        names[tenant["province_code"]] = tenant["province_name"]
    return [{"province_code": code, "province_name": names[code], "tenants": len(members),
             "figures": _sum(members)} for code, members in sorted(grouped.items())]


def province_rollup(principal, province_code: str, year: int) -> dict:
    """GET /p/<province_code>/api/v1/rollups: the province's tenants and total (403 outside one's province)."""
    check_province(principal, province_code)
    tenants = read_tenants(year, province_code)
    province_name = tenants[0]["province_name"] if tenants else None
    return {"scope": "province", "year": year, "province_code": province_code, "province_name": province_name,
            "tenants": tenants, "total": _sum(tenants), "trend": read_trend(province_code)}


def national_rollup(year: int) -> dict:
    """GET /national/api/v1/rollups: every tenant, each province's total and the national total."""
    tenants = read_tenants(year, None)
    return {"scope": "national", "year": year, "tenants": tenants, "provinces": _provinces(tenants),
            "total": _sum(tenants), "trend": read_trend(None)}


def table_rows(rollup: dict) -> list[dict]:
    """One row per tenant, then the total, for CSV/XLSX."""

    def flat(base: dict, figures: dict | None) -> dict:
        row = dict(base)
        if figures:
            row.update({key: figures.get(key) for key, _ in TABLE_COLUMNS if key in figures})
            row["cohorts"] = "; ".join(f"{code}: {n}" for code, n in figures["cohorts_by_program"].items())
        return row

    def utc(moment: datetime | None) -> datetime | None:  # spreadsheets have no time zones: naive UTC
        return moment.astimezone(UTC).replace(tzinfo=None, microsecond=0) if moment else None

    rows = [flat({"province_code": t["province_code"], "region_code": t["region_code"], "name": t["name"],
                  "refreshed_at": utc(t["refreshed_at"]), "stale": "ya" if t["stale"] else "tidak"}, t["figures"])
            for t in rollup["tenants"]]
    rows.append(flat({"name": "Total"}, rollup["total"]))
    return rows

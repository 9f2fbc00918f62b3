"""Reading the rollups: a province's or the nation's regions side by side for a year, the trend per year, and a
region's drill-down by OPD kind and jabatan kind.

Reads touch only the platform tables (platform.tenant_summaries, platform.tenants, platform.tenant_refresh,
platform.tenant_breakdowns), never a tenant schema. Aggregates only: no NIP, name or any row about a person.

Every visible region has a row for every year (never `figures: null`): a year without activity is zeros with
`activity: false` ("belum ada kegiatan"). `status` says how good the figures are: "fresh"; "stale" (the last
refresh failed: these are the last good figures, of `figures_as_of`); "never_refreshed" (zeros: nothing was
ever computed); "not_computed" (refreshed, but not for this year: zeros until the next refresh). Totals carry
`regions`: how many regions they include, and `coverage` counts them by status.

Answers are cached per (scope, year) in Redis until the next refresh: the key carries a version that every
committed refresh bumps (`bump_version`, after commit), so a read after a refresh never sees the old answer, and
the registry's state (a region provisioned, suspended or removed; read at most once per TENANT_CACHE_TTL per
process, as the tenant registry is). A cached answer costs two Redis GETs and no query.
"""

from __future__ import annotations

import json
import logging
import re
import time
from datetime import datetime

import sqlalchemy as sa
from flask import current_app
from redis.exceptions import RedisError

from app.domain.dates import WIB, today_wib
from app.extensions import db
from app.problems import Problem
from app.services.rollups.metrics import BASE_METRICS, COHORTS_PREFIX, IPASN_METRICS

log = logging.getLogger(__name__)

COUNT_METRICS = BASE_METRICS  # asn_pns, asn_pppk, people_trained, jp_delivered, asn_meeting_20jp, pppk_oriented
TARGET_METRIC = "target_people"
COHORT_PREFIX = COHORTS_PREFIX
TREND_METRICS = ("asn_pns", "asn_pppk", "people_trained", "jp_delivered", "asn_meeting_20jp")
MIN_YEAR, MAX_YEAR = 2000, 2100
VISIBLE_STATUSES = ("active", "suspended")
STATUSES = ("fresh", "stale", "never_refreshed", "not_computed")
SMALL_CELL = 5  # drill-down cells of fewer people are suppressed
CACHE_SECONDS = 24 * 3600  # an upper bound only: a refresh moves the key on
_PROVINCE_CODE = re.compile(r"^\d{2}$")
_DATETIME_KEYS = ("refreshed_at", "last_attempt_at", "figures_as_of", "last_success_at")

_FIGURES_SQL = """
SELECT t.id, t.slug, t.name, t.kind, t.region_code, t.province_code, t.province_name,
       f.metrics, f.refreshed_at,
       coalesce(r.stale, false) AS stale, r.last_attempt_at, r.last_success_at,
       (r.last_error IS NOT NULL) AS last_failed
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
_VERSION_SQL = sa.text(
    "SELECT count(*) AS n, max(updated_at) AS changed, "
    "       (SELECT max(last_attempt_at) FROM platform.tenant_refresh) AS attempted "
    "FROM platform.tenants"
)
_BREAKDOWN_SQL = sa.text(
    "SELECT dimension, kind, asn_total, people_trained, asn_meeting_20jp, jp_delivered "
    "FROM platform.tenant_breakdowns WHERE tenant_id = :tenant_id AND year = :year ORDER BY dimension, kind"
)
_REGION_SQL = sa.text(
    "SELECT id, slug, name, kind, province_code, province_name FROM platform.tenants "
    "WHERE slug = :slug AND status IN :statuses"
).bindparams(sa.bindparam("statuses", expanding=True))

# Columns of the CSV/XLSX download: one row per region (every visible one), then the total.
TABLE_COLUMNS = (
    ("province_code", "Kode provinsi"), ("region_code", "Kode wilayah"), ("name", "Wilayah"),
    ("asn_pns", "ASN PNS"), ("asn_pppk", "ASN PPPK"), ("asn_total", "ASN total"),
    ("people_trained", "Pegawai dilatih"), ("jp_delivered", "JP diberikan"),
    ("asn_meeting_20jp", "ASN memenuhi 20 JP"), ("share_meeting_20jp", "Persentase memenuhi 20 JP (%)"),
    ("pppk_oriented", "PPPK orientasi"), ("target_people", "Target orang"),
    ("ipasn_average_score", "IP ASN: rata-rata skor kompetensi (maks. 40)"),
    ("ipasn_leadership_share", "IP ASN: memenuhi kepemimpinan (%)"),
    ("ipasn_functional_share", "IP ASN: memenuhi fungsional (%)"),
    ("ipasn_technical_share", "IP ASN: memenuhi teknis 20 JP (%)"),
    ("ipasn_seminar_share", "IP ASN: memenuhi seminar (%)"),
    ("ipasn_one_away", "IP ASN: kurang satu butir (orang)"),
    ("achieved_vs_target", "Capaian terhadap target (%)"), ("cohorts", "Angkatan per program"),
    ("activity", "Kegiatan"), ("status", "Status angka"), ("figures_as_of", "Angka per (WIB)"),
    ("regions", "Jumlah wilayah"),
)
STATUS_LABELS = {"fresh": "terkini", "stale": "data lama (pembaruan terakhir gagal)",
                 "never_refreshed": "belum pernah dihitung", "not_computed": "belum dihitung untuk tahun ini"}
OPD_KIND_LABELS = {"dinas": "Dinas", "badan": "Badan", "kecamatan": "Kecamatan", "kelurahan": "Kelurahan",
                   "sekretariat": "Sekretariat", "lainnya": "Lainnya (inspektorat, RSUD, satpol PP, ...)"}
JABATAN_KIND_LABELS = {"jpt": "JPT", "administrator": "Administrator", "pengawas": "Pengawas",
                       "fungsional": "Fungsional", "pelaksana": "Pelaksana", "belum_diisi": "Belum diisi"}


def parse_year(raw: str | None) -> int:
    if raw in (None, ""):
        return today_wib().year
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


IPASN_ITEMS = ("leadership", "functional", "technical", "seminar")


def _ipasn(counts: dict) -> dict:
    """The IP ASN competency figures (counts as stored, plus the average score and each item's share)."""
    out = {name.removeprefix("ipasn_"): counts[name] for name in IPASN_METRICS}
    out["average_score"] = round(float(out["score_total"]) / out["assessed"], 2) if out["assessed"] else None
    for item in IPASN_ITEMS:
        out[f"{item}_share"] = _pct(out[f"{item}_met"], out[f"{item}_due"])
    out["one_away_average_gain"] = round(float(out["one_away_gain"]) / out["assessed"], 2) if out["assessed"] else None
    return out


def _derive(figures: dict) -> dict:
    """Add the figures computed at read time (totals and shares) from the stored counts."""
    figures["ipasn"] = _ipasn(figures.pop("ipasn_counts"))
    figures["asn_total"] = figures["asn_pns"] + figures["asn_pppk"]
    figures["share_meeting_20jp"] = _pct(figures["asn_meeting_20jp"], figures["asn_total"])
    figures["achieved_vs_target"] = _pct(figures["people_trained"], figures["target_people"])
    return figures


def _tenant_figures(metrics: dict) -> dict:
    figures: dict = {name: _number(metrics.get(name)) or 0 for name in COUNT_METRICS}
    figures["ipasn_counts"] = {name: _number(metrics.get(name)) or 0 for name in IPASN_METRICS}
    figures["target_people"] = _number(metrics.get(TARGET_METRIC))
    figures["cohorts_by_program"] = {name[len(COHORT_PREFIX):]: _number(value)
                                     for name, value in sorted(metrics.items()) if name.startswith(COHORT_PREFIX)}
    return _derive(figures)


def _has_activity(figures: dict) -> bool:
    """Anything happened in the region that year: training, a cohort, an orientation."""
    return bool(figures["people_trained"] or figures["jp_delivered"] or figures["pppk_oriented"]
                or figures["cohorts_by_program"])


def _sum(tenants: list[dict]) -> dict:
    """The figures summed over the regions (shares recomputed from the sums), with `regions`: how many. The
    target share compares the people trained by regions that set a target with the sum of those targets."""
    every = [t["figures"] for t in tenants]
    total: dict = {name: sum(f[name] for f in every) for name in COUNT_METRICS}
    total["ipasn_counts"] = {name: sum(f["ipasn"][name.removeprefix("ipasn_")] for f in every)
                             for name in IPASN_METRICS}
    targeted = [f for f in every if f["target_people"] is not None]
    total["target_people"] = sum(f["target_people"] for f in targeted) if targeted else None
    cohorts: dict[str, int] = {}
    for f in every:
        for code, n in f["cohorts_by_program"].items():
            cohorts[code] = cohorts.get(code, 0) + n
    total["cohorts_by_program"] = dict(sorted(cohorts.items()))
    _derive(total)
    if targeted:
        total["achieved_vs_target"] = _pct(sum(f["people_trained"] for f in targeted), total["target_people"])
    total["regions"] = len(tenants)
    return total


def _coverage(tenants: list[dict]) -> dict:
    out = {"regions": len(tenants), **dict.fromkeys(STATUSES, 0), "without_activity": 0}
    for tenant in tenants:
        out[tenant["status"]] += 1
        out["without_activity"] += 0 if tenant["activity"] else 1
    return out


def _scope_sql(province_code: str | None) -> tuple[str, dict]:
    if province_code is None:
        return "", {}
    return "AND t.province_code = :province", {"province": province_code}


def _statement(template: str, scope: str, **expanding) -> sa.TextClause:
    stmt = sa.text(template.format(scope=scope))
    return stmt.bindparams(*(sa.bindparam(name, expanding=True) for name in expanding))


def _status(row) -> str:
    if row.last_success_at is None and row.metrics is None:
        return "never_refreshed"
    if row.metrics is None:
        return "not_computed"
    return "stale" if row.stale else "fresh"


def read_tenants(year: int, province_code: str | None) -> list[dict]:
    """The year's figures of every visible region in scope (None: the whole country): ONE query. A region with no
    row for the year gets zeros, marked by `status`."""
    scope, params = _scope_sql(province_code)
    stmt = _statement(_FIGURES_SQL, scope, statuses=True)
    rows = db.session.execute(stmt, {"year": year, "statuses": list(VISIBLE_STATUSES), **params}).all()
    tenants = []
    for row in rows:  # one row per region: its metrics aggregated in SQL
        figures = _tenant_figures(row.metrics or {})
        status = _status(row)
        tenants.append({
            "slug": row.slug, "name": row.name, "kind": row.kind, "region_code": row.region_code,
            "province_code": row.province_code, "province_name": row.province_name,
            "figures": figures, "activity": _has_activity(figures), "status": status,
            "refreshed_at": row.refreshed_at,
            "figures_as_of": row.refreshed_at if row.metrics is not None else None,
            "stale": status == "stale", "last_refresh_failed": bool(row.last_failed),
            "last_attempt_at": row.last_attempt_at, "last_success_at": row.last_success_at,
        })
    return tenants


def read_trend(province_code: str | None, up_to: int | None = None) -> list[dict]:
    """Per year, contiguous from the scope's first year with figures to this year (or `up_to`, if later): the
    scope's sums of people trained, JP delivered, ASN meeting 20 JP and its share; a year without rows is zeros."""
    scope, params = _scope_sql(province_code)
    stmt = _statement(_TREND_SQL, scope, metrics=True, statuses=True)
    rows = db.session.execute(stmt, {"metrics": list(TREND_METRICS), "statuses": list(VISIBLE_STATUSES),
                                     **params}).all()
    years: dict[int, dict] = {}
    for row in rows:
        years.setdefault(row.year, dict.fromkeys(TREND_METRICS, 0))[row.metric] = _number(row.value)
    if not years:
        return []
    last = max(max(years), today_wib().year, up_to or 0)
    out = []
    for year in range(min(years), last + 1):
        sums = years.get(year) or dict.fromkeys(TREND_METRICS, 0)
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
             "figures": _sum(members), "coverage": _coverage(members)} for code, members in sorted(grouped.items())]


def _build_province(province_code: str, year: int) -> dict:
    tenants = read_tenants(year, province_code)
    province_name = tenants[0]["province_name"] if tenants else None
    return {"scope": "province", "year": year, "province_code": province_code, "province_name": province_name,
            "tenants": tenants, "total": _sum(tenants), "coverage": _coverage(tenants),
            "trend": read_trend(province_code)}


def _build_national(year: int) -> dict:
    tenants = read_tenants(year, None)
    return {"scope": "national", "year": year, "tenants": tenants, "provinces": _provinces(tenants),
            "total": _sum(tenants), "coverage": _coverage(tenants), "trend": read_trend(None)}


# --- the cache -------------------------------------------------------------------------------------------------


def _iso(value):
    """json.dumps calls this only for what it cannot write itself: datetimes, as ISO 8601."""
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def encode(rollup: dict) -> bytes:
    return json.dumps(rollup, default=_iso, ensure_ascii=False).encode()


def decode(body: bytes) -> dict:
    """A cached answer back as the dict the pages and downloads use (datetimes revived)."""
    rollup = json.loads(body)
    for tenant in rollup.get("tenants", ()):
        for key in _DATETIME_KEYS:
            if tenant.get(key):
                tenant[key] = datetime.fromisoformat(tenant[key])
    return rollup


def _redis():
    from app.jobs import redis_connection

    return redis_connection()


def _version_key() -> str:
    return f"{current_app.config['REDIS_KEY_PREFIX']}:rollups:version"


def bump_version() -> None:
    """Called after a refresh commits: every cached answer is superseded."""
    try:
        _redis().incr(_version_key())
    except RedisError as exc:  # the registry part of the key still moves with the refresh's last_attempt_at
        log.warning("could not bump the rollups cache version: %s", exc)


_stamp: dict = {"until": 0.0, "value": ""}


def _registry_stamp() -> str:
    """The registry's state (how many regions, their last change, the last refresh attempt): a region provisioned,
    suspended or removed moves the cache key on. Read once per TENANT_CACHE_TTL seconds per process, like the
    tenant registry itself (a refresh moves the key at once through the Redis version)."""
    now = time.monotonic()
    if now >= _stamp["until"]:
        row = db.session.execute(_VERSION_SQL).one()
        _stamp["value"] = f"{row.n}.{row.changed and row.changed.timestamp()}." \
                          f"{row.attempted and row.attempted.timestamp()}"
        _stamp["until"] = now + float(current_app.config.get("TENANT_CACHE_TTL", 5.0))
    return _stamp["value"]


def _cache_key(scope: str, year: int) -> str:
    version = _redis().get(_version_key()) or b"0"
    return f"{current_app.config['REDIS_KEY_PREFIX']}:rollups:{version.decode()}:{_registry_stamp()}:{scope}:{year}"


def cached(scope: str, year: int, build) -> bytes:
    """The JSON answer of (scope, year): from Redis when this version has it, else built, stored and returned."""
    try:
        key = _cache_key(scope, year)
        hit = _redis().get(key)
    except RedisError as exc:
        log.warning("rollups cache unavailable: %s", exc)
        return encode(build())
    if hit is not None:
        return hit
    body = encode(build())
    try:
        _redis().set(key, body, ex=CACHE_SECONDS)
    except RedisError as exc:
        log.warning("rollups cache unavailable: %s", exc)
    return body


def province_rollup_json(principal, province_code: str, year: int) -> bytes:
    check_province(principal, province_code)
    return cached(f"p{province_code}", year, lambda: _build_province(province_code, year))


def national_rollup_json(year: int) -> bytes:
    return cached("national", year, lambda: _build_national(year))


def province_rollup(principal, province_code: str, year: int) -> dict:
    """GET /p/<province_code>/api/v1/rollups: the province's regions and total (403 outside one's province)."""
    return decode(province_rollup_json(principal, province_code, year))


def national_rollup(year: int) -> dict:
    """GET /national/api/v1/rollups: every region, each province's total and the national total."""
    return decode(national_rollup_json(year))


# --- the drill-down --------------------------------------------------------------------------------------------


def _cell(row, labels: dict) -> dict:
    return {"kind": row.kind, "label": labels.get(row.kind, row.kind), "asn_total": row.asn_total,
            "people_trained": row.people_trained, "asn_meeting_20jp": row.asn_meeting_20jp,
            "jp_delivered": _number(row.jp_delivered),
            "share_meeting_20jp": _pct(row.asn_meeting_20jp, row.asn_total), "suppressed": False}


def suppress(cells: list[dict]) -> list[dict]:
    """Small-cell suppression: a cell of fewer than SMALL_CELL people shows no figure. When only one cell of a
    dimension is suppressed, the next smallest goes too, so it cannot be recovered from the region's total."""
    small = [c for c in cells if c["asn_total"] < SMALL_CELL]
    if len(small) == 1 and len(cells) > 1:
        small.append(min((c for c in cells if c is not small[0]), key=lambda c: (c["asn_total"], c["kind"])))
    for cell in small:
        cell.update(asn_total=None, people_trained=None, asn_meeting_20jp=None, jp_delivered=None,
                    share_meeting_20jp=None, suppressed=True)
    return cells


def region_breakdown(principal, province_code: str, slug: str, year: int) -> dict:
    """GET /p/<province_code>/api/v1/rollups/regions/<slug>: a region's year by OPD kind and by jabatan kind,
    counts only, small cells suppressed (403 outside one's province, 404 for a region not in it)."""
    check_province(principal, province_code)
    region = db.session.execute(_REGION_SQL, {"slug": slug, "statuses": list(VISIBLE_STATUSES)}).first()
    if region is None or region.province_code != province_code:
        raise Problem.not_found("Wilayah tidak ada di provinsi ini.")
    rows = db.session.execute(_BREAKDOWN_SQL, {"tenant_id": region.id, "year": year}).all()
    dimensions = {"opd_kind": [], "jabatan_kind": []}
    for row in rows:
        labels = OPD_KIND_LABELS if row.dimension == "opd_kind" else JABATAN_KIND_LABELS
        dimensions[row.dimension].append(_cell(row, labels))
    order = {"opd_kind": list(OPD_KIND_LABELS), "jabatan_kind": list(JABATAN_KIND_LABELS)}
    for name, cells in dimensions.items():
        cells.sort(key=lambda c, o=order[name]: o.index(c["kind"]) if c["kind"] in o else len(o))
        suppress(cells)
    return {"year": year, "province_code": province_code, "province_name": region.province_name,
            "slug": region.slug, "name": region.name, "kind": region.kind, "small_cell": SMALL_CELL,
            "by_opd_kind": dimensions["opd_kind"], "by_jabatan_kind": dimensions["jabatan_kind"]}


# --- downloads -------------------------------------------------------------------------------------------------


def _wib_naive(moment: datetime | None) -> datetime | None:
    """Spreadsheets have no time zones: naive WIB, as the pages show it."""
    return moment.astimezone(WIB).replace(tzinfo=None, microsecond=0) if moment else None


def table_rows(rollup: dict) -> list[dict]:
    """One row per region (every visible one, zeros included), then the total, for CSV/XLSX."""

    def flat(base: dict, figures: dict) -> dict:
        row = dict(base)
        row.update({key: figures.get(key) for key, _ in TABLE_COLUMNS if key in figures})
        row.update({f"ipasn_{key}": value for key, value in figures["ipasn"].items()})
        row["cohorts"] = "; ".join(f"{code}: {n}" for code, n in figures["cohorts_by_program"].items())
        return row

    rows = [flat({"province_code": t["province_code"], "region_code": t["region_code"], "name": t["name"],
                  "activity": "ada" if t["activity"] else "belum ada kegiatan",
                  "status": STATUS_LABELS[t["status"]], "figures_as_of": _wib_naive(t["figures_as_of"]),
                  "regions": 1}, t["figures"])
            for t in rollup["tenants"]]
    rows.append(flat({"name": "Total"}, rollup["total"]))
    return rows

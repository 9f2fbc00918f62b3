"""Readiness (`/readyz`): may this instance take traffic? PostgreSQL and Redis answer, and the platform schema and
every active region's schema are at the migration head.

Cheap by design, because load balancers ask every few seconds: two queries (the active regions' schema names,
then one UNION ALL over their `alembic_version` tables), one Redis PING, and the answer is cached for
KOMPETEN_READY_CACHE_SECONDS (default 5) per process. Liveness (`/healthz`) stays separate: a process whose
database is behind a migration is alive (do not restart it) but not ready (do not route to it).
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field

import sqlalchemy as sa
from flask import current_app
from psycopg import sql

from app.extensions import db
from app.services.admin import migrations
from app.tenancy import no_tenant

_lock = threading.Lock()
_cache: dict[str, tuple[float, Readiness]] = {}


@dataclass(frozen=True)
class Readiness:
    ready: bool
    checks: dict[str, str]  # name -> "ok" or what is wrong, in Indonesian
    behind: list[str] = field(default_factory=list)  # active regions not at the tenant head (first ones)

    def problems(self) -> list[dict]:
        return [{"field": name, "reason": reason} for name, reason in self.checks.items() if reason != "ok"]


MAX_NAMED = 20  # regions named in an answer; the count says how many there are


def _database_checks() -> tuple[dict[str, str], list[str]]:
    checks: dict[str, str] = {}
    with no_tenant(), db.engine.connect() as conn:
        platform = None
        if conn.execute(sa.text("SELECT to_regclass('platform.alembic_version') IS NOT NULL")).scalar():
            platform = conn.execute(sa.text("SELECT version_num FROM platform.alembic_version LIMIT 1")).scalar()
        checks["database"] = "ok"
        head = migrations.head("platform")
        checks["platform_schema"] = "ok" if platform == head else (
            f"skema platform di versi {platform or 'kosong'}, bukan {head}")
        schemas = conn.execute(sa.text(
            "SELECT t.slug, t.schema_name, to_regclass(quote_ident(t.schema_name) || '.alembic_version') IS NOT NULL "
            "FROM platform.tenants t WHERE t.status = 'active' ORDER BY t.slug")).all()
        missing = [slug for slug, _schema, present in schemas if not present]
        present = [(slug, schema) for slug, schema, ok in schemas if ok]
        versions: dict[str, str | None] = {}
        if present:
            union = sql.SQL(" UNION ALL ").join(
                sql.SQL("SELECT {slug} AS slug, (SELECT version_num FROM {table} LIMIT 1) AS version").format(
                    slug=sql.Literal(slug), table=sql.Identifier(schema, "alembic_version"))
                for slug, schema in present)
            raw = conn.connection.dbapi_connection
            with raw.cursor() as cur:
                cur.execute(union)
                versions = dict(cur.fetchall())
            conn.rollback()
    tenant_head = migrations.head("tenant")
    behind = sorted([*missing, *(slug for slug, v in versions.items() if v != tenant_head)])
    checks["regions"] = "ok" if not behind else (
        f"{len(behind)} dari {len(schemas)} wilayah aktif belum di versi skema {tenant_head}")
    return checks, behind


def check() -> Readiness:
    checks: dict[str, str] = {}
    behind: list[str] = []
    try:
        db_checks, behind = _database_checks()
        checks.update(db_checks)
    except sa.exc.SQLAlchemyError as exc:
        checks["database"] = f"PostgreSQL tidak dapat dihubungi ({type(exc.orig or exc).__name__})"
    try:
        from app.jobs import redis_connection

        redis_connection().ping()
        checks["redis"] = "ok"
    except Exception as exc:  # noqa: BLE001 - any failure to answer means "not ready"
        checks["redis"] = f"Redis tidak dapat dihubungi ({type(exc).__name__})"
    return Readiness(all(v == "ok" for v in checks.values()), checks, behind[:MAX_NAMED])


def cached() -> Readiness:
    """`check()`, at most once every KOMPETEN_READY_CACHE_SECONDS per process (and per app)."""
    ttl = float(current_app.config.get("READY_CACHE_SECONDS", 5))
    key = str(id(current_app._get_current_object()))  # noqa: SLF001 - one cache per app (tests run several)
    now = time.monotonic()
    hit = _cache.get(key)
    if hit and now - hit[0] < ttl:
        return hit[1]
    with _lock:
        hit = _cache.get(key)
        if hit and time.monotonic() - hit[0] < ttl:
            return hit[1]
        result = check()
        _cache[key] = (time.monotonic(), result)
        return result


def forget() -> None:
    """Drop the cached answers (tests; after `kompeten tenants migrate` in the same process)."""
    _cache.clear()

"""Schema migrations: the `platform` track once, the `tenant` track fanned out over every region.

Each tenant is migrated in one transaction that also records its new version in the registry, so the
registry's `schema_version` is always the schema's real version; a tenant that fails is rolled back alone
and its error recorded. Alembic's `op`/`context` are module-level proxies (not thread-safe), so the
fan-out uses processes.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.config import Config as AlembicConfig
from alembic.runtime.environment import EnvironmentContext
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import current_app

from app.config import REPO_ROOT
from app.extensions import db
from app.tenancy import TenantInfo, no_tenant, tenant_context

log = logging.getLogger(__name__)

TRACKS = ("platform", "tenant")
MIGRATABLE_STATUSES = ("active", "suspended")


def migrations_dir() -> Path:
    for candidate in (REPO_ROOT / "migrations", Path.cwd() / "migrations"):
        if (candidate / "tenant" / "env.py").exists():
            return candidate
    raise FileNotFoundError("migrations/ not found next to the app or in the working directory")


def target_metadata():
    from app import models  # noqa: F401

    return db.metadata


def include_platform_object(obj, name, type_, reflected, compare_to):
    if type_ == "table":
        return obj.schema == "platform"
    return True


def include_tenant_object(obj, name, type_, reflected, compare_to):
    if type_ == "table":
        return obj.schema is None and name != "alembic_version"
    return True


def alembic_config(track: str, connection: sa.Connection | None = None,
                   version_locations: list[str] | None = None) -> AlembicConfig:
    if track not in TRACKS:
        raise ValueError(f"track must be one of {TRACKS}")
    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(migrations_dir() / track))
    extra = version_locations or current_app.config.get("EXTRA_TENANT_VERSION_LOCATIONS") or []
    if track == "tenant" and extra:
        locations = [str(migrations_dir() / track / "versions"), *extra]
        cfg.set_main_option("path_separator", "os")
        cfg.set_main_option("version_locations", os.pathsep.join(locations))
    cfg.attributes["connection"] = connection
    return cfg


@cache
def _script(track: str, extra: tuple[str, ...]) -> ScriptDirectory:
    return ScriptDirectory.from_config(alembic_config(track, version_locations=list(extra)))


def script(track: str) -> ScriptDirectory:
    extra = tuple(current_app.config.get("EXTRA_TENANT_VERSION_LOCATIONS") or ()) if track == "tenant" else ()
    return _script(track, extra)


def head(track: str) -> str:
    return script(track).get_current_head()


def upgrade_platform() -> tuple[str | None, str]:
    """Create/upgrade the platform schema; returns (from, to)."""
    with no_tenant(), db.engine.connect() as conn, conn.begin():
        conn.execute(sa.text("CREATE SCHEMA IF NOT EXISTS platform"))
        before = MigrationContext.configure(conn, opts={"version_table_schema": "platform"}).get_current_revision()
        command.upgrade(alembic_config("platform", conn), "head")
    return before, head("platform")


def stamp_tenant_head(conn: sa.Connection) -> str:
    """Record head in the bound tenant's own version table (used right after create_all)."""
    target = head("tenant")
    MigrationContext.configure(conn).stamp(script("tenant"), target)
    return target


def upgrade_bound_tenant(conn: sa.Connection) -> None:
    """`alembic upgrade head` for the bound tenant on `conn`, as migrations/tenant/env.py configures it, but with the
    cached script directory and without re-reading env.py and every version file for each tenant (which was most
    of a one-column migration's time per tenant)."""
    scripts = script("tenant")
    cfg = alembic_config("tenant", conn)
    with EnvironmentContext(cfg, scripts, fn=lambda rev, _ctx: scripts._upgrade_revs("head", rev),
                            destination_rev="head") as env:
        env.configure(connection=conn, target_metadata=target_metadata(), include_object=include_tenant_object,
                      compare_type=True, transaction_per_migration=False)
        with env.begin_transaction():
            env.run_migrations()


@dataclass
class MigrationResult:
    slug: str
    status: str  # upgraded | current | failed
    before: str | None
    after: str | None
    seconds: float
    error: str | None = None


def migrate_tenant(slug: str) -> MigrationResult:
    """Upgrade one tenant to head in one transaction; failure is recorded, never raised."""
    start = time.perf_counter()
    target = head("tenant")
    before = None
    try:
        with tenant_context(slug, allow_status=MIGRATABLE_STATUSES) as tenant, db.engine.connect() as conn, \
                conn.begin():
            before = MigrationContext.configure(conn).get_current_revision()
            if before != target:
                upgrade_bound_tenant(conn)
            conn.execute(
                sa.text("UPDATE platform.tenants SET schema_version = :v, last_migration_error = NULL, "
                        "updated_at = now() WHERE id = :id"),
                {"v": target, "id": tenant.id},
            )
        status = "upgraded" if before != target else "current"
        return MigrationResult(slug, status, before, target, time.perf_counter() - start)
    except Exception as exc:  # noqa: BLE001 - isolate each tenant's failure, record it, go on
        log.warning("migration of %s failed: %s", slug, exc)
        message = f"{type(exc).__name__}: {exc}"[:2000]
        with no_tenant(), db.engine.begin() as conn:
            conn.execute(sa.text("UPDATE platform.tenants SET last_migration_error = :e, updated_at = now() "
                                 "WHERE slug = :s"), {"e": message, "s": slug})
        return MigrationResult(slug, "failed", before, before, time.perf_counter() - start, message)


def tenants_behind(slugs: list[str] | None = None) -> tuple[list[str], int]:
    """Slugs whose recorded version is not head (one registry query, no tenant transaction)."""
    target = head("tenant")
    with no_tenant(), db.engine.connect() as conn:
        rows = conn.execute(
            sa.text("SELECT slug, schema_version FROM platform.tenants WHERE status = ANY(:st) ORDER BY slug"),
            {"st": list(MIGRATABLE_STATUSES)},
        ).all()
    if slugs is not None:
        wanted = set(slugs)
        rows = [r for r in rows if r.slug in wanted]
    return [r.slug for r in rows if r.schema_version != target], len(rows)


_worker_app = None


def _init_worker(config: dict) -> None:
    global _worker_app  # noqa: PLW0603 - one app per worker process
    from app import create_app

    _worker_app = create_app(config)
    _worker_app.app_context().push()


def _migrate_in_worker(slug: str) -> MigrationResult:
    return migrate_tenant(slug)


def migrate_tenants(slugs: list[str], jobs: int = 1, on_result=None) -> list[MigrationResult]:
    """Migrate the given tenants, `jobs` processes at a time; each tenant succeeds or fails alone."""
    results: list[MigrationResult] = []
    if jobs <= 1 or len(slugs) <= 1:
        for slug in slugs:
            results.append(migrate_tenant(slug))
            if on_result:
                on_result(results[-1])
        return results
    config = {k: v for k, v in current_app.config.items() if k.isupper()}
    db.engine.dispose()  # never hand pooled connections to forked children
    ctx = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(max_workers=jobs, mp_context=ctx, initializer=_init_worker,
                             initargs=(config,)) as pool:
        futures = [pool.submit(_migrate_in_worker, slug) for slug in slugs]
        for future in as_completed(futures):
            results.append(future.result())
            if on_result:
                on_result(results[-1])
    return sorted(results, key=lambda r: r.slug)


def tenant_info_for_scratch(name: str = "autogen") -> TenantInfo:
    """A tenant that exists only inside a rolled-back transaction (for autogenerate)."""
    from app.tenancy import schema_for

    return TenantInfo(id=0, slug=name, name=name, schema=schema_for(name), status="active", province_code="00")

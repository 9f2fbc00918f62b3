"""Spare schemas: a few empty tenant schemas kept at head, so provisioning a region is a rename, not a build.

A spare is a schema named `t__spare_<hex>` (no slug can give it: a slug starts with a letter, so its schema is
`t_<letter>…`), built like a new region (tables from the models, stamped at head, the standard reference data)
but belonging to no region. `provision()` takes one with `take()`: under a per-spare advisory lock (two
provisions never take the same one), it checks the spare's alembic version is head (a spare left at an old
revision is dropped, never used), renames it to the region's schema and adds the region's own partners, all in
the provisioning transaction. The pool is refilled to `SPARE_SCHEMAS` (env `KOMPETEN_SPARE_SCHEMAS`, default 3;
0 turns the pool off) by `fill()`: the RQ schedule `admin.refill_spares`, a job enqueued after each take, and
`kompeten tenants spares --fill N`. `kompeten tenants migrate` drops the spares not at head (`prune()`) and
refills, so no spare is left behind a migration.
"""

from __future__ import annotations

import logging
import secrets
import time
from dataclasses import dataclass

import sqlalchemy as sa
from flask import current_app
from psycopg import sql

from app.extensions import db
from app.models import tenant_tables
from app.services.admin import reference_data
from app.services.admin.migrations import head, stamp_tenant_head
from app.tenancy import TenantInfo, no_tenant, tenant_context

log = logging.getLogger(__name__)

PREFIX = "t__spare_"
_LIKE = r"t\_\_spare\_%"
_LOCK_CLASS = "kompeten.spare"


@dataclass(frozen=True)
class Spare:
    schema: str
    version: str | None


def _info(schema: str) -> TenantInfo:
    """The seam's view of a spare while it is built: a tenant of no region, bound only to its own schema."""
    return TenantInfo(id=0, slug="spare", name="spare", schema=schema, status="provisioning", province_code="00")


def target() -> int:
    return int(current_app.config.get("SPARE_SCHEMAS", 0) or 0)


def _names(conn: sa.Connection) -> list[str]:
    return list(conn.execute(sa.text("SELECT nspname FROM pg_namespace WHERE nspname LIKE :p ORDER BY nspname"),
                             {"p": _LIKE}).scalars())


def _version(conn: sa.Connection, schema: str) -> str | None:
    """The spare's alembic version, or None for a half-built schema with no version table."""
    if conn.execute(sa.text("SELECT to_regclass(format('%I.alembic_version', CAST(:n AS text)))"),
                    {"n": schema}).scalar() is None:
        return None
    row = conn.connection.dbapi_connection.execute(
        sql.SQL("SELECT version_num FROM {}.alembic_version").format(sql.Identifier(schema))).fetchone()
    return row[0] if row else None


def _drop(conn: sa.Connection, schema: str) -> None:
    conn.connection.dbapi_connection.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(schema)))


def list_spares() -> list[Spare]:
    with no_tenant(), db.engine.connect() as conn:
        return [Spare(name, _version(conn, name)) for name in _names(conn)]


def create_one() -> str:
    """Build one spare at head (its own transaction); returns its schema name."""
    schema = PREFIX + secrets.token_hex(6)
    with tenant_context(_info(schema), allow_status=("provisioning",)), db.engine.connect() as conn, conn.begin():
        conn.connection.dbapi_connection.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(schema)))
        db.metadata.create_all(conn, tables=tenant_tables(), checkfirst=False)
        stamp_tenant_head(conn)
        reference_data.seed(conn, ())
    return schema


def take(conn: sa.Connection, schema: str) -> str | None:
    """Inside the provisioning transaction: rename a spare at head to `schema`; returns the spare's name, or None
    when there is none (the caller builds the schema). Spares at another revision are dropped on the way."""
    want = head("tenant")
    for name in _names(conn):
        if not conn.execute(sa.text("SELECT pg_try_advisory_xact_lock(hashtext(:c), hashtext(:n))"),
                            {"c": _LOCK_CLASS, "n": name}).scalar():
            continue  # another provision is taking it
        if not conn.execute(sa.text("SELECT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = :n)"),
                            {"n": name}).scalar():
            continue  # taken (and committed) between the listing and the lock
        if _version(conn, name) != want:
            log.info("spare %s is not at head %s: dropped", name, want)
            _drop(conn, name)
            continue
        conn.connection.dbapi_connection.execute(
            sql.SQL("ALTER SCHEMA {} RENAME TO {}").format(sql.Identifier(name), sql.Identifier(schema)))
        return name
    return None


def prune() -> list[str]:
    """Drop every spare not at head (after a migration); returns the names dropped."""
    want = head("tenant")
    dropped = []
    with no_tenant(), db.engine.connect() as conn:
        names = _names(conn)
        conn.rollback()
        for name in names:
            with conn.begin():
                if not conn.execute(sa.text("SELECT pg_try_advisory_xact_lock(hashtext(:c), hashtext(:n))"),
                                    {"c": _LOCK_CLASS, "n": name}).scalar():
                    continue
                if _version(conn, name) != want:
                    _drop(conn, name)
                    dropped.append(name)
    return dropped


def fill(count: int | None = None) -> int:
    """Create spares until `count` (default SPARE_SCHEMAS) are at head; returns how many were created. One filler
    at a time: a transaction-level advisory lock held by an open transaction while the spares are built on other
    connections (a session lock could be left behind by a pooler in transaction mode); a second filler returns 0."""
    wanted = target() if count is None else count
    created = 0
    with no_tenant(), db.engine.connect() as lock_conn, lock_conn.begin():
        if not lock_conn.execute(sa.text("SELECT pg_try_advisory_xact_lock(hashtext('kompeten.spare_fill'))")
                                 ).scalar():
            return 0
        prune()
        have = len(_names(lock_conn))
        start = time.perf_counter()
        for _ in range(max(0, wanted - have)):
            create_one()
            created += 1
        if created:
            log.info("spares: %d created in %.2fs", created, time.perf_counter() - start)
    return created


def refill() -> int:
    """The platform job of schedule `admin.refill_spares` (and of the job enqueued after each take)."""
    return fill()


def request_refill() -> None:
    """After a take: ask a worker to refill the pool; a Redis that is down only delays it to the next tick."""
    if target() <= 0:
        return
    try:
        from app.jobs import queue
        from app.schedules import fan_out

        queue("default").enqueue(fan_out, "admin.refill_spares", job_timeout=600)
    except Exception as exc:  # noqa: BLE001 - the region is provisioned; the schedule refills later
        log.warning("spares: refill not enqueued (%s: %s)", type(exc).__name__, exc)

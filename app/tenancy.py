"""The tenant seam: the only code in Kompeten that binds a PostgreSQL schema.

A context variable holds the current tenant. Every database transaction opened while a tenant is bound
starts with `SET LOCAL search_path TO "t_<slug>"` (one schema, no `public` fallback), so the ORM, raw SQL,
COPY and savepoints all land in that schema, and a transaction-mode pooler keeps working. Connections
default to an empty search_path, so a statement run with no tenant bound finds no tenant table and
raises `NoTenantBound` instead of reading some other schema. Shared tables are always `platform.`-qualified.

Requests are bound by their URL prefix `/t/<tenant_slug>/...` (see `install`); jobs and CLI code use
`tenant_context(...)`. Nothing else may set a schema.
"""

from __future__ import annotations

import logging
import os
import re
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

import sqlalchemy as sa
from flask import g
from psycopg import sql
from sqlalchemy import event
from sqlalchemy.orm import ORMExecuteState

from app.extensions import db

log = logging.getLogger(__name__)

SLUG_RE = re.compile(r"^[a-z][a-z0-9-]{1,40}$")
REGION_CODE_RE = re.compile(r"^\d{2}\.\d{2}$")
URL_SLUG_ARG = "tenant_slug"
TENANT_URL_PREFIX = f"/t/<{URL_SLUG_ARG}>"


class TenancyError(RuntimeError):
    """The seam was used wrongly (a programming error, never a user error)."""


class NoTenantBound(TenancyError):
    """Tenant data was touched with no tenant bound."""


class TenantNotFound(LookupError):
    """No tenant with that slug or id."""


class TenantUnavailable(Exception):
    """The tenant exists but is not serving (suspended, archived or still provisioning)."""

    def __init__(self, tenant: TenantInfo) -> None:
        super().__init__(f"tenant {tenant.slug} is {tenant.status}")
        self.tenant = tenant


@dataclass(frozen=True)
class TenantInfo:
    """What the seam needs to know of a registry row; immutable so it can be cached and shared."""

    id: int
    slug: str
    name: str
    schema: str
    status: str
    province_code: str

    @property
    def serving(self) -> bool:
        return self.status == "active"


def validate_slug(slug: object) -> str:
    if not isinstance(slug, str) or not SLUG_RE.fullmatch(slug):
        raise ValueError("slug must match ^[a-z][a-z0-9-]{1,40}$ (lower-case letters, digits and '-')")
    return slug


def validate_region_code(code: object) -> str:
    if not isinstance(code, str) or not REGION_CODE_RE.fullmatch(code):
        raise ValueError(r"region code must match ^\d{2}\.\d{2}$ (PP.RR, e.g. 35.73)")
    return code


def schema_for(slug: str) -> str:
    """`kota-malang` → `t_kota_malang`; only ever from a validated slug."""
    return "t_" + validate_slug(slug).replace("-", "_")


_current: ContextVar[TenantInfo | None] = ContextVar("kompeten_tenant", default=None)


def current_tenant() -> TenantInfo:
    tenant = _current.get()
    if tenant is None:
        raise NoTenantBound("no tenant is bound: use a /t/<slug>/ URL or tenant_context()")
    return tenant


def current_tenant_or_none() -> TenantInfo | None:
    return _current.get()


# --- the registry cache -------------------------------------------------------------------------------

_REGISTRY_SQL = sa.text(
    "SELECT id, slug, name, schema_name, status, province_code FROM platform.tenants WHERE {col} = :value"
)


class Registry:
    """Process-local, short-TTL cache of registry rows, so routing a request costs no query."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._by_slug: dict[str, tuple[float, TenantInfo | None]] = {}
        self.ttl = 5.0

    def get(self, slug: str) -> TenantInfo | None:
        now = time.monotonic()
        hit = self._by_slug.get(slug)
        if hit is not None and hit[0] > now:
            return hit[1]
        info = self._load("slug", slug)
        with self._lock:
            self._by_slug[slug] = (now + self.ttl, info)
        return info

    def get_by_id(self, tenant_id: int) -> TenantInfo | None:
        """Jobs carry ids: always read fresh (a job is long next to one query) and refresh the cache."""
        info = self._load("id", tenant_id)
        if info is not None:
            with self._lock:
                self._by_slug[info.slug] = (time.monotonic() + self.ttl, info)
        return info

    def invalidate(self, slug: str | None = None) -> None:
        with self._lock:
            if slug is None:
                self._by_slug.clear()
            else:
                self._by_slug.pop(slug, None)

    @staticmethod
    def _load(col: str, value: object) -> TenantInfo | None:
        if col not in ("slug", "id"):
            raise TenancyError(col)
        if col == "slug" and not (isinstance(value, str) and SLUG_RE.fullmatch(value)):
            return None
        with db.engine.connect() as conn:
            row = conn.execute(sa.text(_REGISTRY_SQL.text.format(col=col)), {"value": value}).first()
        if row is None:
            return None
        return TenantInfo(id=row.id, slug=row.slug, name=row.name, schema=row.schema_name, status=row.status,
                          province_code=row.province_code)


registry = Registry()


def resolve(tenant: TenantInfo | int | str, *, allow_status: tuple[str, ...] = ("active",)) -> TenantInfo:
    """Find a tenant by slug or id; raise TenantNotFound / TenantUnavailable."""
    if isinstance(tenant, TenantInfo):
        info: TenantInfo | None = tenant
    elif isinstance(tenant, int):
        info = registry.get_by_id(tenant)
    else:
        info = registry.get(tenant)
    if info is None:
        raise TenantNotFound(str(tenant))
    if info.status not in allow_status:
        raise TenantUnavailable(info)
    return info


@contextmanager
def tenant_context(
    tenant: TenantInfo | int | str, *, allow_status: tuple[str, ...] = ("active",)
) -> Iterator[TenantInfo]:
    """Bind a tenant for a job, a CLI command or a test; restores the previous binding on exit.

    The scoped session must not hold an open transaction (it would still point at the old schema); the
    session is removed on exit, so commit inside the block what should be kept.
    """
    info = resolve(tenant, allow_status=allow_status)
    if db.session().in_transaction():
        raise TenancyError("commit or roll back before switching tenant: the open transaction is bound to "
                           "the previous schema")
    token = _current.set(info)
    try:
        yield info
    finally:
        db.session.remove()
        _current.reset(token)


@contextmanager
def no_tenant() -> Iterator[None]:
    """Run platform-only code with no tenant bound (e.g. the registry itself, rollup reads)."""
    if db.session().in_transaction():
        raise TenancyError("commit or roll back before leaving the tenant")
    token = _current.set(None)
    try:
        yield
    finally:
        db.session.remove()
        _current.reset(token)


def bind_request_tenant(slug: str) -> TenantInfo:
    """Called once per request by the URL seam; errors become 404/423 problem responses."""
    info = resolve(slug)
    g._kompeten_tenant_token = _current.set(info)
    return info


def unbind_request_tenant() -> None:
    token = g.pop("_kompeten_tenant_token", None)
    if token is not None:
        _current.reset(token)


# --- the database side ----------------------------------------------------------------------------------

_CONN_SCHEMA = "kompeten_schema"
_CONN_SERVED = "kompeten_schemas_served"


def _on_connect(dbapi_conn, record) -> None:
    """Every new connection starts with an empty search_path: unqualified names resolve nowhere."""
    record.info["pid"] = os.getpid()
    autocommit = dbapi_conn.autocommit
    dbapi_conn.autocommit = True
    try:
        dbapi_conn.execute("SET search_path TO ''")
    finally:
        dbapi_conn.autocommit = autocommit


def _on_begin(conn: sa.Connection) -> None:
    """Each transaction opened while a tenant is bound starts in that tenant's schema, and only there."""
    tenant = _current.get()
    conn.info[_CONN_SCHEMA] = tenant.schema if tenant else None
    if tenant is None:
        return
    dbapi_conn = conn.connection.dbapi_connection
    dbapi_conn.execute(sql.SQL("SET LOCAL search_path TO {}").format(sql.Identifier(tenant.schema)))
    served = conn.connection.info.setdefault(_CONN_SERVED, set())
    served.add(tenant.schema)


def _on_savepoint(conn: sa.Connection, _name) -> None:
    """A savepoint on a connection shared by several units of work (see `share_connection`) starts in the schema
    of the tenant bound now, as a transaction would; set before the SAVEPOINT, so rolling it back keeps it."""
    tenant = _current.get()
    conn.info[_CONN_SCHEMA] = tenant.schema if tenant else None
    dbapi_conn = conn.connection.dbapi_connection
    if tenant is None:
        dbapi_conn.execute("SET LOCAL search_path TO ''")
        return
    dbapi_conn.execute(sql.SQL("SET LOCAL search_path TO {}").format(sql.Identifier(tenant.schema)))
    conn.connection.info.setdefault(_CONN_SERVED, set()).add(tenant.schema)


def share_connection(conn: sa.Connection) -> None:
    """Tests only: `conn` holds one outer transaction that is rolled back at the end of a test, and the session
    works in savepoints on it (`join_transaction_mode="create_savepoint"`). Each savepoint is then what a
    transaction is elsewhere: it starts in the schema of the tenant bound at that moment, and a statement run in
    it while another tenant is bound is refused."""
    if not event.contains(conn, "savepoint", _on_savepoint):
        event.listen(conn, "savepoint", _on_savepoint)


def _on_begin_without_tenant(conn: sa.Connection) -> None:
    """Behind a transaction pooler the connect-time `SET search_path TO ''` stayed on whichever server connection
    took it: a transaction with no tenant bound sets the empty search_path itself."""
    if _current.get() is not None:
        return
    dbapi_conn = conn.connection.dbapi_connection
    if not dbapi_conn.autocommit:
        dbapi_conn.execute("SET LOCAL search_path TO ''")


def _on_end(conn: sa.Connection) -> None:
    if conn.invalidated:
        # The connection died mid-transaction (a database restart): touching `info` would raise
        # PendingRollbackError and turn a retryable 503 into a 500. Its record is discarded, and the
        # next transaction's _on_begin sets the marker afresh.
        return
    conn.info.pop(_CONN_SCHEMA, None)


def _before_execute(conn, _cursor, _statement, _params, _context, _executemany) -> None:
    """Refuse to run a statement in a transaction that was opened for another tenant."""
    if _CONN_SCHEMA not in conn.info:
        return  # autocommit / DDL connection outside a transaction: search_path is the empty default
    tenant = _current.get()
    if conn.info[_CONN_SCHEMA] != (tenant.schema if tenant else None):
        raise TenancyError(
            f"transaction opened for {conn.info[_CONN_SCHEMA]!r} used while {tenant.slug if tenant else None!r} "
            "is bound"
        )


def _on_checkout(_dbapi_conn, record, proxy) -> None:
    """A connection inherited through fork (RQ's work horse) is never reused by the child."""
    if record.info.get("pid") != os.getpid():
        record.dbapi_connection = proxy.dbapi_connection = None
        raise sa.exc.DisconnectionError("connection belongs to the parent process")


def _recycle_after(limit: int):
    """A check-in hook that closes a connection once it has served `limit` schemas: a backend's catalog cache
    grows with every schema it touches and is never released."""

    def _on_checkin(_dbapi_conn, record) -> None:
        served = record.info.get(_CONN_SERVED)
        if served is not None and len(served) >= limit:
            record.invalidate()

    return _on_checkin


def _handle_error(ctx: sa.engine.ExceptionContext) -> None:
    """Turn 'relation does not exist' with no tenant bound into the clear error it really is."""
    orig = getattr(ctx.original_exception, "sqlstate", None)
    if orig == "42P01" and _current.get() is None:
        return NoTenantBound(f"no tenant is bound, so tenant tables do not resolve: {ctx.original_exception}")
    return None


def _guard_orm(state: ORMExecuteState) -> None:
    if _current.get() is not None:
        return
    for mapper in state.all_mappers:
        if mapper.local_table.schema is None:
            raise NoTenantBound(f"{mapper.class_.__name__} is tenant data and no tenant is bound")


def install_engine_events(engine: sa.Engine, schemas_per_connection: int, *, pooler: str | None = None) -> None:
    """`pooler="transaction"`: PgBouncer-style transaction pooling, where no session state can be relied on."""
    if event.contains(engine, "begin", _on_begin):
        return
    event.listen(engine.pool, "connect", _on_connect)
    event.listen(engine.pool, "checkin", _recycle_after(schemas_per_connection))
    event.listen(engine.pool, "checkout", _on_checkout)
    event.listen(engine, "begin", _on_begin)
    if pooler == "transaction":
        event.listen(engine, "begin", _on_begin_without_tenant)
    event.listen(engine, "commit", _on_end)
    event.listen(engine, "rollback", _on_end)
    event.listen(engine, "before_cursor_execute", _before_execute)
    event.listen(engine, "handle_error", _handle_error, retval=True)


def install(app) -> None:
    """Wire the seam into an app: engine events, the ORM guard and the URL prefix `/t/<tenant_slug>`."""
    registry.ttl = app.config["TENANT_CACHE_TTL"]
    with app.app_context():
        install_engine_events(db.engine, app.config["TENANT_SCHEMAS_PER_CONNECTION"],
                              pooler=app.config.get("DB_POOLER"))
    if not event.contains(db.session, "do_orm_execute", _guard_orm):
        event.listen(db.session, "do_orm_execute", _guard_orm)

    @app.url_value_preprocessor
    def _bind_from_url(_endpoint, values):
        if values and URL_SLUG_ARG in values:
            bind_request_tenant(values.pop(URL_SLUG_ARG))

    @app.url_defaults
    def _add_slug(endpoint, values):
        tenant = _current.get()
        if tenant is not None and URL_SLUG_ARG not in values and app.url_map.is_endpoint_expecting(
            endpoint, URL_SLUG_ARG
        ):
            values[URL_SLUG_ARG] = tenant.slug

    @app.teardown_request
    def _unbind(_exc):
        # The request is the unit of work: its session ends with it (uncommitted work is rolled back),
        # even when an outer app context (a CLI command, a test) outlives the request.
        try:
            db.session.remove()
        except sa.exc.SQLAlchemyError:
            # The connection died under the request (a database restart): its rollback fails. SQLAlchemy has
            # invalidated the connection already; drop the session so the thread's next request starts clean.
            log.warning("discarding a session whose connection broke", exc_info=True)
            db.session.registry.clear()
        finally:
            unbind_request_tenant()

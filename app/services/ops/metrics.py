"""Prometheus metrics (prometheus-client): what the web processes see is recorded in-process, what the workers see is
kept in Redis, and what the database knows is read at scrape time.

- **Requests** (`kompeten_http_requests_total{route,method,status}`, `kompeten_http_request_duration_seconds`): the
  route *template* (`/t/<tenant_slug>/api/v1/employees/<int:employee_id>`, never the raw path, so one series per
  route, not per URL). Per-region request counts are a separate, opt-in metric (KOMPETEN_METRICS_REGION_REQUESTS=1:
  `kompeten_region_requests_total{region}`, one series per region that exists, never per slug someone typed).
  Under gunicorn, set PROMETHEUS_MULTIPROC_DIR (an empty directory, wiped at each start) and every worker process
  writes its samples there; `/metrics` merges them (prometheus-client's multiprocess mode). Without it, a plain
  in-process registry.
- **Database pool** (`kompeten_db_pool_connections{state}`): kept up to date by pool events (summed over live
  processes in multiprocess mode).
- **Jobs** (`kompeten_job_duration_seconds{job,queue}`, `kompeten_job_failures_total{job,queue}`) and **rows per
  second** of imports and reconciliation (`kompeten_rows_processed_total{source}`, `kompeten_rows_seconds_total`,
  `kompeten_rows_per_second{source}`, the last chunk's): RQ workers run in other containers and fork a process
  per job, so they add to one Redis hash (`<prefix>:metrics`, a few HINCRBYs per job in one round trip) that
  `/metrics` reads. A job's failure to record never fails the job.
- **Queues** (`kompeten_queue_jobs{queue,state}`, `kompeten_workers`), **rollup freshness**
  (`kompeten_rollup_age_seconds{region}`, at most KOMPETEN_METRICS_MAX_REGIONS series, plus the worst one) and
  **backups** (`kompeten_backup_*`): read from Redis and PostgreSQL at scrape time.

`/metrics` answers only a bearer token whose SHA-256 is KOMPETEN_METRICS_TOKEN_SHA256, or a client address inside
KOMPETEN_METRICS_ALLOW (CIDRs, comma-separated); anyone else gets 401.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import logging
import os
import time
from collections import defaultdict
from collections.abc import Iterable

import sqlalchemy as sa
from flask import Flask, current_app, request
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, HistogramMetricFamily
from prometheus_client.registry import REGISTRY

log = logging.getLogger(__name__)

MULTIPROCESS = bool(os.environ.get("PROMETHEUS_MULTIPROC_DIR"))
REQUEST_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
JOB_BUCKETS = (0.1, 0.5, 1.0, 5.0, 15.0, 60.0, 300.0, 900.0, 1800.0, 3600.0)
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
UNMATCHED = "<unmatched>"  # a 404 (or 405) that matched no route: one series, whatever the path
STARTED = "kompeten.started"

REQUESTS = Counter("kompeten_http_requests", "HTTP requests by route template, method and status",
                   ("route", "method", "status"))
LATENCY = Histogram("kompeten_http_request_duration_seconds", "Time to answer a request, by route template",
                    ("route", "method"), buckets=REQUEST_BUCKETS)
REGION_REQUESTS = Counter("kompeten_region_requests", "Requests per region (opt-in: KOMPETEN_METRICS_REGION_REQUESTS)",
                          ("region",))
POOL = Gauge("kompeten_db_pool_connections", "SQLAlchemy pool connections of the web processes",
             ("state",), multiprocess_mode="livesum")


# --- requests --------------------------------------------------------------------------------------------------


class _StartClock:
    """WSGI middleware: the time a request came in (before the tenant lookup, the login, everything)."""

    def __init__(self, wsgi_app) -> None:
        self.wsgi_app = wsgi_app

    def __call__(self, environ, start_response):
        environ[STARTED] = time.perf_counter()
        return self.wsgi_app(environ, start_response)


def _record_request(resp):
    started = request.environ.get(STARTED)
    rule = request.url_rule
    route = rule.rule if rule is not None else UNMATCHED
    method = request.method if request.method in METHODS else "OTHER"
    REQUESTS.labels(route, method, str(resp.status_code)).inc()
    if started is not None:
        LATENCY.labels(route, method).observe(time.perf_counter() - started)
    if current_app.config.get("METRICS_REGION_REQUESTS"):
        from app.tenancy import current_tenant_or_none

        tenant = current_tenant_or_none()
        if tenant is not None:
            REGION_REQUESTS.labels(tenant.slug).inc()
    return resp


def _watch_pool(app: Flask) -> None:
    from app.extensions import db

    with app.app_context():
        engine = db.engine
    pool = engine.pool

    checked_out, idle = POOL.labels("checked_out"), POOL.labels("idle")
    overflow, size = POOL.labels("overflow"), POOL.labels("size")

    def _in_use(*_args) -> None:  # every checkout and checkin: two gauges
        checked_out.set(pool.checkedout())
        idle.set(pool.checkedin())

    def _shape(*_args) -> None:  # a connection opened or closed: the pool's size too
        _in_use()
        overflow.set(max(pool.overflow(), 0))
        size.set(pool.size())

    if not all(hasattr(pool, name) for name in ("checkedout", "checkedin", "overflow", "size")):
        return  # a pool without these counters (NullPool in some tools)
    sa.event.listen(pool, "checkout", _in_use)
    sa.event.listen(pool, "checkin", _in_use)
    sa.event.listen(pool, "connect", _shape)
    sa.event.listen(pool, "close", _shape)


def install(app: Flask) -> None:
    """Time every request and count it by route template; watch the database pool. Called first in create_app, so
    that requests refused early (no login, no tenant) are counted too."""
    if not app.config.get("METRICS_ENABLED", True):
        return
    app.wsgi_app = _StartClock(app.wsgi_app)
    app.after_request(_record_request)
    _watch_pool(app)


# --- what workers record, kept in Redis ------------------------------------------------------------------------


def _key() -> str:
    return f"{current_app.config['REDIS_KEY_PREFIX']}:metrics"


def _bucket(value: float, buckets: tuple[float, ...]) -> int:
    for i, bound in enumerate(buckets):
        if value <= bound:
            return i
    return len(buckets)  # +Inf


def job_kind(fn) -> str:
    """A job's name in metrics: its module under app.services, and its function (`imports.pipeline.process_import`)."""
    return f"{fn.__module__.removeprefix('app.services.')}.{fn.__name__}"


def record_job(kind: str, queue_name: str, seconds: float, failed: bool) -> None:
    """One run of a job: its duration, and whether it raised. Never raises."""
    try:
        from app.jobs import redis_connection

        base = f"{kind}|{queue_name}"
        pipe = redis_connection().pipeline(transaction=False)
        key = _key()
        pipe.hincrby(key, f"job_count|{base}", 1)
        pipe.hincrbyfloat(key, f"job_sum|{base}", seconds)
        pipe.hincrby(key, f"job_bucket|{base}|{_bucket(seconds, JOB_BUCKETS)}", 1)
        if failed:
            pipe.hincrby(key, f"job_failed|{base}", 1)
        pipe.execute()
    except Exception as exc:  # noqa: BLE001 - metrics never fail a job
        log.warning("job metrics not recorded: %s", exc)


def record_rows(source: str, rows: int, seconds: float) -> None:
    """`rows` rows of an import or reconciliation handled in `seconds`. Never raises."""
    if rows <= 0:
        return
    try:
        from app.jobs import redis_connection

        key = _key()
        pipe = redis_connection().pipeline(transaction=False)
        pipe.hincrby(key, f"rows|{source}", rows)
        pipe.hincrbyfloat(key, f"rows_seconds|{source}", seconds)
        pipe.hset(key, f"rows_rate|{source}", rows / max(seconds, 1e-6))
        pipe.execute()
    except Exception as exc:  # noqa: BLE001
        log.warning("row metrics not recorded: %s", exc)


# --- read at scrape time ---------------------------------------------------------------------------------------


class _SharedCollector:
    """Families built from Redis and PostgreSQL when /metrics is asked (in the scraping process, with the app)."""

    def collect(self) -> Iterable:
        yield from _job_families()
        yield from _queue_families()
        yield from _database_families()


def _job_families() -> Iterable:
    from app.jobs import redis_connection

    raw = {k.decode(): v.decode() for k, v in redis_connection().hgetall(_key()).items()}
    counts: dict[tuple, float] = {}
    sums: dict[tuple, float] = {}
    buckets: dict[tuple, list[float]] = defaultdict(lambda: [0.0] * (len(JOB_BUCKETS) + 1))
    failures = CounterMetricFamily("kompeten_job_failures", "Failed job attempts by job kind", labels=("job", "queue"))
    rows = CounterMetricFamily("kompeten_rows_processed", "Rows read and checked by imports and reconciliation",
                               labels=("source",))
    rows_seconds = CounterMetricFamily("kompeten_rows_seconds", "Seconds spent on those rows", labels=("source",))
    rate = GaugeMetricFamily("kompeten_rows_per_second", "Rows per second of the last chunk handled",
                             labels=("source",))
    for field, value in raw.items():
        kind, _, rest = field.partition("|")
        parts = rest.split("|")
        if kind == "job_count":
            counts[tuple(parts)] = float(value)
        elif kind == "job_sum":
            sums[tuple(parts)] = float(value)
        elif kind == "job_bucket":
            buckets[tuple(parts[:2])][int(parts[2])] = float(value)
        elif kind == "job_failed":
            failures.add_metric(parts, float(value))
        elif kind == "rows":
            rows.add_metric(parts, float(value))
        elif kind == "rows_seconds":
            rows_seconds.add_metric(parts, float(value))
        elif kind == "rows_rate":
            rate.add_metric(parts, float(value))
    durations = HistogramMetricFamily("kompeten_job_duration_seconds", "Job run time by job kind",
                                      labels=("job", "queue"))
    for labels in sorted(counts):
        running, cumulative = 0.0, []
        for bound, n in zip((*JOB_BUCKETS, float("inf")), buckets[labels], strict=True):
            running += n
            cumulative.append(("+Inf" if bound == float("inf") else str(bound), running))
        durations.add_metric(list(labels), cumulative, sums.get(labels, 0.0))
    yield from (durations, failures, rows, rows_seconds, rate)


def _queue_families() -> Iterable:
    from rq import Worker
    from rq.registry import FailedJobRegistry, ScheduledJobRegistry, StartedJobRegistry

    from app.jobs import QUEUES, queue, redis_connection

    depth = GaugeMetricFamily("kompeten_queue_jobs", "RQ jobs by queue and state", labels=("queue", "state"))
    conn = redis_connection()
    for name in QUEUES:
        q = queue(name)
        depth.add_metric([name, "queued"], q.count)
        depth.add_metric([name, "started"], StartedJobRegistry(queue=q).count)
        depth.add_metric([name, "scheduled"], ScheduledJobRegistry(queue=q).count)
        depth.add_metric([name, "failed"], FailedJobRegistry(queue=q).count)
    prefix = current_app.config["REDIS_KEY_PREFIX"] + ":"
    workers = [w for w in Worker.all(connection=conn) if any(n.startswith(prefix) for n in w.queue_names())]
    yield depth
    yield GaugeMetricFamily("kompeten_workers", "RQ workers serving this deployment's queues", value=len(workers))


def _database_families() -> Iterable:
    from app.extensions import db

    limit = int(current_app.config.get("METRICS_MAX_REGIONS", 1000))
    with db.engine.connect() as conn:  # platform tables only, on a connection of its own
        rows = conn.execute(sa.text(
            "SELECT t.slug, extract(epoch FROM now() - r.last_success_at) AS age, coalesce(r.stale, false) AS stale "
            "FROM platform.tenants t LEFT JOIN platform.tenant_refresh r ON r.tenant_id = t.id "
            "WHERE t.status = 'active' ORDER BY t.slug")).all()
        backups = _backup_state(conn)
    age = GaugeMetricFamily("kompeten_rollup_age_seconds", "Seconds since a region's rollups were last refreshed "
                            "(regions never refreshed are left out; see kompeten_rollup_never_refreshed)",
                            labels=("region",))
    for row in rows[:limit]:
        if row.age is not None:
            age.add_metric([row.slug], float(row.age))
    yield age
    ages = [float(r.age) for r in rows if r.age is not None]
    yield GaugeMetricFamily("kompeten_rollup_age_max_seconds", "The stalest active region's rollups, in seconds",
                            value=max(ages, default=0.0))
    yield GaugeMetricFamily("kompeten_rollup_never_refreshed", "Active regions whose rollups were never refreshed",
                            value=sum(1 for r in rows if r.age is None))
    yield GaugeMetricFamily("kompeten_rollup_stale_regions", "Active regions whose last rollup refresh failed",
                            value=sum(1 for r in rows if r.stale))
    yield GaugeMetricFamily("kompeten_active_regions", "Active regions", value=len(rows))
    yield from backups


def _backup_state(conn) -> Iterable:
    """Backup families (app/services/admin/backups.py)."""
    from app.services.admin import backups

    return list(backups.metric_families(conn))


def _plain_families() -> Iterable:
    """The in-process registry's families (plain mode)."""

    class _Plain:
        def collect(self):
            return REGISTRY.collect()

    return _Plain()


def scrape() -> bytes:
    registry = CollectorRegistry()
    if MULTIPROCESS:
        from prometheus_client import multiprocess

        multiprocess.MultiProcessCollector(registry)
    else:
        registry.register(_plain_families())
    registry.register(_SharedCollector())
    return generate_latest(registry)


# --- who may scrape --------------------------------------------------------------------------------------------


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def networks(app_config) -> list:
    raw = app_config.get("METRICS_ALLOW") or ""
    return [ipaddress.ip_network(part.strip(), strict=False) for part in raw.split(",") if part.strip()]


def may_scrape() -> bool:
    """A bearer token whose digest is configured, or a client address in an allowed network."""
    expected = current_app.config.get("METRICS_TOKEN_SHA256")
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if expected and scheme.lower() == "bearer" and token.strip() and hmac.compare_digest(
            token_digest(token.strip()), expected.strip().lower()):
        return True
    allowed = networks(current_app.config)
    if allowed and request.remote_addr:
        try:
            address = ipaddress.ip_address(request.remote_addr)
        except ValueError:
            return False
        return any(address in net for net in allowed)
    return False


def mark_process_dead(pid: int) -> None:
    """gunicorn's child_exit hook (app/gunicorn_conf.py): drop a dead worker's live gauges."""
    if MULTIPROCESS:
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(pid)

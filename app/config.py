"""Configuration from the environment; nothing here opens a connection."""

from __future__ import annotations

import os
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent


def _sqlalchemy_url(url: str | None) -> str | None:
    """Accept plain `postgresql://` URLs and point SQLAlchemy at psycopg 3."""
    if not url:
        return None
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


POOLER_MODES = ("", "session", "transaction")


def _prepare_threshold(env) -> tuple[bool, int | None]:
    """(set?, value) for psycopg's prepare_threshold: KOMPETEN_DB_PREPARE_THRESHOLD (a number, or `none` for
    never), else none behind a transaction pooler (KOMPETEN_DB_POOLER=transaction), else psycopg's default."""
    raw = env.get("KOMPETEN_DB_PREPARE_THRESHOLD", "").strip().lower()
    if raw:
        if raw in ("none", "off", "never"):
            return True, None
        if not raw.isdigit():
            raise ValueError(f"KOMPETEN_DB_PREPARE_THRESHOLD must be a number or 'none' (got {raw!r})")
        return True, int(raw)
    return (True, None) if db_pooler(env) == "transaction" else (False, None)


def db_pooler(env) -> str:
    mode = env.get("KOMPETEN_DB_POOLER", "").strip().lower()
    if mode not in POOLER_MODES:
        raise ValueError(f"KOMPETEN_DB_POOLER must be 'transaction', 'session' or empty (got {mode!r})")
    return mode
def instance_path(explicit: str | Path | None = None, environ: dict[str, str] | None = None) -> Path:
    """The instance directory (embedded servers' data, uploads, logs): `explicit` (a command's --instance-dir),
    else KOMPETEN_INSTANCE_DIR, else ./instance."""
    env = os.environ if environ is None else environ
    return Path(explicit or env.get("KOMPETEN_INSTANCE_DIR") or Path.cwd() / "instance").resolve()


class Config:
    """Defaults; every value can be overridden by the environment or by create_app(config=...)."""

    def __init__(self, environ: dict[str, str] | None = None) -> None:
        env = os.environ if environ is None else environ
        self.INSTANCE_DIR = str(instance_path(environ=env))
        self.TENANTS_DIR = env.get("KOMPETEN_TENANTS_DIR", str(REPO_ROOT / "tenants"))
        # Where region export bundles are written (default: <instance dir>/exports).
        self.EXPORT_DIR = env.get("KOMPETEN_EXPORT_DIR")
        # Files people upload (learning certificates): <FILES_DIR>/<region>/<key> (default: <instance dir>/files), or
        # another store named `package.module:factory` (app/services/files/storage.py, e.g. an S3-compatible one).
        self.FILES_DIR = env.get("KOMPETEN_FILES_DIR")
        self.FILES_STORAGE = env.get("KOMPETEN_FILES_STORAGE")
        # Nightly backups (schedule admin.backup): how many daily, weekly and monthly bundles each region keeps, and
        # the age (hours) after which a region's leftover .zip.part file is removed.
        self.BACKUP_KEEP_DAILY = int(env.get("KOMPETEN_BACKUP_KEEP_DAILY", "7"))
        self.BACKUP_KEEP_WEEKLY = int(env.get("KOMPETEN_BACKUP_KEEP_WEEKLY", "4"))
        self.BACKUP_KEEP_MONTHLY = int(env.get("KOMPETEN_BACKUP_KEEP_MONTHLY", "12"))
        self.BACKUP_STALE_PART_HOURS = float(env.get("KOMPETEN_BACKUP_STALE_PART_HOURS", "6"))
        self.SECRET_KEY = env.get("SECRET_KEY")
        # Signs export bundles (HMAC-SHA256); default: a key derived from SECRET_KEY. Set it to keep bundles
        # restorable across a SECRET_KEY rotation.
        self.BUNDLE_KEY = env.get("KOMPETEN_BUNDLE_KEY")
        # Encrypts credentials kept in the database (a region's SIASN consumer key/secret and SSO password): a Fernet
        # key; default: one derived from SECRET_KEY (app/services/siasn/secrets.py says how).
        self.SECRETS_KEY = env.get("KOMPETEN_SECRETS_KEY")
        # SIASN push: concurrent calls per job, per-call timeout (s), and the waits (s) between retries of a call
        # SIASN did not answer (down, slow, 5xx).
        self.SIASN_CONCURRENCY = int(env.get("KOMPETEN_SIASN_CONCURRENCY", "16"))
        self.SIASN_TIMEOUT = float(env.get("KOMPETEN_SIASN_TIMEOUT", "15"))
        self.SIASN_RETRY_DELAYS = tuple(float(x) for x in env.get("KOMPETEN_SIASN_RETRY_DELAYS", "1,4,15").split(",")
                                        if x.strip())
        self.SQLALCHEMY_DATABASE_URI = _sqlalchemy_url(env.get("DATABASE_URL"))
        self.REDIS_URL = env.get("REDIS_URL")
        # Queue names and Redis keys carry this prefix, so test runs sharing one Redis never meet.
        self.REDIS_KEY_PREFIX = env.get("KOMPETEN_REDIS_PREFIX", "kompeten")
        self.SQLALCHEMY_ENGINE_OPTIONS = {
            "pool_pre_ping": True,
            "pool_size": int(env.get("KOMPETEN_POOL_SIZE", "5")),
            "max_overflow": int(env.get("KOMPETEN_POOL_OVERFLOW", "5")),
            "pool_timeout": 10,
            "pool_recycle": 3600,
            # A server that is down or unreachable fails a connect in seconds instead of hanging the request
            # (with pool_timeout, no request waits more than ~15 s for a connection).
            "connect_args": {"connect_timeout": int(env.get("KOMPETEN_DB_CONNECT_TIMEOUT", "5"))},
        }
        # Behind PgBouncer (< 1.21, or without max_prepared_statements) in transaction mode, a statement psycopg
        # prepared on one server connection is missing on the next (InvalidSqlStatementName) or clashes with
        # another client's (DuplicatePreparedStatement): KOMPETEN_DB_POOLER=transaction turns preparing off and
        # makes every transaction set its own search_path (app/tenancy.py).
        self.DB_POOLER = db_pooler(env) or None
        given, threshold = _prepare_threshold(env)
        if given:
            self.SQLALCHEMY_ENGINE_OPTIONS["connect_args"]["prepare_threshold"] = threshold
        # A connection that has served this many tenant schemas is closed on check-in (bounds backend memory).
        self.TENANT_SCHEMAS_PER_CONNECTION = int(env.get("KOMPETEN_SCHEMAS_PER_CONNECTION", "200"))
        # Spare tenant schemas kept at head so that provisioning is a rename (app/services/admin/spares.py); 0: none.
        self.SPARE_SCHEMAS = int(env.get("KOMPETEN_SPARE_SCHEMAS", "3"))
        self.TENANT_CACHE_TTL = float(env.get("KOMPETEN_TENANT_CACHE_TTL", "5"))
        self.SQLALCHEMY_TRACK_MODIFICATIONS = False
        # Session cookie: HttpOnly, SameSite=Lax, and Secure unless turned off (the local demo over plain http).
        self.SESSION_COOKIE_NAME = "kompeten_session"
        self.SESSION_COOKIE_HTTPONLY = True
        self.SESSION_COOKIE_SAMESITE = "Lax"
        self.SESSION_COOKIE_SECURE = env.get("KOMPETEN_COOKIE_SECURE", "1") != "0"
        # Reverse proxies in front of the app whose X-Forwarded-For/-Proto are trusted (0: none, the default).
        self.PROXY_HOPS = int(env.get("KOMPETEN_PROXY_HOPS", "0"))
        # Background runs (app/services/runs): the database is the source of truth for a run. A job holding a run
        # renews its lease every RUN_LEASE_SECONDS / 4; a run whose lease ran out while its RQ job is gone, failed or
        # abandoned is taken over by the reaper (every 30 s, at worker start, on every view of the run) and
        # re-enqueued, at most RUN_MAX_ATTEMPTS jobs per run, then failed with a reason (docs/reliability.md).
        self.RUN_LEASE_SECONDS = float(env.get("KOMPETEN_RUN_LEASE_SECONDS", "20"))
        self.RUN_MAX_ATTEMPTS = int(env.get("KOMPETEN_RUN_MAX_ATTEMPTS", "3"))
        # A bulk enrolment or results sheet confirmed with more rows than this is written by an RQ job
        # (app/services/cohorts/bulk_runs.py), not in the request.
        self.COHORT_BULK_JOB_ROWS = int(env.get("KOMPETEN_COHORT_BULK_JOB_ROWS", "500"))
        # A transient database or Redis error (connection refused, "starting up", server closed the connection) is
        # retried after each of these delays in turn (seconds; 183 s in all), outlasting a server restart.
        self.JOB_RETRY_BACKOFF = tuple(float(x) for x in env.get(
            "KOMPETEN_JOB_RETRY_BACKOFF", "1,2,4,8,16,32,60,60").split(",") if x.strip())
        # RQ worker settings (the `kompeten worker` command): registries cleaned every WORKER_MAINTENANCE_INTERVAL
        # seconds (RQ: 600), the work horse's heartbeat every WORKER_JOB_MONITORING_INTERVAL (RQ: 30) with a
        # started-job TTL WORKER_HEARTBEAT_GRACE past it (RQ: 60), and a worker key TTL of WORKER_TTL (RQ: 420,
        # the dequeue timeout being 15 s less): an abandoned job is requeued by RQ itself within a minute.
        self.WORKER_MAINTENANCE_INTERVAL = int(env.get("KOMPETEN_WORKER_MAINTENANCE_INTERVAL", "30"))
        self.WORKER_JOB_MONITORING_INTERVAL = int(env.get("KOMPETEN_WORKER_JOB_MONITORING_INTERVAL", "10"))
        self.WORKER_HEARTBEAT_GRACE = int(env.get("KOMPETEN_WORKER_HEARTBEAT_GRACE", "15"))
        self.WORKER_TTL = int(env.get("KOMPETEN_WORKER_TTL", "35"))
        # /readyz caches its answer this long per process (it runs two queries and a Redis PING).
        self.READY_CACHE_SECONDS = float(env.get("KOMPETEN_READY_CACHE_SECONDS", "5"))
        # Prometheus metrics at /metrics (app/services/ops/metrics.py): who may scrape (a bearer token, stored as
        # its SHA-256 hex digest: `kompeten ops metrics-token`; and/or client networks, comma-separated CIDRs).
        self.METRICS_ENABLED = env.get("KOMPETEN_METRICS", "1") != "0"
        self.METRICS_TOKEN_SHA256 = env.get("KOMPETEN_METRICS_TOKEN_SHA256")
        self.METRICS_ALLOW = env.get("KOMPETEN_METRICS_ALLOW", "")
        # Opt-in: kompeten_region_requests_total{region}, one series per region (550 regions: 550 series).
        self.METRICS_REGION_REQUESTS = env.get("KOMPETEN_METRICS_REGION_REQUESTS", "0") == "1"
        # At most this many kompeten_rollup_age_seconds{region} series (the worst one is always exported).
        self.METRICS_MAX_REGIONS = int(env.get("KOMPETEN_METRICS_MAX_REGIONS", "1000"))
        self.LOG_LEVEL = env.get("KOMPETEN_LOG_LEVEL", "INFO")
        self.LOG_FORMAT = env.get("KOMPETEN_LOG_FORMAT", "text")  # text | json
        self.LOG_FILE = env.get("KOMPETEN_LOG_FILE")  # default: stderr
        self.API_TITLE = "Kompeten"
        self.API_VERSION = "v1"
        self.OPENAPI_VERSION = "3.0.3"
        self.JSON_SORT_KEYS = False

    def as_dict(self) -> dict:
        return {k: v for k, v in vars(self).items() if k.isupper()}

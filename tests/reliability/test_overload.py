"""Overload: the shipped gunicorn settings (app/gunicorn_conf.py) behind the shipped nginx configuration
(docker/nginx/templates/kompeten.conf.template), both started by the test on free ports: requests beyond what the
workers can take get a 503 problem with Retry-After within milliseconds instead of waiting until they time out;
the ones admitted are served. The upstream is a WSGI app that is slow on purpose (tests/reliability/slow_wsgi.py):
what is tested is the proxy and server configuration, not the app."""

from __future__ import annotations

import concurrent.futures
import http.client
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from tests.reliability.servers import free_port

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[2]
NGINX = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)


def _wait_port(port: int, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
        try:
            conn.request("GET", "/")
            conn.getresponse().read()
            return
        except OSError:
            time.sleep(0.1)
        finally:
            conn.close()
    raise RuntimeError(f"nothing answers on {port}")


@pytest.fixture
def proxied():
    if NGINX is None:
        pytest.skip("nginx is not installed (apt-get install nginx-light)")
    scratch = Path(tempfile.mkdtemp(prefix="kompeten-overload-"))
    web_port, proxy_port = free_port(), free_port()
    env = {**os.environ, "WEB_CONCURRENCY": "1", "GUNICORN_BIND": f"127.0.0.1:{web_port}",
           "GUNICORN_APP": "tests.reliability.slow_wsgi:app", "GUNICORN_ACCESSLOG": str(scratch / "access.log"),
           "PYTHONPATH": str(REPO)}
    gunicorn = subprocess.Popen([sys.executable, "-m", "gunicorn", "-c", "python:app.gunicorn_conf"],  # noqa: S603
                                env=env, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    template = (REPO / "docker/nginx/templates/kompeten.conf.template").read_text()
    values = {"KOMPETEN_PROXY_LISTEN": f"127.0.0.1:{proxy_port}", "KOMPETEN_WEB_UPSTREAM": f"127.0.0.1:{web_port}",
              "KOMPETEN_WEB_MAX_CONNS": "2"}  # 2 x 1 worker, as the compose default is 2 x 2
    rendered = re.sub(r"\$\{(KOMPETEN_[A-Z_]+)\}", lambda m: values[m.group(1)], template)
    (scratch / "kompeten.conf").write_text(rendered)
    (scratch / "nginx.conf").write_text(
        f"user root;\nworker_processes 1;\npid {scratch}/nginx.pid;\nerror_log {scratch}/error.log;\n"
        "events { worker_connections 256; }\n"
        f"http {{ access_log off; client_body_temp_path {scratch}/body; proxy_temp_path {scratch}/proxy;\n"
        f"  fastcgi_temp_path {scratch}/fcgi; uwsgi_temp_path {scratch}/uwsgi; scgi_temp_path {scratch}/scgi;\n"
        f"  include {scratch}/kompeten.conf; }}\n")
    nginx = subprocess.Popen([NGINX, "-p", str(scratch), "-c", str(scratch / "nginx.conf"), "-g", "daemon off;"],  # noqa: S603
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        _wait_port(web_port)
        _wait_port(proxy_port)
        yield proxy_port
    finally:
        for proc in (nginx, gunicorn):
            proc.terminate()
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(10)
        shutil.rmtree(scratch, ignore_errors=True)


def _get(port: int, path: str) -> tuple[int, float, dict, bytes]:
    started = time.monotonic()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request("GET", path)
        resp = conn.getresponse()
        body = resp.read()
    finally:
        conn.close()
    return resp.status, time.monotonic() - started, dict(resp.getheaders()), body


def test_an_overloaded_server_answers_503_fast_and_serves_what_it_admitted(proxied):
    with concurrent.futures.ThreadPoolExecutor(12) as pool:
        results = list(pool.map(lambda _: _get(proxied, "/?seconds=1.5"), range(12)))
    served = [r for r in results if r[0] == 200]
    shed = [r for r in results if r[0] == 503]
    print(f"\nserved {len(served)} in {[round(r[1], 2) for r in served]} s; "
          f"503 for {len(shed)}, slowest {max(r[1] for r in shed):.3f} s")
    assert len(served) + len(shed) == 12
    assert 1 <= len(served) <= 2  # what max_conns admits: the one worker and one waiting behind it
    assert len(shed) >= 10
    assert max(r[1] for r in shed) < 0.5  # answered at once, not after waiting for a worker
    for _status, _seconds, headers, body in shed:
        assert headers["Content-Type"] == "application/problem+json" and headers["Retry-After"] == "5"
        problem = json.loads(body)
        assert problem["status"] == 503 and problem["type"].endswith("/overloaded") and "coba lagi" in problem["detail"]
    # Once the burst is over, everything is served again.
    assert _get(proxied, "/?seconds=0")[0] == 200

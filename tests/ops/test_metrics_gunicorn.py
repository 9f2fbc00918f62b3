"""Multiprocess mode: gunicorn with 2 workers and PROMETHEUS_MULTIPROC_DIR; /metrics (asked of any worker) adds up
the requests every worker answered."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest
from prometheus_client.parser import text_string_to_metric_families

from app.config import REPO_ROOT


def _get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=5) as resp:  # noqa: S310 - a local test server
            return resp.status, resp.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


@pytest.mark.committed
def test_gunicorn_workers_metrics_are_merged(app, database_url, redis_url, redis_prefix, tmp_path, free_tcp_port):
    port = free_tcp_port
    env = {**os.environ, "DATABASE_URL": database_url, "REDIS_URL": redis_url, "KOMPETEN_REDIS_PREFIX": redis_prefix,
           "SECRET_KEY": "test-secret", "KOMPETEN_INSTANCE_DIR": str(tmp_path), "KOMPETEN_LOG_LEVEL": "WARNING",
           "PROMETHEUS_MULTIPROC_DIR": str(tmp_path / "prom"), "KOMPETEN_METRICS_ALLOW": "127.0.0.1/32",
           "PYTHONPATH": str(REPO_ROOT)}
    log = (tmp_path / "gunicorn.log").open("wb")
    proc = subprocess.Popen([sys.executable, "-m", "gunicorn", "-c", "python:app.gunicorn_conf", "--bind",  # noqa: S603
                             f"127.0.0.1:{port}", "--workers", "2", "app:create_app()"], cwd=REPO_ROOT, env=env,
                            stdout=log, stderr=log)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(150):
            try:
                if _get(f"{base}/healthz")[0] == 200:
                    break
            except OSError:
                time.sleep(0.1)
        else:
            pytest.fail("gunicorn did not start: " + (tmp_path / "gunicorn.log").read_text()[-2000:])
        for _ in range(40):  # spread over both workers (each connection may land on either)
            assert _get(f"{base}/healthz")[0] == 200
        status, text = _get(f"{base}/metrics")
        assert status == 200, text
        total = 0.0
        for family in text_string_to_metric_families(text):
            for s in family.samples:
                if s.name == "kompeten_http_requests_total" and s.labels.get("route") == "/healthz":
                    total += s.value
        assert total >= 41  # every /healthz answered, by whichever worker, is counted once
        assert len(list((tmp_path / "prom").glob("counter_*.db"))) >= 1
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        log.close()

"""gunicorn settings for Kompeten's web service (docker/Dockerfile: `gunicorn -c python:app.gunicorn_conf`).

Overload is answered, not queued: gunicorn's defaults (a listen backlog of 2048 connections in front of a few sync
workers) let a busy server collect requests that wait until the client gives up. Here the backlog is small, so a
full server refuses quickly, and the reverse proxy in front (docker/nginx/) turns "no free worker" into a fast
503 problem with Retry-After. Every value can be overridden by the environment (docs/reliability.md, "Overload").

With PROMETHEUS_MULTIPROC_DIR set, every gunicorn worker writes its metric samples into that directory and /metrics
merges them (prometheus-client's multiprocess mode): the directory is emptied when gunicorn starts (samples of a
previous run would be summed in), and a worker that exits has its live gauges dropped.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
# Sync workers: one request each. About 2 x CPU cores (WEB_CONCURRENCY, as before).
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
# A request running longer than this is killed and its worker replaced (the longest request, an export of a large
# report, stays well inside it: docs/benchmarks.md); the proxy waits a little longer (proxy_read_timeout 35 s).
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT", "30"))
# Connections waiting for a worker: a few per worker, not gunicorn's 2048 (which is minutes of queueing).
backlog = int(os.environ.get("GUNICORN_BACKLOG", str(16 * workers)))
keepalive = int(os.environ.get("GUNICORN_KEEPALIVE", "5"))  # above nginx's upstream keepalive reuse
# Recycle workers now and then (bounded memory growth), never all at once.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "2000"))
max_requests_jitter = int(os.environ.get("GUNICORN_MAX_REQUESTS_JITTER", "200"))
accesslog = os.environ.get("GUNICORN_ACCESSLOG", "-")
wsgi_app = os.environ.get("GUNICORN_APP", "app:create_app()")


def on_starting(server) -> None:
    directory = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if directory:
        path = Path(directory)
        if path.exists():
            shutil.rmtree(path)
        path.mkdir(parents=True)


def child_exit(server, worker) -> None:
    from app.services.ops.metrics import mark_process_dead

    mark_process_dead(worker.pid)

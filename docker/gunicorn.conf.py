"""gunicorn settings for Kompeten's web service (docker/Dockerfile: `gunicorn -c docker/gunicorn.conf.py`).

Overload is answered, not queued: gunicorn's defaults (a listen backlog of 2048 connections in front of a few sync
workers) let a busy server collect requests that wait until the client gives up. Here the backlog is small, so a
full server refuses quickly, and the reverse proxy in front (docker/nginx/) turns "no free worker" into a fast
503 problem with Retry-After. Every value can be overridden by the environment (docs/reliability.md, "Overload").
"""

import os

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

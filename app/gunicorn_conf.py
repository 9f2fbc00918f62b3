"""gunicorn settings for Kompeten's web container (`gunicorn -c python:app.gunicorn_conf 'app:create_app()'`).

With PROMETHEUS_MULTIPROC_DIR set, every gunicorn worker writes its metric samples into that directory and /metrics
merges them (prometheus-client's multiprocess mode): the directory is emptied when gunicorn starts (samples of a
previous run would be summed in), and a worker that exits has its live gauges dropped.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path


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

"""The bounded load run (bench/load.py --smoke): gunicorn with 2 workers, staff browsing 4 regions while an import
runs. Asserts only what must hold on any machine: 0 errors and the import done. Latency figures are printed by
the bench and kept in docs/benchmarks.md, never asserted here."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from app.config import REPO_ROOT


@pytest.mark.soak
def test_staff_browsing_while_an_import_runs_see_no_errors(server_urls):
    database, redis_url = server_urls
    env = {**os.environ, "DATABASE_URL": database, "REDIS_URL": redis_url, "PYTHONPATH": str(REPO_ROOT)}
    done = subprocess.run([sys.executable, str(REPO_ROOT / "bench" / "load.py"), "--smoke"],  # noqa: S603
                          env=env, capture_output=True, text=True, timeout=600, check=False)
    print(done.stdout)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "RESULT errors=0 import=done" in done.stdout

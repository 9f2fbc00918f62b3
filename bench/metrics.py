"""What the Prometheus metrics add to a request: p50 (and p90) with and without them, in one run. Prints figures;
asserts nothing.

    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres python bench/metrics.py [--requests 4000]

Two apps in one process, identical but for KOMPETEN_METRICS (the request hooks and the pool watcher), called in
alternation through the WSGI interface (no network: what is measured is the app's own time), on two routes:
/favicon.ico (no database) and /healthz (one pool checkout and SELECT 1, so the pool events count). Then the same
again in a child process with PROMETHEUS_MULTIPROC_DIR set (gunicorn's mode: samples go to mmap'ed files).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import machine, percentile, server_url  # noqa: E402

ROUTES = ("/favicon.ico", "/healthz")


def make_app(metrics: bool):
    from app import create_app

    return create_app({"SQLALCHEMY_DATABASE_URI": server_url().replace("postgresql://", "postgresql+psycopg://", 1),
                       "SECRET_KEY": "bench", "REDIS_URL": os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"),
                       "LOG_LEVEL": "WARNING", "METRICS_ENABLED": metrics,
                       "INSTANCE_DIR": tempfile.mkdtemp(prefix="kompeten-bench-metrics-")})


ROUNDS = 5


def measure(requests: int) -> dict:
    """Per route: p50 and p90 (ms) with and without, each the median of ROUNDS rounds (a busy machine's noise)."""
    apps = {"with": make_app(True), "without": make_app(False)}
    clients = {k: a.test_client() for k, a in apps.items()}
    out = {}
    for route in ROUTES:
        for _ in range(200):  # warm up both (imports, pool, caches)
            for c in clients.values():
                c.get(route)
        rounds: dict[str, dict[str, list[float]]] = {"with": {"p50": [], "p90": []}, "without": {"p50": [], "p90": []}}
        for _ in range(ROUNDS):
            times: dict[str, list[float]] = {"with": [], "without": []}
            for i in range(requests // ROUNDS):
                order = ("with", "without") if i % 2 else ("without", "with")  # alternate: drift hits both alike
                for name in order:
                    started = time.perf_counter()
                    resp = clients[name].get(route)
                    times[name].append(time.perf_counter() - started)
                    assert resp.status_code == 200, resp.status_code
            for name, v in times.items():
                rounds[name]["p50"].append(percentile(v, 50) * 1000)
                rounds[name]["p90"].append(percentile(v, 90) * 1000)
        out[route] = {name: {k: statistics.median(v) for k, v in r.items()} for name, r in rounds.items()}
    return out


def report(title: str, figures: dict) -> None:
    print(title)
    for route, f in figures.items():
        added50 = f["with"]["p50"] - f["without"]["p50"]
        added90 = f["with"]["p90"] - f["without"]["p90"]
        print(f"  {route:<14} p50 {f['without']['p50']:.3f} -> {f['with']['p50']:.3f} ms (added {added50:+.3f} ms)  "
              f"p90 {f['without']['p90']:.3f} -> {f['with']['p90']:.3f} ms (added {added90:+.3f} ms)")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=4000, help="per route and per app")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:  # the multiprocess run: print JSON for the parent
        print(json.dumps(measure(args.requests)))
        return
    print(machine())
    print(f"{args.requests} requests per route and app, alternating with / without metrics; median of {ROUNDS} "
          "rounds")
    report("plain registry (one process):", measure(args.requests))
    with tempfile.TemporaryDirectory(prefix="kompeten-prom-") as directory:
        env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": directory}
        done = subprocess.run([sys.executable, __file__, "--child", "--requests", str(args.requests)],  # noqa: S603
                              env=env, capture_output=True, text=True, check=True)
        report("multiprocess mode (PROMETHEUS_MULTIPROC_DIR, as under gunicorn):",
               json.loads(done.stdout.strip().splitlines()[-1]))


if __name__ == "__main__":
    main()

"""Load: 20 simulated staff browsing the 4 demo regions under gunicorn (2 workers) while a 100k-row PPPK import
runs; prints p50/p95/p99 and the error rate of the reads during the import.

    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres REDIS_URL=redis://127.0.0.1:6379/0 \\
        python bench/load.py [--users 20] [--import-rows 100000] [--max-seconds 300] [--keep]

Creates its own database (`kompeten_bench_load`, dropped at the end unless --keep) and Redis key prefix,
provisions the regions of tenants/ with their demo data, makes an operator token per region, starts gunicorn
(2 workers) and one RQ worker, uploads the import over HTTP, and lets each simulated staff member browse one
region (lists, employee pages, JP lookups, cohorts, reports) with a short think time, over keep-alive loopback
connections. It stops by itself once the import is done (or after --max-seconds). Target: 0 errors and
p95 < 100 ms for reads while the import runs. `--smoke` is a small bounded run (the `soak` test uses it).
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench.common import create_database, drop_database, machine, percentile, server_url, with_database  # noqa: E402
from bench.imports import UNITS, write_file  # noqa: E402

DB_NAME = "kompeten_bench_load"
SECRET = "bench-load-secret"
IMPORT_SLUG = "kab-serang"


def log(msg: str) -> None:
    print(msg, flush=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def prepare(url: str, redis_url: str, prefix: str, instance: Path, demo: bool) -> dict:
    """Platform, regions, demo data, an operator token per region and what staff browse: {slug: {...}}."""
    import sqlalchemy as sa

    from app import create_app
    from app.auth import TOKEN_PREFIX, digest, new_secret
    from app.extensions import db
    from app.models.accounts import ApiToken, User
    from app.models.employees import Opd
    from app.services.admin import migrations
    from app.services.admin.manifests import load_manifests
    from app.services.admin.provisioning import provision
    from app.services.demo.regions import seed_current_tenant
    from app.services.text import name_key
    from app.tenancy import tenant_context

    app = create_app({"SQLALCHEMY_DATABASE_URI": url.replace("postgresql://", "postgresql+psycopg://", 1),
                      "SECRET_KEY": SECRET, "REDIS_URL": redis_url, "REDIS_KEY_PREFIX": prefix,
                      "LOG_LEVEL": "WARNING", "INSTANCE_DIR": str(instance)})
    out: dict = {}
    with app.app_context():
        migrations.upgrade_platform()
        for spec in load_manifests(REPO / "tenants"):
            provision(spec)
            started = time.perf_counter()
            with tenant_context(spec.slug):
                if demo:
                    seed_current_tenant()
                if spec.slug == IMPORT_SLUG:
                    have = set(db.session.execute(sa.select(Opd.name_key)).scalars())
                    db.session.add_all([Opd(name=u, name_key=name_key(u)) for u in UNITS if name_key(u) not in have])
                user = User(username=f"operator-load-{uuid.uuid4().hex[:6]}", full_name="Operator Beban",
                            role="operator", active=True)
                db.session.add(user)
                db.session.flush()
                token = TOKEN_PREFIX + new_secret()
                db.session.add(ApiToken(user_id=user.id, name="load", token_hash=digest(token), prefix=token[:12],
                                        role="operator", expires_at=datetime.now(UTC) + timedelta(hours=6)))
                s = db.session
                nips = list(s.execute(sa.text("SELECT nip FROM employees ORDER BY random() LIMIT 300")).scalars())
                names = list(s.execute(sa.text("SELECT name FROM employees ORDER BY random() LIMIT 100")).scalars())
                cohorts = list(s.execute(sa.text("SELECT id FROM cohorts ORDER BY random() LIMIT 50")).scalars())
                years = list(s.execute(sa.text("SELECT DISTINCT year FROM cohorts ORDER BY 1")).scalars()) or [2024]
                counts = s.execute(sa.text("SELECT (SELECT count(*) FROM employees), (SELECT count(*) FROM "
                                           "enrolments)")).one()
                db.session.commit()
            out[spec.slug] = {"token": token, "nips": nips, "names": names, "cohorts": cohorts, "years": years}
            log(f"  {spec.slug:<12} {counts[0]:>6} employees, {counts[1]:>6} enrolments "
                f"({time.perf_counter() - started:.1f} s)")
        db.engine.dispose()
    return out


def browse_paths(data: dict, rng: random.Random) -> tuple[str, str]:
    """One staff click: (kind, path). A realistic mix, heaviest on lists and employee pages."""
    api = "/api/v1"
    nip = rng.choice(data["nips"]) if data["nips"] else "000000000000000000"
    cohort = rng.choice(data["cohorts"]) if data["cohorts"] else 1
    year = rng.choice(data["years"])
    word = (rng.choice(data["names"]).split()[0] if data["names"] else "a")[:6]
    choices = [
        (20, "employee list", f"{api}/employees?limit=50&offset={rng.randrange(0, 200)}"),
        (10, "employee search", f"{api}/employees?q={word}&limit=20"),
        (20, "employee page", f"{api}/employees/{nip}"),
        (15, "JP lookup", f"{api}/employees/{nip}/jp?year={year}"),
        (5, "OPD list", f"{api}/opds"),
        (5, "programs", f"{api}/programs"),
        (8, "cohort list", f"{api}/cohorts?limit=20"),
        (5, "cohort page", f"{api}/cohorts/{cohort}"),
        (5, "enrolments of a cohort", f"{api}/cohorts/{cohort}/enrolments?limit=50"),
        (4, "JP compliance report", f"{api}/reports/jp-compliance?year={year}&limit=50"),
        (3, "training recap report", f"{api}/reports/training-recap?year={year}"),
    ]
    weights = [c[0] for c in choices]
    _, kind, path = rng.choices(choices, weights=weights)[0]
    return kind, path


def upload(port: int, slug: str, token: str, path: Path) -> int:
    boundary = uuid.uuid4().hex
    head = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"mode\"\r\n\r\nvalid-only\r\n"
            f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{path.name}\"\r\n"
            "Content-Type: text/csv\r\n\r\n").encode()
    body = head + path.read_bytes() + f"\r\n--{boundary}--\r\n".encode()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    conn.request("POST", f"/t/{slug}/api/v1/imports/pppk-enrolments", body=body,
                 headers={"Authorization": f"Bearer {token}",
                          "Content-Type": f"multipart/form-data; boundary={boundary}"})
    resp = conn.getresponse()
    payload = json.loads(resp.read())
    if resp.status != 202:
        raise SystemExit(f"upload refused: {resp.status} {payload}")
    return payload["id"]


def run_state(port: int, slug: str, token: str, run_id: int) -> dict:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request("GET", f"/t/{slug}/api/v1/imports/{run_id}", headers={"Authorization": f"Bearer {token}"})
    return json.loads(conn.getresponse().read())


def wait_for(port: int, proc: subprocess.Popen, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise SystemExit("gunicorn did not come up")


def staff(n: int, port: int, regions: dict, stop: threading.Event, phase: list,
          samples: list, think: tuple[float, float]) -> None:
    """One member of staff: works in one region, clicks, reads, thinks; one keep-alive connection."""
    rng = random.Random(n)
    slug = list(regions)[n % len(regions)]
    data = regions[slug]
    headers = {"Authorization": f"Bearer {data['token']}"}
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    while not stop.is_set():
        kind, path = browse_paths(data, rng)
        during = phase[0]  # "before", "during" or "after" the import
        started = time.perf_counter()
        try:
            conn.request("GET", f"/t/{slug}{path}", headers=headers)
            resp = conn.getresponse()
            resp.read()
            status = resp.status
        except (OSError, http.client.HTTPException):
            status = 599
            conn.close()
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        elapsed = time.perf_counter() - started
        samples.append((during, kind, status, elapsed))
        stop.wait(rng.uniform(*think))


def report(samples: list, label: str) -> dict:
    lat = [s[3] * 1000 for s in samples]
    errors = [s for s in samples if s[2] >= 500 or s[2] in (401, 403)]
    out = {"requests": len(samples), "errors": len(errors), "p50": percentile(lat, 50), "p95": percentile(lat, 95),
           "p99": percentile(lat, 99), "max": max(lat) if lat else float("nan")}
    log(f"  {label}: {out['requests']} reads, {out['errors']} errors ({100 * out['errors'] / max(1, len(samples)):.2f}"
        f" %), p50 {out['p50']:.1f} ms, p95 {out['p95']:.1f} ms, p99 {out['p99']:.1f} ms, max {out['max']:.0f} ms")
    statuses = defaultdict(int)
    for s in samples:
        statuses[s[2]] += 1
    log(f"    statuses: {dict(sorted(statuses.items()))}")
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--import-rows", type=int, default=100_000)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument("--max-seconds", type=float, default=300)
    parser.add_argument("--after-seconds", type=float, default=10, help="keep browsing this long after the import")
    parser.add_argument("--think", default="0.2,1.0", help="think time between clicks, min,max seconds")
    parser.add_argument("--no-demo", action="store_true", help="skip the demo data (empty regions)")
    parser.add_argument("--smoke", action="store_true", help="small and short: 6 staff, 2,000 rows, no demo data")
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()
    if args.smoke:
        args.users, args.import_rows, args.after_seconds, args.no_demo = 6, 2000, 2, True
    think = tuple(float(x) for x in args.think.split(","))
    server = server_url()
    redis_url = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
    db_name = DB_NAME + ("_smoke_" + uuid.uuid4().hex[:6] if args.smoke else "")
    url = with_database(server, db_name)
    prefix = f"kompeten_bench_load:{uuid.uuid4().hex[:6]}"
    create_database(with_database(server, "postgres"), db_name)
    log(machine())
    log("  load average before: {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))
    procs: list[subprocess.Popen] = []
    failed = False
    try:
        with tempfile.TemporaryDirectory() as tmp:
            instance = Path(tmp) / "instance"
            log("Preparing regions ...")
            regions = prepare(url, redis_url, prefix, instance, demo=not args.no_demo)
            env = {**os.environ, "DATABASE_URL": url, "REDIS_URL": redis_url, "KOMPETEN_REDIS_PREFIX": prefix,
                   "SECRET_KEY": SECRET, "KOMPETEN_LOG_LEVEL": "WARNING", "KOMPETEN_INSTANCE_DIR": str(instance),
                   "PYTHONPATH": str(REPO)}
            port = free_port()
            gunicorn = subprocess.Popen(  # noqa: S603 - fixed argv, loopback only
                [sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}", "--workers", str(args.workers),
                 "--log-level", "warning", "app:create_app()"], cwd=REPO, env=env)
            procs.append(gunicorn)
            worker = subprocess.Popen([sys.executable, "-m", "app.cli_entry", "worker"],  # noqa: S603
                                      cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            procs.append(worker)
            wait_for(port, gunicorn)
            csv_path = Path(tmp) / f"pppk-{args.import_rows}.csv"
            write_file(csv_path, args.import_rows, 500_000)

            samples: list = []
            stop, phase = threading.Event(), ["before"]
            threads = [threading.Thread(target=staff, args=(n, port, regions, stop, phase, samples, think),
                                        daemon=True) for n in range(args.users)]
            for t in threads:
                t.start()
            time.sleep(max(3.0, think[1] * 3))  # browsing first: the quiet baseline
            phase[0] = "during"
            started = time.monotonic()
            token = regions[IMPORT_SLUG]["token"]
            run_id = upload(port, IMPORT_SLUG, token, csv_path)
            run = {}
            while time.monotonic() - started < args.max_seconds:
                run = run_state(port, IMPORT_SLUG, token, run_id)
                if run.get("state") in ("done", "failed", "cancelled"):
                    break
                time.sleep(0.5)
            import_seconds = time.monotonic() - started
            phase[0] = "after"
            time.sleep(args.after_seconds)
            stop.set()
            for t in threads:
                t.join(35)

            log(f"Import of {args.import_rows:,} rows into {IMPORT_SLUG}: state {run.get('state')}, "
                f"{import_seconds:.1f} s end to end, rows {run.get('rows')}")
            log(f"{args.users} staff over {len(regions)} regions, think time {think[0]}-{think[1]} s, "
                f"gunicorn {args.workers} workers:")
            quiet = report([s for s in samples if s[0] == "before"], "reads before the import")
            busy = report([s for s in samples if s[0] == "during"], "reads while the import runs")
            later = report([s for s in samples if s[0] == "after"],
                           "reads after the import (the region is 100k bigger)")
            per_kind = defaultdict(list)
            for s in samples:
                if s[0] == "during":
                    per_kind[s[1]].append(s[3] * 1000)
            for kind, lat in sorted(per_kind.items()):
                log(f"    {kind:<24} n={len(lat):>5}  p50 {percentile(lat, 50):6.1f} ms  p95 "
                    f"{percentile(lat, 95):6.1f} ms  p99 {percentile(lat, 99):6.1f} ms")
            log("  load average after: {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))
            errors = busy["errors"] + quiet["errors"] + later["errors"]
            failed = run.get("state") != "done" or errors > 0 or busy["requests"] == 0
            log(f"RESULT errors={errors} import={run.get('state')} "
                f"p95_during_import_ms={busy['p95']:.1f}")
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            try:
                proc.wait(15)
            except subprocess.TimeoutExpired:
                proc.kill()
        if not args.keep:
            drop_database(with_database(server, "postgres"), db_name)
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())

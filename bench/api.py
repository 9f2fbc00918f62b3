"""API benchmark: one region with 100k employees and 500k enrolments / JP ledger lines.

    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres python bench/api.py [--keep] [--explain]

Creates its own database (`kompeten_bench_api`, dropped at the end unless --keep), provisions one tenant,
bulk-loads it with COPY, VACUUM ANALYZEs, then measures in-process with the Flask test client (p50/p95 of the
employee list, the JP lookup and the reports) and the requests/s of the list under gunicorn with 2 workers
on 127.0.0.1. Every request carries the Bearer token of an admin of the region (made directly in the database),
so the figures include authentication and the authorisation check. Endpoints that do not exist (yet) are skipped
with a message. Targets: list and lookup p50 < 15 ms, compliance report < 1 s, list ≥ 300 req/s.

    python bench/api.py --paging 10000,100000,400000 [--seconds 10]

measures the employee list at each size instead (a fresh region each, no enrolments): page 1, a page in the
middle of the list by `cursor` (keyset) and by `offset`, and the requests/s of cursor pages in the middle under
gunicorn; the goal is the same p50 at every size and ≥ 600 req/s.
"""

from __future__ import annotations

import argparse
import http.client
import os
import random
import socket
import statistics
import subprocess
import sys
import threading
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import psycopg
from psycopg import sql

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench.common import create_database, drop_database, machine, with_database  # noqa: E402

DB_NAME = "kompeten_bench_api"
SLUG = "kota-bench"
YEARS = (2020, 2021, 2022, 2023, 2024)
YEAR_WEIGHTS = (0.10, 0.15, 0.15, 0.20, 0.40)  # the measured year (2024) carries the largest share
BENCH_YEAR = 2024
SECRET = "bench-secret-not-for-production"

FIRST = (
    "Agus", "Budi", "Citra", "Dewi", "Eko", "Fitri", "Gunawan", "Hana", "Indra", "Joko", "Kartika", "Lestari",
    "Made", "Nur", "Oki", "Putri", "Rina", "Sri", "Teguh", "Umar", "Wahyu", "Yanti", "Zainal", "Ahmad", "Bambang",
    "Cahya", "Dian", "Endah", "Fajar", "Gita", "Hendra", "Intan", "Januar", "Kurnia", "Lukman", "Maya", "Nanda",
    "Okta", "Pratiwi", "Rudi", "Sari", "Taufik", "Utami", "Vina", "Wulan", "Yoga", "Zahra",
)
LAST = (
    "Santoso", "Wijaya", "Saputra", "Hidayat", "Kusuma", "Pratama", "Nugroho", "Setiawan", "Wibowo", "Susanto",
    "Lestari", "Handayani", "Rahayu", "Purnomo", "Siregar", "Nasution", "Harahap", "Simanjuntak", "Hutapea",
    "Sitompul", "Lubis", "Tanjung", "Putra", "Utomo", "Suryadi", "Halim", "Gunadi", "Sutrisno", "Firmansyah",
    "Ramadhan", "Hakim", "Maulana", "Syahputra", "Permana", "Kurniawan", "Anggraini", "Wulandari", "Fauzi",
    "Iskandar", "Salim",
)
OPD_NAMES = (
    [f"Dinas {n}" for n in ("Pendidikan", "Kesehatan", "Sosial", "Perhubungan", "Pekerjaan Umum", "Lingkungan Hidup",
                            "Perdagangan", "Koperasi dan UMKM", "Pertanian", "Pariwisata", "Kependudukan",
                            "Komunikasi dan Informatika", "Tenaga Kerja", "Perumahan", "Pemuda dan Olahraga")]
    + [f"Badan {n}" for n in ("Kepegawaian dan PSDM", "Keuangan Daerah", "Perencanaan Pembangunan",
                              "Penanggulangan Bencana", "Pendapatan Daerah", "Kesatuan Bangsa dan Politik")]
    + [f"Bagian {n} Setda" for n in ("Umum", "Hukum", "Organisasi", "Pemerintahan", "Perekonomian", "Kesra")]
    + [f"Kecamatan {n}" for n in ("Klojen", "Blimbing", "Lowokwaru", "Sukun", "Kedungkandang")]
    + [f"Kelurahan {n}" for n in ("Kauman", "Oro-oro Dowo", "Samaan", "Rampal Celaket", "Kiduldalem", "Penanggungan",
                                  "Bareng", "Gadingkasri", "Kasin", "Sukoharjo", "Purwantoro", "Bunulrejo",
                                  "Polehan", "Jodipan", "Kesatrian", "Arjosari", "Pandanwangi", "Tunjungsekar",
                                  "Dinoyo", "Merjosari", "Tlogomas", "Sumbersari", "Ketawanggede", "Jatimulyo")]
)
COURSES = [(f"TEK-{i:02d}", f"Pelatihan Teknis {i}", "technical", "teknis", jp)
           for i, jp in enumerate((8, 10, 12, 16, 20, 24, 30, 32, 40, 10, 12, 16), start=1)]
COURSES += [(f"ELN-{i:02d}", f"E-learning {i}", "elearning", "sosial_kultural", jp)
            for i, jp in enumerate((2, 4, 6, 8, 10), start=1)]


def log(msg: str) -> None:
    print(msg, flush=True)


# --- data -------------------------------------------------------------------------------------------------


def load(spec, db_url: str, n_employees: int, n_enrolments: int, n_elearning: int, seed: int) -> dict:
    """Provision the tenant and COPY the data in; returns what the measurements need (ids, NIPs)."""
    from app.domain.nip import make_nip
    from app.extensions import db
    from app.services.admin.provisioning import provision
    from app.services.text import name_key
    from app.tenancy import tenant_context

    rng = random.Random(seed)
    provision(spec)
    started = time.perf_counter()
    with tenant_context(spec.slug), db.engine.begin() as conn:
        cur = conn.connection.dbapi_connection.cursor()
        # OPDs
        with cur.copy("COPY opds (id, code, name, name_key) FROM STDIN") as cp:
            for i, name in enumerate(OPD_NAMES, start=1):
                cp.write_row((i, f"OPD-{i:03d}", name, name_key(name)))
        opd_ids = list(range(1, len(OPD_NAMES) + 1))
        opd_weights = [rng.uniform(0.2, 3.0) for _ in opd_ids]  # big and small departments
        # Employees: NIPs unique by (birth date, sequence)
        nips: list[str] = []
        active_ids: list[int] = []
        opd_of = rng.choices(opd_ids, weights=opd_weights, k=n_employees)
        with cur.copy("COPY employees (id, nip, name, name_key, gender, birth_date, employee_type, golongan, "
                      "jabatan, jabatan_kind, opd_id, active) FROM STDIN") as cp:
            base = date(1966, 1, 1)
            for i in range(n_employees):
                born = base + timedelta(days=i % 11_000)
                gender = "L" if rng.random() < 0.52 else "P"
                pppk = rng.random() < 0.2
                start_year = min(born.year + rng.randint(20, 30), 2024)
                nip = make_nip(born, start_year, rng.randint(1, 12), gender, i // 11_000 + 1)
                name = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
                if pppk:
                    golongan = rng.choice(("V", "VII", "IX", "X"))
                else:
                    golongan = rng.choice(("II/a", "II/c", "III/a", "III/b", "III/c", "III/d", "IV/a", "IV/b"))
                kind = rng.choices(("pelaksana", "fungsional", "pengawas", "administrator", "jpt"),
                                   weights=(50, 35, 10, 4, 1))[0]
                active = rng.random() < 0.97
                cp.write_row((i + 1, nip, name, name_key(name), gender, born, "PPPK" if pppk else "PNS", golongan,
                              f"Jabatan {kind}", kind, opd_of[i], active))
                nips.append(nip)
                if active:
                    active_ids.append(i + 1)
        # Programs: the standard catalogue plus technical courses and e-learning
        cur.execute("SELECT max(id) FROM programs")
        next_program = cur.fetchone()[0] + 1
        with cur.copy("COPY programs (id, code, name, program_type, competency_type, jp) FROM STDIN") as cp:
            for offset, row in enumerate(COURSES):
                cp.write_row((next_program + offset, *row))
        cur.execute("SELECT id, jp FROM programs")
        programs = cur.fetchall()
        # Cohorts of ~50 and their enrolments; a pass writes a JP ledger line
        cohort_size = 50
        n_cohorts = max(1, n_enrolments // cohort_size)
        cohort_rows, enrol_rows, ledger_rows = [], [], []
        numbers: dict[tuple[int, int], int] = {}
        enrolment_id = 0
        for cohort_id in range(1, n_cohorts + 1):
            year = rng.choices(YEARS, weights=YEAR_WEIGHTS)[0]
            program_id, jp = rng.choice(programs)
            number = numbers[(program_id, year)] = numbers.get((program_id, year), 0) + 1
            start = date(year, rng.randint(1, 10), rng.randint(1, 28))
            cohort_rows.append((cohort_id, program_id, number, year, "klasikal", start, start + timedelta(days=10)))
            for employee_id in rng.sample(range(1, n_employees + 1), cohort_size):
                enrolment_id += 1
                status = rng.choices(("passed", "failed", "withdrawn", "attending"), weights=(82, 5, 5, 8))[0]
                passed = status == "passed"
                cert = f"STTPP/{cohort_id}/{enrolment_id}" if passed else None
                enrol_rows.append((enrolment_id, employee_id, cohort_id, status, cert,
                                   start + timedelta(days=11) if passed else None, jp if passed else None))
                if passed:
                    ledger_rows.append((employee_id, year, jp, "cohort", enrolment_id, f"Angkatan {cohort_id}",
                                        cert, start + timedelta(days=11)))
        for _ in range(n_elearning):
            year = rng.choices(YEARS, weights=YEAR_WEIGHTS)[0]
            ledger_rows.append((rng.randint(1, n_employees), year, rng.choice((2, 4, 6, 8, 10)), "elearning", None,
                                "MOOC ASN", None, date(year, rng.randint(1, 12), rng.randint(1, 28))))
        with cur.copy("COPY cohorts (id, program_id, number, year, mode, start_date, end_date) FROM STDIN") as cp:
            for row in cohort_rows:
                cp.write_row(row)
        with cur.copy("COPY enrolments (id, employee_id, cohort_id, status, certificate_number, certificate_date, "
                      "jp_earned) FROM STDIN") as cp:
            for row in enrol_rows:
                cp.write_row(row)
        with cur.copy("COPY jp_entries (employee_id, year, jp, source, enrolment_id, title, certificate_number, "
                      "completed_on) FROM STDIN") as cp:
            for row in ledger_rows:
                cp.write_row(row)
        for table in ("opds", "employees", "programs", "cohorts", "enrolments"):
            cur.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")
        cur.execute("SELECT count(*) FROM jp_entries WHERE year = %s", (BENCH_YEAR,))
        year_ledger = cur.fetchone()[0]
    # VACUUM, not only ANALYZE: it sets the visibility map, as autovacuum would on a live system, so that counts
    # can be index-only scans. VACUUM cannot run in a transaction: a plain autocommit connection, bench only.
    with psycopg.connect(db_url, autocommit=True) as admin:
        admin.execute(sql.SQL("SET search_path TO {}").format(sql.Identifier(spec.schema)))
        admin.execute("VACUUM (ANALYZE)")
    log(f"loaded {n_employees:,} employees in {len(OPD_NAMES)} OPDs, {len(cohort_rows):,} cohorts, "
        f"{len(enrol_rows):,} enrolments, {len(ledger_rows):,} JP ledger lines ({year_ledger:,} in {BENCH_YEAR}) "
        f"in {time.perf_counter() - started:.1f} s")
    search_terms = [name_key(n)[:5] for n in rng.sample(LAST, 10)]
    return {"opd_ids": opd_ids, "nips": nips, "cohort_ids": list(range(1, len(cohort_rows) + 1)),
            "search_terms": search_terms, "rng": rng}


def bench_token() -> str:
    """An admin of the bench region and a Bearer token for them, written straight to the database."""
    from app.auth import TOKEN_PREFIX, digest, new_secret
    from app.extensions import db
    from app.models.accounts import ApiToken, User
    from app.tenancy import tenant_context

    token = TOKEN_PREFIX + new_secret()
    with tenant_context(SLUG):
        user = User(username=f"bench-admin-{new_secret(4).lower()}", full_name="Bench Admin", role="admin")
        db.session.add(user)
        db.session.flush()
        db.session.add(ApiToken(user_id=user.id, name="bench", token_hash=digest(token), prefix=token[:12],
                                role="admin", expires_at=datetime.now(UTC) + timedelta(days=1)))
        db.session.commit()
    return token


# --- in-process timings -----------------------------------------------------------------------------------



def route_exists(app, path: str) -> bool:
    adapter = app.url_map.bind("localhost")
    try:
        adapter.match(path.split("?", 1)[0], method="GET")
    except Exception:  # noqa: BLE001 - NotFound / MethodNotAllowed: the route is not there (yet)
        return False
    return True


def timed(client, app, label: str, urls, n: int, warmup: int) -> dict | None:
    """p50/p95 over n requests; `urls` is a callable giving the next URL."""
    first = urls()
    if not route_exists(app, first):
        log(f"  {label:<44} SKIPPED: no route for {first.split('?')[0]} (endpoint not written yet?)")
        return None
    for _ in range(warmup):
        client.get(urls(), buffered=True).close()
    samples = []
    for _ in range(n):
        url = urls()
        t0 = time.perf_counter()
        resp = client.get(url, buffered=True)
        samples.append((time.perf_counter() - t0) * 1000)
        if resp.status_code != 200:
            log(f"  {label:<44} SKIPPED: {url} answered {resp.status_code}: {resp.get_data(as_text=True)[:200]}")
            return None
        resp.close()
    samples.sort()
    p50 = statistics.median(samples)
    p95 = samples[min(len(samples) - 1, int(round(0.95 * len(samples))) - 1)]
    log(f"  {label:<44} p50 {p50:8.1f} ms   p95 {p95:8.1f} ms   (n={n})")
    return {"label": label, "p50": p50, "p95": p95, "n": n}


def explain(app, client, url: str) -> None:
    """EXPLAIN (ANALYZE, BUFFERS) every statement one request runs."""
    import sqlalchemy as sa

    from app.extensions import db
    from app.tenancy import tenant_context

    captured: list[tuple[str, object]] = []

    def _capture(_conn, _cursor, statement, params, _context, _many):
        captured.append((statement, params))

    sa.event.listen(db.engine, "before_cursor_execute", _capture)
    try:
        client.get(url, buffered=True).close()
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", _capture)
    log(f"\n--- EXPLAIN ANALYZE: {url}")
    with tenant_context(SLUG), db.engine.connect() as conn, conn.begin():
        cur = conn.connection.dbapi_connection.cursor()
        for statement, params in captured:
            cur.execute("EXPLAIN (ANALYZE, BUFFERS) " + statement, params)
            log("\n".join(row[0] for row in cur.fetchall()))
            log("")


# --- gunicorn throughput ----------------------------------------------------------------------------------


def cpu_snapshot(server_pid: int) -> dict:
    """CPU seconds so far: the machine (busy/idle), the gunicorn tree, this process (the client), PostgreSQL."""
    import resource

    import psutil

    fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    hz = os.sysconf("SC_CLK_TCK")
    idle = (fields[3] + fields[4]) / hz
    busy = sum(fields[:8]) / hz - idle  # user nice system idle iowait irq softirq steal (guest is inside user)
    kernel_net = sum(fields[5:8]) / hz  # irq, softirq (loopback TCP), steal: no process is charged for these

    def tree_seconds(procs) -> float:
        total = 0.0
        for p in procs:
            try:
                t = p.cpu_times()
                total += t.user + t.system
            except psutil.Error:
                pass
        return total

    server = psutil.Process(server_pid)
    usage = resource.getrusage(resource.RUSAGE_SELF)
    # Only the backends serving the bench database: other databases on the server are "other processes".
    postgres = [p for p in psutil.process_iter(["name", "cmdline"])
                if (p.info["name"] or "").startswith("postgres") and DB_NAME in " ".join(p.info["cmdline"] or [])]
    return {"busy": busy, "idle": idle, "irq": kernel_net,
            "gunicorn": tree_seconds([server, *server.children(recursive=True)]),
            "client": usage.ru_utime + usage.ru_stime, "postgres": tree_seconds(postgres)}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def throughput(db_url: str, paths: list[str], seconds: float, threads: int, workers: int,
               token: str) -> dict | None:
    log("  load average before the run: {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))
    port = free_port()
    env = {**os.environ, "DATABASE_URL": db_url, "SECRET_KEY": SECRET, "KOMPETEN_LOG_LEVEL": "WARNING",
           "PYTHONPATH": str(REPO)}
    proc = subprocess.Popen(  # noqa: S603 - fixed argv, loopback only
        [sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}", "--workers", str(workers),
         "--log-level", "warning", "app:create_app()"], cwd=REPO, env=env)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
                conn.request("GET", "/healthz")
                if conn.getresponse().status == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline or proc.poll() is not None:
                log("  gunicorn did not come up; skipping the throughput run")
                return None
            time.sleep(0.2)
        counts, errors, latencies = [0] * threads, [0] * threads, [[] for _ in range(threads)]
        stop_at = [0.0]
        measuring = threading.Event()

        def worker(idx: int) -> None:
            rng = random.Random(idx)
            while time.monotonic() < stop_at[0]:
                path = rng.choice(paths)
                t0 = time.perf_counter()
                try:
                    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
                    conn.request("GET", path, headers={"Authorization": f"Bearer {token}"})
                    resp = conn.getresponse()
                    resp.read()
                    conn.close()
                    ok = resp.status == 200
                except OSError:
                    ok = False
                if measuring.is_set():
                    if ok:
                        counts[idx] += 1
                        latencies[idx].append((time.perf_counter() - t0) * 1000)
                    else:
                        errors[idx] += 1

        warmup = 2.0
        stop_at[0] = time.monotonic() + warmup + seconds
        pool = [threading.Thread(target=worker, args=(i,), daemon=True) for i in range(threads)]
        for t in pool:
            t.start()
        time.sleep(warmup)
        measuring.set()
        t0 = time.monotonic()
        cpu0 = cpu_snapshot(proc.pid)
        for t in pool:
            t.join(timeout=seconds + 30)
        elapsed = time.monotonic() - t0
        cpu1 = cpu_snapshot(proc.pid)
        done = sum(counts)
        lat = sorted(x for part in latencies for x in part)
        result = {"rps": done / elapsed, "requests": done, "errors": sum(errors), "seconds": elapsed,
                  "p50": statistics.median(lat) if lat else float("nan"),
                  "p95": lat[int(0.95 * (len(lat) - 1))] if lat else float("nan")}
        log(f"  list under gunicorn ({workers} workers, {threads} client threads, Bearer token, {elapsed:.1f} s): "
            f"{result['rps']:.0f} req/s, {done:,} ok, {result['errors']} errors, "
            f"latency p50 {result['p50']:.1f} ms p95 {result['p95']:.1f} ms")
        cpu = {k: cpu1[k] - cpu0[k] for k in cpu0}
        capacity = cpu["busy"] + cpu["idle"]
        other = cpu["busy"] - cpu["gunicorn"] - cpu["client"] - cpu["postgres"] - cpu["irq"]
        log(f"  CPU over the run ({capacity:.1f} CPU-s available): gunicorn workers {cpu['gunicorn']:.1f} s, "
            f"PostgreSQL {cpu['postgres']:.1f} s, load generator {cpu['client']:.1f} s, irq/softirq/steal "
            f"{cpu['irq']:.1f} s, other processes {max(other, 0):.1f} s, idle {cpu['idle']:.1f} s")
        log(f"  CPU per request: app (Python) {cpu['gunicorn'] / max(done, 1) * 1000:.2f} ms, "
            f"PostgreSQL {cpu['postgres'] / max(done, 1) * 1000:.2f} ms")
        result["cpu"] = cpu
        return result
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


# --- main -------------------------------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--employees", type=int, default=100_000)
    parser.add_argument("--enrolments", type=int, default=500_000)
    parser.add_argument("--elearning", type=int, default=100_000, help="JP ledger lines outside cohorts")
    parser.add_argument("-n", "--samples", type=int, default=200, help="requests per in-process timing")
    parser.add_argument("--seconds", type=float, default=10.0, help="length of the gunicorn run (0: skip it)")
    parser.add_argument("--threads", type=int, default=8, help="client threads for the gunicorn run")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--keep", action="store_true", help=f"keep the database {DB_NAME}")
    parser.add_argument("--reuse", action="store_true", help=f"measure an existing {DB_NAME} (from --keep)")
    parser.add_argument("--explain", action="store_true", help="print EXPLAIN ANALYZE of each measured query")
    parser.add_argument("--paging", help="comma-separated sizes: measure the employee list's paging at each")
    args = parser.parse_args()
    if args.paging:
        return paging(args)

    server = os.environ.get("DATABASE_URL")
    if not server:
        log("DATABASE_URL is not set (e.g. postgresql://postgres@127.0.0.1:5432/postgres)")
        return 2
    admin_url = with_database(server, "postgres")
    db_url = with_database(server, DB_NAME)
    if not args.reuse:
        create_database(admin_url, DB_NAME)

    from app import create_app
    from app.extensions import db
    from app.services.admin import migrations
    from app.services.admin.provisioning import TenantSpec

    config = {"SQLALCHEMY_DATABASE_URI": db_url.replace("postgresql://", "postgresql+psycopg://", 1),
              "SECRET_KEY": SECRET, "LOG_LEVEL": "WARNING", "REDIS_URL": os.environ.get("REDIS_URL")}
    app = create_app(config)
    spec = TenantSpec.from_mapping({
        "slug": SLUG, "name": "Kota Bench", "kind": "kota", "region_code": "99.71", "province_code": "99",
        "province_name": "Provinsi Bench", "agency": "BKPSDM Kota Bench", "partners": []})
    results: dict = {}
    try:
        with app.app_context():
            with db.engine.connect() as conn:
                pg_version = conn.exec_driver_sql("SHOW server_version").scalar_one()
            log(f"{machine()}, PostgreSQL {pg_version}")
            if args.reuse:
                from app.tenancy import tenant_context

                with tenant_context(SLUG), db.engine.connect() as conn, conn.begin():
                    cur = conn.connection.dbapi_connection.cursor()
                    cur.execute("SELECT nip FROM employees ORDER BY id")
                    nips = [r[0] for r in cur.fetchall()]
                    cur.execute("SELECT id FROM opds ORDER BY id")
                    opd_ids = [r[0] for r in cur.fetchall()]
                    cur.execute("SELECT id FROM cohorts ORDER BY id")
                    cohort_ids = [r[0] for r in cur.fetchall()]
                rng = random.Random(args.seed)
                data = {"opd_ids": opd_ids, "nips": nips, "cohort_ids": cohort_ids, "rng": rng,
                        "search_terms": [n.lower()[:5] for n in rng.sample(LAST, 10)]}
            else:
                migrations.upgrade_platform()
                data = load(spec, db_url, args.employees, args.enrolments, args.elearning, args.seed)
            rng = data["rng"]
            base = f"/t/{SLUG}/api/v1"
            token = bench_token()
            client = app.test_client()
            client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {token}"
            n = args.samples
            log("\nin-process (Flask test client), one request at a time, each with an admin's Bearer token:")
            opd = lambda: f"{base}/employees?opd_id={rng.choice(data['opd_ids'])}&limit=50"  # noqa: E731
            search = lambda: f"{base}/employees?q={rng.choice(data['search_terms'])}&limit=50"  # noqa: E731
            jp = lambda: f"{base}/employees/{rng.choice(data['nips'])}/jp?year={BENCH_YEAR}"  # noqa: E731
            compliance = f"{base}/reports/jp-compliance?year={BENCH_YEAR}"
            few = max(10, n // 10)
            checks = [  # (label, next URL, samples, warm-up requests)
                ("employees list, opd_id filter, 50/page", opd, n, 10),
                ("employees list, page 1, no filter", lambda: f"{base}/employees?limit=50", n, 5),
                ("employees list, name search (q=...)", search, n, 5),
                ("employees list, NIP prefix (q=1975)", lambda: f"{base}/employees?q=1975&limit=50", n, 5),
                ("employee JP lookup /employees/<nip>/jp", jp, n, 10),
                ("jp-compliance, whole tenant (JSON)", lambda: compliance, few, 2),
                ("jp-compliance, below_only (JSON)", lambda: compliance + "&below_only=true", few, 2),
                ("jp-compliance, one OPD (JSON)", lambda: f"{compliance}&opd_id={rng.choice(data['opd_ids'])}", few, 2),
                ("jp-compliance below-20 list, CSV (all rows)", lambda: compliance + "&below_only=true&format=csv",
                 3, 0),
                ("jp-compliance below-20 list, XLSX (all rows)", lambda: compliance + "&below_only=true&format=xlsx",
                 3, 0),
                ("training-recap (JSON)", lambda: f"{base}/reports/training-recap?year={BENCH_YEAR}", few, 2),
                ("cohort roster (JSON)", lambda: f"{base}/reports/cohorts/{rng.choice(data['cohort_ids'])}/roster",
                 n, 5),
            ]
            for label, urls, count, warmup in checks:
                results[label] = timed(client, app, label, urls, count, warmup)
            dashboard(app, results, few)
            if args.explain:
                for url in (opd(), search(), jp(), compliance, compliance + "&below_only=true",
                            f"{base}/reports/training-recap?year={BENCH_YEAR}"):
                    if route_exists(app, url):
                        explain(app, client, url)
            db.session.remove()
            db.engine.dispose()
        log("\nthroughput:")
        paths = [f"{base}/employees?opd_id={i}&limit=50" for i in data["opd_ids"]]
        if args.seconds <= 0:
            log("  SKIPPED (--seconds 0)")
        elif route_exists(app, paths[0]):
            results["rps"] = throughput(db_url, paths, args.seconds, args.threads, args.workers, token)
        else:
            log("  SKIPPED: no employees list endpoint yet")
        summary(results)
    finally:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
        if not args.keep:
            drop_database(admin_url, DB_NAME)
            log(f"dropped database {DB_NAME}")
        else:
            log(f"kept database {DB_NAME} (re-run with --reuse to measure it again)")
    return 0


def dashboard(app, results: dict, n: int) -> None:
    """The staff dashboard's compliance figure: from the region's rollup summary (after a refresh) against computing
    it live, this year and in the bench year (a full year of JP: what a live dashboard costs once the year fills)."""
    from app.domain.dates import today_wib
    from app.extensions import db
    from app.services.home import dashboard as service
    from app.services.rollups.refresh import refresh_tenant_summaries
    from app.tenancy import tenant_context

    year = today_wib().year
    with app.test_request_context(), tenant_context(SLUG):
        refresh_tenant_summaries([year, BENCH_YEAR])
        db.session.commit()

        def p50(fn) -> float:
            samples = []
            for _ in range(n):
                t0 = time.perf_counter()
                fn()
                samples.append((time.perf_counter() - t0) * 1000)
                db.session.rollback()
            return statistics.median(samples)

        summary = p50(lambda: service.summary_figures(year))
        live = p50(lambda: service.reports.jp_compliance(year, limit=1))
        live_full = p50(lambda: service.reports.jp_compliance(BENCH_YEAR, limit=1))
    log(f"  {'dashboard compliance, from the summary':<44} p50 {summary:8.1f} ms   (this year, n={n})")
    log(f"  {'dashboard compliance, computed live':<44} p50 {live:8.1f} ms   (this year)")
    log(f"  {'dashboard compliance, computed live':<44} p50 {live_full:8.1f} ms   ({BENCH_YEAR}, a full year of JP)")
    results["dashboard from the summary"] = {"p50": summary}


def paging(args) -> int:
    """The employee list at several sizes: the same p50 at any size and depth is the goal (keyset paging)."""
    from app import create_app
    from app.extensions import db
    from app.services.admin import migrations
    from app.services.admin.provisioning import TenantSpec

    server = os.environ.get("DATABASE_URL")
    if not server:
        log("DATABASE_URL is not set (e.g. postgresql://postgres@127.0.0.1:5432/postgres)")
        return 2
    admin_url, db_url = with_database(server, "postgres"), with_database(server, DB_NAME)
    sizes = [int(x) for x in args.paging.split(",")]
    rows = []
    log(machine())
    for size in sizes:
        create_database(admin_url, DB_NAME)
        app = create_app({"SQLALCHEMY_DATABASE_URI": db_url.replace("postgresql://", "postgresql+psycopg://", 1),
                          "SECRET_KEY": SECRET, "LOG_LEVEL": "WARNING", "REDIS_URL": os.environ.get("REDIS_URL")})
        spec = TenantSpec.from_mapping({
            "slug": SLUG, "name": "Kota Bench", "kind": "kota", "region_code": "99.71", "province_code": "99",
            "province_name": "Provinsi Bench", "agency": "BKPSDM Kota Bench", "partners": []})
        try:
            with app.app_context():
                migrations.upgrade_platform()
                load(spec, db_url, size, 50, 0, args.seed)
                token = bench_token()
                client = app.test_client()
                client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {token}"
                url = f"/t/{SLUG}/api/v1/employees?limit=50&sort=name"
                middle = size // 2
                cursor = client.get(f"{url}&offset={middle}").get_json()["next_cursor"]
                log(f"\n{size:,} employees:")
                first = timed(client, app, "page 1", lambda: url, args.samples, 5)  # noqa: B023
                by_cursor = timed(client, app, f"page at row {middle:,} by cursor",
                                  lambda: f"{url}&cursor={cursor}", args.samples, 5)  # noqa: B023
                by_offset = timed(client, app, f"page at row {middle:,} by offset",
                                  lambda: f"{url}&offset={middle}", max(10, args.samples // 10), 1)  # noqa: B023
                total = client.get(url).get_json()
                log(f"  total {total['total']:,} (estimated: {total['total_estimated']})")
                db.session.remove()
                db.engine.dispose()
            rps = None
            if args.seconds > 0:
                rps = throughput(db_url, [f"{url}&cursor={cursor}"], args.seconds, args.threads, args.workers,
                                 token)
            rows.append((size, first, by_cursor, by_offset, rps))
        finally:
            with app.app_context():
                db.session.remove()
                db.engine.dispose()
            drop_database(admin_url, DB_NAME)
    log("\nsummary (p50 ms; requests/s of the cursor page in the middle on gunicorn):")
    log(f"  {'employees':>10} {'page 1':>8} {'cursor':>8} {'offset':>8} {'req/s':>8}")
    for size, first, by_cursor, by_offset, rps in rows:
        log(f"  {size:>10,} {first['p50']:8.1f} {by_cursor['p50']:8.1f} {by_offset['p50']:8.1f} "
            f"{(rps or {}).get('rps', float('nan')):8.0f}")
    if len(rows) > 1:
        small, big = rows[0], rows[-1]
        log(f"  cursor p50 at {big[0]:,} / at {small[0]:,}: {big[2]['p50'] / small[2]['p50']:.2f}x  (goal ~1x)")
        log(f"  offset p50 at {big[0]:,} / at {small[0]:,}: {big[3]['p50'] / small[3]['p50']:.2f}x")
    return 0


def summary(results: dict) -> None:
    log("\ntargets:")

    def verdict(label: str, key: str, limit: float, unit: str, higher: bool = False) -> None:
        r = results.get(label)
        if not r:
            log(f"  {label:<44} not measured")
            return
        value = r[key]
        ok = value >= limit if higher else value < limit
        log(f"  {label:<44} {value:8.1f} {unit}  target {'≥' if higher else '<'} {limit:g} {unit}  "
            f"{'OK' if ok else 'MISSED'}")

    verdict("employees list, opd_id filter, 50/page", "p50", 15, "ms")
    verdict("employee JP lookup /employees/<nip>/jp", "p50", 15, "ms")
    verdict("jp-compliance, whole tenant (JSON)", "p50", 1000, "ms")
    verdict("rps", "rps", 300, "req/s", higher=True)
    verdict("dashboard from the summary", "p50", 20, "ms")


if __name__ == "__main__":
    sys.exit(main())

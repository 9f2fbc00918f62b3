"""Benchmark of PPPK enrolment imports. Prints figures; asserts nothing.

    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres REDIS_URL=redis://127.0.0.1:6379/0 \
        python bench/imports.py [--sizes 10000,100000,1000000] [--keep]

For each size: generate a valid semicolon CSV, upload it (the API's service path), let one worker that is
already running (`kompeten worker --queue imports`, a separate process) import it, and report rows/s from upload
to done, and beside it two floors with their ratios: the same file through a bare COPY into an unindexed
table of text columns (the physical floor), and the same rows, already typed, COPYed into the real, indexed
`employees` and `enrolments` tables (what index, constraint and foreign-key maintenance cost; rolled back), and
the worker's peak RSS. Creates its own database (kompeten_bench_imports), dropped unless --keep.

    python bench/imports.py --sizes 100000 --profile /tmp/import-profile

--profile DIR also runs each size once more in this process (no worker, same code path: validate, then apply)
under pyinstrument, writes DIR/pppk-<rows>.html and .txt, and prints the time of each SQL statement.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import create_database, drop_database, machine, server_url, with_database  # noqa: E402

DB_NAME = "kompeten_bench_imports"
SLUG = "kab-bench-impor"
PREFIX = "kompeten_bench_imports"
HEADER = ("NIP;NAMA;JENIS_KELAMIN;TANGGAL_LAHIR;JABATAN;UNIT_KERJA;GOLONGAN;PELATIHAN;ANGKATAN;TAHUN;TGL_MULAI;"
          "TGL_SELESAI")
UNITS = ("Dinas Pendidikan dan Kebudayaan", "Dinas Kesehatan", "Dinas Sosial", "Bappeda", "Kecamatan Ciruas")


def file_rows(rows: int, offset: int):
    """Valid rows with distinct NIPs: birth day from the row number, gender digit, sequence.
    Yields (i, nip, name, gender, birth date, unit, angkatan)."""
    base = date(1970, 1, 1)
    for i in range(offset, offset + rows):
        born = base + timedelta(days=i % 7300)
        gender = 1 + (i // 7300) % 2
        seq = (i // 14600) % 1000
        yield i, f"{born:%Y%m%d}202210{gender}{seq:03d}", f"Pegawai PPPK {i}", "L" if gender == 1 else "P", born, \
            UNITS[i % len(UNITS)], 1 + i % 12


def write_file(path: Path, rows: int, offset: int) -> None:
    with path.open("w", encoding="utf-8") as fh:
        fh.write(HEADER + "\n")
        for _i, nip, name, sex, born, unit, angkatan in file_rows(rows, offset):
            fh.write(f"{nip};{name};{sex};{born:%d/%m/%Y};Guru Ahli Pertama;{unit};IX;"
                     f"ORIENTASI-PPPK;{angkatan};2022;2022-11-01;2022-11-30\n")


def _tree_rss(pid: int) -> int:
    """Largest RSS in the worker's process tree (RQ forks a work horse per job)."""
    import psutil

    try:
        proc = psutil.Process(pid)
        return max(p.memory_info().rss for p in [proc, *proc.children(recursive=True)])
    except psutil.Error:
        return 0


def bare_copy_seconds(url: str, path: Path) -> float:
    with psycopg.connect(url) as conn:
        conn.execute("CREATE TEMP TABLE copy_floor (nip text, nama text, jk text, lahir text, jabatan text, unit text,"
                     " gol text, pelatihan text, angkatan text, tahun text, mulai text, selesai text)")
        t0 = time.perf_counter()
        with conn.cursor().copy("COPY copy_floor FROM STDIN (FORMAT csv, DELIMITER ';', HEADER true)") as copy, \
                path.open("rb") as fh:
            while chunk := fh.read(1024 * 1024):
                copy.write(chunk)
        seconds = time.perf_counter() - t0
        conn.rollback()
    return seconds


def indexed_copy_seconds(rows: int, offset: int) -> float:
    """The second floor: the file's rows, typed, COPYed into the real `employees` and `enrolments` (every index,
    CHECK and foreign key in place), timed, then rolled back. The employee ids the enrolments need are read
    between the two COPYs (not timed)."""
    from app.extensions import db
    from app.services.text import name_key
    from app.tenancy import tenant_context

    with tenant_context(SLUG):
        conn = db.session.connection().connection.dbapi_connection
        cur = conn.cursor()
        opds = dict(cur.execute("SELECT name, id FROM opds").fetchall())
        program = cur.execute("SELECT id FROM programs WHERE code = 'ORIENTASI-PPPK'").fetchone()[0]
        cohorts = dict(cur.execute(
            "INSERT INTO cohorts (program_id, year, number, mode) SELECT %s, 1999, n, 'klasikal' "
            "FROM generate_series(1, 12) n RETURNING number, id", (program,)).fetchall())
        employees = [(nip, name, name_key(name), sex, born, "PPPK", "IX", "Guru Ahli Pertama", opds[unit], True)
                     for _i, nip, name, sex, born, unit, _a in file_rows(rows, offset)]
        t0 = time.perf_counter()
        with cur.copy("COPY employees (nip, name, name_key, gender, birth_date, employee_type, golongan, jabatan, "
                      "opd_id, active) FROM STDIN") as copy:
            for row in employees:
                copy.write_row(row)
        seconds = time.perf_counter() - t0
        ids = dict(cur.execute("SELECT nip, id FROM employees").fetchall())
        enrolments = [(ids[nip], cohorts[angkatan], "registered")
                      for _i, nip, _n, _s, _b, _u, angkatan in file_rows(rows, offset)]
        t0 = time.perf_counter()
        with cur.copy("COPY enrolments (employee_id, cohort_id, status) FROM STDIN") as copy:
            for row in enrolments:
                copy.write_row(row)
        seconds += time.perf_counter() - t0
        db.session.rollback()
    return seconds


def profile_import(path: Path, out: Path) -> None:
    """Import `path` in this process under pyinstrument (validate, then apply), printing each SQL statement's time."""
    from collections import defaultdict

    from pyinstrument import Profiler

    from app.extensions import db
    from app.services.imports import runs as service
    from app.services.imports.pipeline import apply, validate_some
    from app.tenancy import tenant_context

    spent: dict[str, float] = defaultdict(float)
    started: list[float] = []

    def before(*_args):
        started.append(time.perf_counter())

    def after(_conn, _cursor, statement, *_args):
        spent[" ".join(statement.split())[:110]] += time.perf_counter() - started.pop()

    sa_event = __import__("sqlalchemy").event
    sa_event.listen(db.engine, "before_cursor_execute", before)
    sa_event.listen(db.engine, "after_cursor_execute", after)
    profiler = Profiler(interval=0.002)
    with tenant_context(SLUG):
        with path.open("rb") as fh:
            run_row = service.create_run(fh, path.name, created_by="bench")
        db.session.commit()
        run_id = run_row.id
        t0 = time.perf_counter()
        profiler.start()
        outcome = validate_some(run_id, yield_when_others_wait=False)
        t1 = time.perf_counter()
        if outcome == "validated":
            outcome = apply(run_id)
        profiler.stop()
        t2 = time.perf_counter()
    sa_event.remove(db.engine, "before_cursor_execute", before)
    sa_event.remove(db.engine, "after_cursor_execute", after)
    out.mkdir(parents=True, exist_ok=True)
    stem = out / path.stem
    stem.with_suffix(".html").write_text(profiler.output_html())
    stem.with_suffix(".txt").write_text(profiler.output_text(unicode=True, color=False, show_all=False))
    print(f"  in-process ({outcome}): validate {t1 - t0:.2f}s, apply {t2 - t1:.2f}s, total {t2 - t0:.2f}s; "
          f"profile in {stem}.html/.txt; SQL statements over 20 ms:")
    for statement, seconds in sorted(spent.items(), key=lambda kv: -kv[1]):
        if seconds >= 0.02:
            print(f"    {seconds:6.2f}s  {statement}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--keep", action="store_true")
    parser.add_argument("--profile", metavar="DIR", help="also import each size in-process under pyinstrument")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    server = server_url()
    url = with_database(server, DB_NAME)
    create_database(with_database(server, "postgres"), DB_NAME)
    print(machine())
    try:
        with tempfile.TemporaryDirectory() as tmp:
            run(url, sizes, Path(tmp), Path(args.profile) if args.profile else None)
    finally:
        if not args.keep:
            drop_database(with_database(server, "postgres"), DB_NAME)


def run(url: str, sizes: list[int], tmp: Path, profile: Path | None) -> None:
    from app import create_app
    from app.extensions import db
    from app.jobs import queue
    from app.models.employees import Opd
    from app.services.admin import migrations
    from app.services.admin.provisioning import TenantSpec, provision
    from app.services.imports import runs as service
    from app.services.imports.pipeline import start
    from app.services.text import name_key
    from app.tenancy import tenant_context

    redis_url = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
    config = {"SQLALCHEMY_DATABASE_URI": url.replace("postgresql://", "postgresql+psycopg://", 1),
              "SECRET_KEY": "bench", "REDIS_URL": redis_url, "REDIS_KEY_PREFIX": PREFIX, "LOG_LEVEL": "WARNING",
              "INSTANCE_DIR": str(tmp / "instance")}
    app = create_app(config)
    env = {**os.environ, "DATABASE_URL": url, "REDIS_URL": redis_url, "KOMPETEN_REDIS_PREFIX": PREFIX,
           "SECRET_KEY": "bench", "KOMPETEN_LOG_LEVEL": "WARNING", "KOMPETEN_INSTANCE_DIR": config["INSTANCE_DIR"]}
    with app.app_context():
        migrations.upgrade_platform()
        provision(TenantSpec.from_mapping({"slug": SLUG, "name": "Kabupaten Bench Impor", "kind": "kabupaten",
                                           "region_code": "99.61", "province_code": "99",
                                           "province_name": "Provinsi Bench", "agency": "BKPSDM", "partners": []}))
        with tenant_context(SLUG):
            db.session.add_all([Opd(name=u, name_key=name_key(u)) for u in UNITS])
            db.session.commit()
        for name in ("imports", "default", "rollups"):
            queue(name).empty()
        offset = 0
        # A worker already running, as in production; its process tree's RSS is sampled for the peak.
        worker = subprocess.Popen([sys.executable, "-m", "app.cli_entry", "worker", "--queue", "imports"],  # noqa: S603
                                  env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(3)
        print(f"load average: {Path('/proc/loadavg').read_text().split(' ', 3)[:3]}")
        print(f"{'rows':>9} {'end to end':>11} {'rows/s':>9} {'bare COPY':>10} {'ratio':>6} {'indexed COPY':>13} "
              f"{'ratio':>6} {'worker peak RSS':>16}")
        try:
            for rows in sizes:
                path = tmp / f"pppk-{rows}.csv"
                write_file(path, rows, offset)
                offset += rows
                floor = bare_copy_seconds(url, path)
                indexed = indexed_copy_seconds(rows, offset - rows)
                t0 = time.perf_counter()
                with tenant_context(SLUG):
                    with path.open("rb") as fh:
                        run_row = service.create_run(fh, path.name, created_by="bench")
                    db.session.commit()
                    start(run_row.id)
                    db.session.commit()
                    run_id = run_row.id
                peak = 0
                while True:
                    peak = max(peak, _tree_rss(worker.pid))
                    with tenant_context(SLUG):
                        view = service.run_view(service.get_run(run_id))
                    if view["state"] in ("done", "failed", "cancelled"):
                        break
                    time.sleep(0.05)
                seconds = time.perf_counter() - t0
                assert view["state"] == "done" and view["rows"]["created"] == rows, view
                t = view["timings"]
                phases = (f"queue {(t['started_at'] - t['created_at']).total_seconds():.1f}s, validate "
                          f"{(t['validated_at'] - t['started_at']).total_seconds():.1f}s, apply "
                          f"{(t['finished_at'] - t['validated_at']).total_seconds():.1f}s")
                print(f"{rows:>9,} {seconds:>10.2f}s {rows / seconds:>9,.0f} {floor:>9.2f}s {seconds / floor:>6.1f} "
                      f"{indexed:>12.2f}s {seconds / indexed:>6.1f} {peak / 2**20:>13.0f} MB   ({phases})", flush=True)
                if profile is not None:
                    path = tmp / f"pppk-{rows}-profiled.csv"
                    write_file(path, rows, offset)
                    offset += rows
                    profile_import(path, profile)
                print(f"load average: {Path('/proc/loadavg').read_text().split(' ', 3)[:3]}", flush=True)
        finally:
            worker.terminate()
            worker.wait(30)
        db.engine.dispose()


if __name__ == "__main__":
    main()

"""Benchmark of a 20 JP reminder run. Prints figures; asserts nothing.

    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres REDIS_URL=redis://127.0.0.1:6379/0 \
        python bench/notifications.py [--employees 10000] [--below 4000] [--logo] [--keep]

One region of `--employees` active employees over 40 OPDs (each with a digest contact), `--below` of them under
20 JP. The region's daily reminder job is enqueued and a real `kompeten worker --burst` runs it: it writes one
reminder per employee below 20 JP and one digest per OPD to the outbox and sends them all through SMTP to a local
aiosmtpd server in its own process (`python -m app.services.notifications.local_smtp`). Then the same job again (a
second scheduler run the same day): nothing new is written or sent. With --logo the region's STTPP template has a
logo (a 128x128 PNG of noise, ~49 KB: it does not compress), so every message carries it inline (multipart/related).
Creates its own database (kompeten_bench_notify) and Redis prefix; drops the database unless --keep.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from collections import Counter
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import create_database, drop_database, machine, server_url, with_database  # noqa: E402

DB_NAME = "kompeten_bench_notify"
PREFIX = f"kompeten_bench_notify:{os.getpid()}"
DAY = date(2026, 7, 1)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--employees", type=int, default=10_000)
    parser.add_argument("--below", type=int, default=4_000)
    parser.add_argument("--logo", action="store_true", help="the region has a logo: every message carries it inline")
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()
    admin_url = server_url()
    create_database(admin_url, DB_NAME)
    url = with_database(admin_url, DB_NAME)
    redis_url = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
    from app.services.notifications.local_smtp import free_port

    port = free_port()
    smtp = subprocess.Popen([sys.executable, "-m", "app.services.notifications.local_smtp", "--port", str(port)],  # noqa: S603
                            stdout=subprocess.PIPE, text=True)
    smtp.stdout.readline()
    env = {**os.environ, "DATABASE_URL": url, "REDIS_URL": redis_url, "KOMPETEN_REDIS_PREFIX": PREFIX,
           "SECRET_KEY": "bench", "KOMPETEN_LOG_LEVEL": "WARNING", "KOMPETEN_SMTP_HOST": "127.0.0.1",
           "KOMPETEN_SMTP_PORT": str(port), "KOMPETEN_SMTP_FROM": "no-reply@kompeten.bench"}
    os.environ.update({k: env[k] for k in ("KOMPETEN_SMTP_HOST", "KOMPETEN_SMTP_PORT", "KOMPETEN_SMTP_FROM")})
    try:
        run(url, redis_url, env, args, smtp.pid)
    finally:
        smtp.terminate()
        out, _ = smtp.communicate(timeout=180)
        print(f"SMTP server: {out.strip().splitlines()[-1]}")
        if not args.keep:
            drop_database(admin_url, DB_NAME)


def cpu_seconds(pid: int | None = None) -> float:
    """CPU time (user + system) of a running process, or (no pid) of the finished children of this one."""
    if pid is None:
        import resource

        usage = resource.getrusage(resource.RUSAGE_CHILDREN)
        return usage.ru_utime + usage.ru_stime
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def run(url: str, redis_url: str, env: dict, args, smtp_pid: int) -> None:
    import sqlalchemy as sa

    from app import create_app
    from app.extensions import db
    from app.jobs import enqueue
    from app.models.notifications import OutboxMessage
    from app.services.admin import migrations
    from app.services.admin.provisioning import TenantSpec, provision
    from app.services.notifications.pipeline import daily_reminders
    from app.tenancy import tenant_context
    from tests.notifications.synthetic import populate

    app = create_app({"SQLALCHEMY_DATABASE_URI": url.replace("postgresql://", "postgresql+psycopg://", 1),
                      "SECRET_KEY": "bench", "REDIS_URL": redis_url, "REDIS_KEY_PREFIX": PREFIX,
                      "LOG_LEVEL": "WARNING"})
    print(machine())
    with app.app_context():
        migrations.upgrade_platform()
        provision(TenantSpec.from_mapping({
            "slug": "kab-bench", "name": "Kabupaten Bench", "kind": "kabupaten", "region_code": "99.01",
            "province_code": "99", "province_name": "Provinsi Bench", "agency": "BKPSDM Bench", "partners": []}))
        t0 = time.perf_counter()
        with tenant_context("kab-bench"):
            populate(args.employees, args.below, DAY.year)
            db.session.execute(sa.text("INSERT INTO notification_opd_contacts (opd_id, name, email) "
                                       "SELECT id, 'Kepala ' || name, 'opd' || id || '@contoh.go.id' FROM opds"))
            if args.logo:
                logo = noise_png(128)
                _set_logo(logo)
            db.session.commit()
        if args.logo:
            print(f"logo: {len(logo):,} bytes PNG, inline in every message")
        print(f"region: {args.employees:,} employees, {args.below:,} below 20 JP, 40 OPDs with a contact "
              f"(loaded in {time.perf_counter() - t0:.1f} s)")

        def worker_run() -> float:
            enqueue(daily_reminders, DAY.isoformat(), True, tenant="kab-bench")
            started, worker_cpu, server_cpu = time.perf_counter(), cpu_seconds(), cpu_seconds(smtp_pid)
            subprocess.run([sys.executable, "-m", "app.cli_entry", "worker", "--burst", "--queue", "default"],  # noqa: S603
                           env=env, check=True, stdout=subprocess.DEVNULL)
            elapsed = time.perf_counter() - started
            print(f"  CPU: worker (and its work horse) {cpu_seconds() - worker_cpu:.1f} s, SMTP server "
                  f"{cpu_seconds(smtp_pid) - server_cpu:.1f} s, in {elapsed:.1f} s wall")
            return elapsed

        first = worker_run()
        with tenant_context("kab-bench"):
            statuses = Counter(dict(db.session.execute(sa.select(OutboxMessage.status, sa.func.count())
                                                       .group_by(OutboxMessage.status)).all()))
            kinds = Counter(dict(db.session.execute(sa.select(OutboxMessage.kind, sa.func.count())
                                                    .group_by(OutboxMessage.kind)).all()))
            db.session.commit()
        total = sum(statuses.values())
        print(f"reminder run (one worker, write + send): {first:.1f} s for {total:,} messages "
              f"({kinds['jp_reminder']:,} reminders, {kinds['jp_digest']:,} digests) = {total / first:,.0f} "
              f"messages/s; statuses {dict(statuses)}; budget 60 s → {first / 60:.0%} of it")
        second = worker_run()
        with tenant_context("kab-bench"):
            after = db.session.execute(sa.select(sa.func.count()).select_from(OutboxMessage)).scalar_one()
            db.session.commit()
        print(f"second run the same day (a second scheduler tick): {second:.1f} s, outbox still {after:,} messages")


def noise_png(side: int) -> bytes:
    """A side×side RGB PNG of random pixels (incompressible, so its size is what a real logo's could be)."""
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    rows = b"".join(b"\x00" + os.urandom(side * 3) for _ in range(side))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", side, side, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(rows, 9)) + chunk(b"IEND", b""))


def _set_logo(content: bytes) -> None:
    """The region's STTPP template logo, written directly (set-up, not a person's write: no audit)."""
    import hashlib

    from app.extensions import db
    from app.models.certificates import CertificateLogo
    from app.services.certificates.templates import check_logo, get_template

    digest = hashlib.sha256(content).hexdigest()
    db.session.add(CertificateLogo(sha256=digest, mime=check_logo(content), content=content))
    db.session.flush()
    get_template().logo_sha256 = digest
    db.session.flush()


if __name__ == "__main__":
    main()

"""Nightly backups over simulated days: the schedule `admin.backup` fans out to every active region, each writes one
bundle a day (a second tick the same day writes nothing), the retention rule keeps 7 daily, 4 weekly and 12 monthly
bundles and deletes the rest (file and row), stale .zip.part files go, a failed backup is shown on the dashboard and
as a metric, and the newest bundle restores (`kompeten tenants restore`) to the very same rows."""

from __future__ import annotations

import os
import time
from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa
from psycopg import sql

from app.extensions import db
from app.models import tenant_tables
from app.schedules import fan_out, schedules
from app.services.admin import backups, exports
from app.tenancy import no_tenant
from tests.admin.conftest import fill
from tests.fixtures.tenants import drop_tenants
from tests.ops.test_metrics import TOKEN, _scrape, _value

RUN_AT = (19, 5)  # 19:05 UTC = 02:05 WIB the next day: the cron tick "0 19 * * *" and its jobs


def _tick(day: date) -> datetime:
    """The UTC moment of the nightly tick whose WIB day is `day`."""
    return datetime(day.year, day.month, day.day, *RUN_AT, tzinfo=UTC) - timedelta(days=1)


def _history() -> list[date]:
    """Sparse old history (the 1st of each of 14 months: the 13th and 14th must go), then every night of the last
    22 days (more than 7 days and 4 ISO weeks)."""
    last = date(2026, 12, 6)
    days = {date(2025 + (9 + i) // 12, (9 + i) % 12 + 1, 1) for i in range(14)}  # 1 Oct 2025 … 1 Nov 2026
    days |= {last - timedelta(days=i) for i in range(22)}
    return sorted(days)


def _expected_kept(days: list[date]) -> set[date]:
    """The rule, written out on its own: the newest backup of each of the 7 newest days, 4 newest ISO weeks and 12
    newest months."""
    newest = sorted(days, reverse=True)
    kept = set(newest[:7])
    weeks: dict = {}
    months: dict = {}
    for d in newest:
        weeks.setdefault(d.isocalendar()[:2], d)
        months.setdefault((d.year, d.month), d)
    kept |= {weeks[k] for k in sorted(weeks, reverse=True)[:4]}
    kept |= {months[k] for k in sorted(months, reverse=True)[:12]}
    return kept


def test_the_retention_rule_on_dates():
    days = [date(2026, 12, 7) - timedelta(days=i) for i in range(400)]
    kept = backups.keep(days, backups.Retention(7, 4, 12))
    assert {d for d in kept if d >= date(2026, 12, 1)} == {date(2026, 12, d) for d in range(1, 8)}  # 7 daily
    # weekly: the newest day of the 4 newest ISO weeks (7 Dec is a Monday: its week, then the Sundays before)
    assert {date(2026, 11, 29), date(2026, 11, 22)} <= kept
    assert date(2026, 11, 15) not in kept
    # monthly: the last day of each of the 11 months before December
    assert {date(2026, 11, 30), date(2026, 1, 31), date(2026, 6, 30)} <= kept
    assert date(2025, 12, 31) not in kept  # the 13th month
    assert len(kept) == len(_expected_kept(days))
    assert kept == _expected_kept(days)


@pytest.fixture
def backup_env(app, tenants, tmp_path, monkeypatch):
    """The four demo regions with some people, bundles written under tmp_path, and a clock we turn."""
    export_dir = tmp_path / "exports"
    monkeypatch.setitem(app.config, "EXPORT_DIR", str(export_dir))
    now = {"at": datetime(2026, 1, 1, tzinfo=UTC)}
    monkeypatch.setattr(backups, "clock", lambda: now["at"])
    for i, slug in enumerate(sorted(tenants)):
        fill(slug, people=5 + i)
    yield {"dir": export_dir, "now": now, "tenants": tenants}
    with no_tenant(), db.engine.begin() as conn:
        conn.execute(sa.text("DELETE FROM platform.tenant_exports WHERE kind = 'backup'"))


def _backups(kind="backup"):
    with no_tenant(), db.engine.connect() as conn:
        return conn.execute(sa.text(
            "SELECT id, slug, status, backup_day, file_name, error FROM platform.tenant_exports WHERE kind = :k "
            "ORDER BY slug, backup_day"), {"k": kind}).all()


def _night(env, run_worker, day: date) -> None:
    env["now"]["at"] = _tick(day)
    assert fan_out("admin.backup") == len(env["tenants"])
    run_worker()


@pytest.mark.committed
def test_nightly_backups_over_simulated_days_keep_7_daily_4_weekly_12_monthly(app, backup_env, run_worker):
    assert schedules()["admin.backup"].cron == "0 19 * * *"
    env, slugs = backup_env, sorted(backup_env["tenants"])
    history = _history()
    started = time.perf_counter()
    for day in history:
        _night(env, run_worker, day)
    rows = _backups()
    kept = _expected_kept(history)
    assert date(2026, 1, 1) in kept and date(2025, 12, 1) not in kept  # 12 months back, not 13
    assert date(2026, 11, 20) not in kept and date(2026, 11, 22) in kept  # a week's newest only
    assert 12 <= len(kept) <= 7 + 4 + 12  # one bundle may count as daily, weekly and monthly
    for slug in slugs:
        mine = [r for r in rows if r.slug == slug]
        assert {r.backup_day for r in mine} == kept, slug
        assert all(r.status == "done" for r in mine)
    # exactly the kept bundles are on disk: no pruned file left, no partial file
    assert sorted(p.name for p in env["dir"].iterdir()) == sorted(r.file_name for r in rows)
    # a second tick the same night writes nothing new
    _night(env, run_worker, history[-1])
    assert _backups() == rows
    print(f"{len(history)} nights x {len(slugs)} regions in {time.perf_counter() - started:.1f} s")


@pytest.mark.committed
def test_stale_partial_files_are_removed_and_fresh_ones_kept(app, backup_env, run_worker):
    env = backup_env
    env["dir"].mkdir(parents=True, exist_ok=True)
    stale = env["dir"] / "kota-malang-999-20261201T190000Z.zip.part"
    fresh = env["dir"] / "kota-malang-998-20261206T190000Z.zip.part"
    other = env["dir"] / "kab-serang-997-20261201T190000Z.zip.part"
    for path in (stale, fresh, other):
        path.write_bytes(b"half a zip")
    old = time.time() - 7 * 3600
    os.utime(stale, (old, old))
    os.utime(other, (old, old))
    _night(env, run_worker, date(2026, 12, 6))
    assert not stale.exists() and not other.exists()
    assert fresh.exists()  # an export that may still be writing it


@pytest.mark.committed
def test_a_failed_backup_shows_on_the_dashboard_and_as_a_metric(app, backup_env, run_worker, monkeypatch):
    env = backup_env
    monkeypatch.setitem(app.config, "METRICS_TOKEN_SHA256", __import__("app.services.ops.metrics",
                                                                        fromlist=["x"]).token_digest(TOKEN))
    _night(env, run_worker, date(2026, 12, 5))
    real = exports.write_export

    def broken(export_id):
        from app.tenancy import current_tenant

        if current_tenant().slug == "kab-serang":
            raise OSError(28, "No space left on device")
        return real(export_id)

    monkeypatch.setattr(exports, "write_export", broken)
    monkeypatch.setattr(backups.backup_region, "retries", 0)  # the last attempt at once (no retry in 60 s)
    _night(env, run_worker, date(2026, 12, 6))
    failed = [r for r in _backups() if r.status == "failed"]
    assert [(r.slug, r.backup_day) for r in failed] == [("kab-serang", date(2026, 12, 6))]
    assert "No space left on device" in failed[0].error
    assert not list(env["dir"].glob("*.part"))  # the failed export left no partial file
    assert _value(_scrape(app), "kompeten_backup_failed_regions") == 1

    overview = backups.overview()
    assert overview["failed_count"] == 1 and overview["failed"][0]["slug"] == "kab-serang"

    # the next night succeeds: the failure is superseded and pruned, nothing is failing any more
    monkeypatch.setattr(exports, "write_export", real)
    _night(env, run_worker, date(2026, 12, 7))
    assert [r for r in _backups() if r.status == "failed"] == []
    assert _value(_scrape(app), "kompeten_backup_failed_regions") == 0
    assert {r.backup_day for r in _backups() if r.slug == "kab-serang"} == {date(2026, 12, 5), date(2026, 12, 7)}


def _table_rows(schema: str) -> dict[str, list]:
    out = {}
    with no_tenant(), db.engine.connect() as conn:
        raw = conn.connection.dbapi_connection
        for table in tenant_tables():
            order = sql.SQL(", ").join(sql.Identifier(c.name) for c in table.primary_key.columns) \
                if table.primary_key.columns else sql.SQL("1")
            with raw.cursor() as cur:
                cur.execute(sql.SQL("SELECT * FROM {} ORDER BY {}").format(sql.Identifier(schema, table.name), order))
                out[table.name] = cur.fetchall()
        conn.rollback()
    return out


@pytest.mark.committed
def test_the_newest_backup_restores_to_the_same_rows(app, backup_env, run_worker):
    from app.cli import cli

    env = backup_env
    for day in (date(2026, 12, 5), date(2026, 12, 6)):
        _night(env, run_worker, day)
    newest = max((r for r in _backups() if r.slug == "kota-malang"), key=lambda r: r.backup_day)
    assert newest.backup_day == date(2026, 12, 6)
    try:
        result = app.test_cli_runner().invoke(cli, ["tenants", "restore", str(newest.id), "--slug", "pulih-malang",
                                                    "--region-code", "35.71", "--name", "Pulihan Malang"])
        assert result.exit_code == 0, result.output
        assert "checksums verified" in result.output
        source = _table_rows(env["tenants"]["kota-malang"].schema)
        restored = _table_rows("t_pulih_malang")
        assert restored == source
        assert len(source["employees"]) == 5 + sorted(env["tenants"]).index("kota-malang")
    finally:
        drop_tenants(["pulih-malang"])

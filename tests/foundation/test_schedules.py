"""Periodic work: RQ's cron scheduler enqueues a schedule's fan-out, a worker runs it, and the schedule's tenant job
runs once in every active region, each in its own schema."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from rq.cron import CronScheduler

from app import schedules as schedules_module
from app.extensions import db
from app.jobs import redis_connection
from app.models.employees import Opd
from app.schedules import Schedule, fan_out, register_all
from app.tenancy import tenant_context
from tests.fixtures.jobs import record_where_i_ran_on_schedule


def _opd_names(tenant) -> list[str]:
    with tenant_context(tenant):
        return sorted(db.session.execute(sa.select(Opd.name)).scalars())


def _declare(monkeypatch, *items: Schedule) -> None:
    monkeypatch.setattr(schedules_module, "schedules", lambda: {item.name: item for item in items})


def test_a_schedule_tick_runs_its_job_once_in_every_active_region(app, malang, serang, run_worker, monkeypatch):
    _declare(monkeypatch, Schedule("test.probe", record_where_i_ran_on_schedule, interval=3600))
    cron = CronScheduler(connection=redis_connection())
    assert register_all(cron) == ["test.probe"]
    enqueued = cron.enqueue_jobs()  # the first tick of an interval job is due at once
    assert [job.func_name for job in enqueued] == ["app.schedules.fan_out"]
    run_worker()  # runs fan_out, then the region jobs it enqueued (burst drains what is added meanwhile)
    assert _opd_names(malang) == ["scheduled in t_kota_malang"]
    assert _opd_names(serang) == ["scheduled in t_kab_serang"]


def test_a_suspended_region_gets_no_scheduled_job(app, malang, serang, monkeypatch):
    _declare(monkeypatch, Schedule("test.probe", record_where_i_ran_on_schedule, cron="0 18 * * *"))
    with db.engine.begin() as conn:
        conn.execute(sa.text("UPDATE platform.tenants SET status = 'suspended' WHERE id = :id"), {"id": serang.id})
    try:
        assert serang.id not in schedules_module.active_region_ids()
        assert fan_out("test.probe") == len(schedules_module.active_region_ids())
    finally:
        with db.engine.begin() as conn:
            conn.execute(sa.text("UPDATE platform.tenants SET status = 'active' WHERE id = :id"), {"id": serang.id})


def test_a_schedule_that_is_no_longer_declared_enqueues_nothing(app, monkeypatch):
    _declare(monkeypatch)
    assert fan_out("gone.away") == 0


def test_a_schedule_needs_exactly_one_of_cron_and_interval():
    with pytest.raises(ValueError, match="exactly one"):
        Schedule("x.y", record_where_i_ran_on_schedule)
    with pytest.raises(ValueError, match="exactly one"):
        Schedule("x.y", record_where_i_ran_on_schedule, cron="* * * * *", interval=60)


def test_the_scheduler_command_lists_the_declared_schedules(app, monkeypatch):
    from app.cli import cli

    runner = app.test_cli_runner()
    _declare(monkeypatch, Schedule("test.probe", record_where_i_ran_on_schedule, cron="0 18 * * *",
                                   description="uji"))
    result = runner.invoke(cli, ["scheduler", "--list"])
    assert result.exit_code == 0, result.output
    assert "test.probe" in result.output and "0 18 * * *" in result.output and "per region" in result.output

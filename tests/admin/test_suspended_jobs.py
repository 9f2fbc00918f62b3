"""A suspended region's jobs wait: a real worker neither runs nor fails them, it schedules them again later;
after resume they run once."""

from __future__ import annotations

import sqlalchemy as sa
from rq.job import Job
from rq.registry import FailedJobRegistry, ScheduledJobRegistry

from app.extensions import db
from app.jobs import enqueue, queue, redis_connection
from app.models.employees import Opd
from app.tenancy import tenant_context
from tests.admin.conftest import region_body
from tests.fixtures.jobs import record_where_i_ran


def _opds(slug: str) -> list[str]:
    with tenant_context(slug, allow_status=("active", "suspended")):
        return sorted(db.session.execute(sa.select(Opd.name)).scalars())


def test_a_suspended_regions_job_waits_and_runs_once_after_resume(app, api, made, run_worker):
    made.append("kab-uji-tunggu")
    api.post("/tenants", json=region_body("kab-uji-tunggu"))
    assert api.post("/tenants/kab-uji-tunggu/suspend").status_code == 200
    q = queue("default")
    failed_before = FailedJobRegistry(queue=q).count  # other tests' failures may be there
    job = enqueue(record_where_i_ran, "ditunda", tenant="kab-uji-tunggu")
    run_worker()

    scheduled = ScheduledJobRegistry(queue=q)
    assert _opds("kab-uji-tunggu") == []  # not run
    assert FailedJobRegistry(queue=q).count == failed_before  # not failed
    job.refresh()
    assert job.is_finished and job.return_value() is None
    later_ids = scheduled.get_job_ids()
    assert len(later_ids) == 1  # scheduled again, with the same arguments
    later = Job.fetch(later_ids[0], connection=redis_connection())
    assert later.args == job.args and later.meta["deferred"] == 1

    # still suspended when it comes due: deferred again, never run
    scheduled.remove(later)
    q.enqueue_job(later)
    run_worker()
    assert _opds("kab-uji-tunggu") == [] and scheduled.count == 1

    assert api.post("/tenants/kab-uji-tunggu/resume").status_code == 200
    again = Job.fetch(scheduled.get_job_ids()[0], connection=redis_connection())
    scheduled.remove(again)
    q.enqueue_job(again)  # what RQ's scheduler does when the delay is over
    run_worker()
    assert _opds("kab-uji-tunggu") == ["ditunda ran in t_kab_uji_tunggu"]
    assert scheduled.count == 0 and FailedJobRegistry(queue=q).count == failed_before

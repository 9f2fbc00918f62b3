"""The vendors' job dashboard (/ops/jobs): queues, workers, failed jobs with error and region, waiting jobs; retry and
cancel, each in the platform audit log; a failed backup listed; vendors only."""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa
from rq.job import Job, JobStatus
from rq.registry import FailedJobRegistry

from app.extensions import db
from app.jobs import enqueue, queue, redis_connection
from app.tenancy import no_tenant
from tests.ops.conftest import csrf_of
from tests.ops.jobs import always_fails


def _audit(action: str) -> list:
    with no_tenant(), db.engine.connect() as conn:
        return conn.execute(sa.text("SELECT actor, entity, entity_id, before, after FROM platform.audit_log "
                                    "WHERE action = :a ORDER BY id"), {"a": action}).all()


@pytest.mark.committed
def test_a_vendor_sees_a_failed_job_with_its_error_and_region_and_retries_it(app, serang, run_worker,
                                                                              platform_browser):
    failed = enqueue(always_fails, "dasbor", tenant="kab-serang")
    run_worker()
    assert Job.fetch(failed.id, connection=redis_connection()).get_status() == JobStatus.FAILED
    client, username = platform_browser("vendor")

    page = client.get("/ops/jobs")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Antrean job" in html and "Job gagal" in html
    assert failed.id in html and "tests.ops.jobs.always_fails" in html
    assert "kab-serang" in html and "Boom: gagal dengan sengaja: dasbor" in html
    # The workers table is there; whether it is empty depends on workers of earlier tests whose registry keys
    # have not expired yet (a killed worker's key lives for its TTL), so only its heading is checked here.
    assert "<h2>Pekerja</h2>" in html
    assert 'href="/ops/jobs"' in client.get("/").get_data(as_text=True)  # linked from the vendor's home

    retries = len(_audit("job.retry"))
    resp = client.post(f"/ops/jobs/{failed.id}/retry", data={"csrf_token": csrf_of(page)})
    assert resp.status_code == 303
    assert Job.fetch(failed.id, connection=redis_connection()).get_status() == JobStatus.QUEUED
    assert failed.id in queue("default").get_job_ids()
    entry = _audit("job.retry")[-1]
    assert entry.actor == username and entry.entity == "rq_jobs" and entry.entity_id == failed.id
    assert entry.after["region"] == "kab-serang" and entry.after["job"] == "tests.ops.jobs.always_fails"
    assert entry.before == {"status": "failed"} and entry.after["status"] == "queued"
    assert "dijalankan ulang" in client.get("/ops/jobs").get_data(as_text=True)  # the flashed notice

    # retrying a job that is not failed is refused, and says why
    again = client.post(f"/ops/jobs/{failed.id}/retry", data={"csrf_token": csrf_of(page)})
    assert again.status_code == 303 and "only a failed job is retried" in client.get("/ops/jobs").get_data(
        as_text=True)
    assert len(_audit("job.retry")) == retries + 1


@pytest.mark.committed
def test_a_vendor_cancels_a_waiting_job_and_discards_a_failed_one(app, serang, run_worker, platform_browser):
    client, username = platform_browser("vendor")
    waiting = enqueue(always_fails, "menunggu", tenant="kab-serang")
    page = client.get("/ops/jobs")
    assert waiting.id in page.get_data(as_text=True)
    resp = client.post(f"/ops/jobs/{waiting.id}/cancel", data={"csrf_token": csrf_of(page)})
    assert resp.status_code == 303
    assert waiting.id not in queue("default").get_job_ids()
    assert Job.fetch(waiting.id, connection=redis_connection()).get_status() == JobStatus.CANCELED
    run_worker()
    assert Job.fetch(waiting.id, connection=redis_connection()).get_status() == JobStatus.CANCELED  # never ran
    entry = _audit("job.cancel")[-1]
    assert entry.entity_id == waiting.id and entry.before == {"status": "queued"} and entry.actor == username

    failed = enqueue(always_fails, "buang", tenant="kab-serang")
    run_worker()
    page = client.get("/ops/jobs")
    client.post(f"/ops/jobs/{failed.id}/cancel", data={"csrf_token": csrf_of(page)})
    assert "dibatalkan" in client.get("/ops/jobs").get_data(as_text=True)  # the notice, once
    assert failed.id not in client.get("/ops/jobs").get_data(as_text=True)  # no longer listed
    assert failed.id not in FailedJobRegistry(queue=queue("default")).get_job_ids()
    assert _audit("job.cancel")[-1].before == {"status": "failed"}


def test_an_unknown_or_foreign_job_is_not_found(app, platform_browser):
    client, _ = platform_browser("vendor")
    page = client.get("/")  # the platform's home (its logout form carries the session's CSRF token)
    before = len(_audit("job.retry"))
    client.post("/ops/jobs/tidak-ada/retry", data={"csrf_token": csrf_of(page)})
    assert "tidak ditemukan" in client.get("/ops/jobs").get_data(as_text=True)
    assert len(_audit("job.retry")) == before


def test_retry_without_the_csrf_token_is_refused(app, serang, platform_browser):
    client, _ = platform_browser("vendor")
    job = enqueue(always_fails, "csrf", tenant="kab-serang")
    resp = client.post(f"/ops/jobs/{job.id}/cancel", data={})
    assert resp.status_code in (400, 403)
    assert job.id in queue("default").get_job_ids()
    queue("default").empty()


def test_only_vendors_open_the_dashboard(app, platform_browser):
    from tests.auth.conftest import browser

    assert browser(app).get("/ops/jobs").status_code == 302  # to the platform's login form
    province, _ = platform_browser("province")
    assert province.get("/ops/jobs").status_code == 403


def test_a_failed_backup_is_listed_on_the_dashboard(app, serang, platform_browser):
    with no_tenant(), db.engine.begin() as conn:
        conn.execute(sa.text(
            "INSERT INTO platform.tenant_exports (tenant_id, slug, status, kind, backup_day, error) "
            "VALUES (:t, 'kab-serang', 'failed', 'backup', :d, 'OSError: [Errno 28] No space left on device')"),
            {"t": serang.id, "d": date(2026, 12, 6)})
    try:
        client, _ = platform_browser("vendor")
        html = client.get("/ops/jobs").get_data(as_text=True)
        assert "1 wilayah gagal dicadangkan" in html
        assert "Kabupaten Serang" in html and "No space left on device" in html
    finally:
        with no_tenant(), db.engine.begin() as conn:
            conn.execute(sa.text("DELETE FROM platform.tenant_exports WHERE kind = 'backup'"))


@pytest.mark.committed
def test_the_admin_api_lists_retries_and_cancels_jobs(app, serang, run_worker):
    from tests.admin.conftest import platform_token, platform_user

    user_id = platform_user("vendor")
    read_only = {"Authorization": f"Bearer {platform_token(user_id, 'vendor', ['tenants:read'])}"}
    writer = {"Authorization": f"Bearer {platform_token(user_id, 'vendor', ['tenants:read', 'tenants:write'])}"}
    client = app.test_client()
    failed = enqueue(always_fails, "api", tenant="kab-serang")
    run_worker()

    body = client.get("/admin/api/v1/jobs", headers=read_only).get_json()
    assert {q["name"] for q in body["queues"]} == {"default", "imports", "rollups"}
    mine = next(j for j in body["failed"] if j["id"] == failed.id)
    assert mine["region"] == "kab-serang" and mine["error"].startswith("tests.ops.jobs.Boom")
    assert mine["job"] == "tests.ops.jobs.always_fails" and mine["queue"] == "default"

    assert client.post(f"/admin/api/v1/jobs/{failed.id}/retry", headers=read_only).status_code == 403
    resp = client.post(f"/admin/api/v1/jobs/{failed.id}/retry", headers=writer)
    assert resp.status_code == 200 and resp.get_json()["status"] == "queued"
    again = client.post(f"/admin/api/v1/jobs/{failed.id}/retry", headers=writer)
    assert again.status_code == 409 and again.mimetype == "application/problem+json"
    resp = client.post(f"/admin/api/v1/jobs/{failed.id}/cancel", headers=writer)
    assert resp.status_code == 200 and resp.get_json()["status"] == "canceled"
    assert client.post("/admin/api/v1/jobs/tidak-ada/cancel", headers=writer).status_code == 404
    assert _audit("job.retry")[-1].entity_id == failed.id and _audit("job.cancel")[-1].entity_id == failed.id
    queue("default").empty()

"""/metrics after a few requests, an import and a failed job: each series with the right labels; a scrape without
the configured token or network is refused."""

from __future__ import annotations

import pytest
from prometheus_client.parser import text_string_to_metric_families

from app.jobs import enqueue
from app.services.ops import metrics
from tests.imports.conftest import SAMPLE, add_opds, upload
from tests.ops.jobs import always_fails

TOKEN = "kpm_uji-token-metrik"  # noqa: S105 - a test token


@pytest.fixture
def scrape_token(app, monkeypatch):
    monkeypatch.setitem(app.config, "METRICS_TOKEN_SHA256", metrics.token_digest(TOKEN))
    return TOKEN


def _scrape(app, token=TOKEN) -> dict[str, list]:
    resp = app.test_client().get("/metrics", headers={"Authorization": f"Bearer {token}"})
    assert resp.status_code == 200, resp.get_data(as_text=True)
    assert resp.headers["Content-Type"].startswith("text/plain; version=")
    out: dict[str, list] = {}
    for family in text_string_to_metric_families(resp.get_data(as_text=True)):
        for sample in family.samples:
            out.setdefault(sample.name, []).append(sample)
    return out


def _value(samples: dict, name: str, **labels) -> float:
    found = [s.value for s in samples.get(name, []) if all(s.labels.get(k) == v for k, v in labels.items())]
    assert found, f"no {name} with {labels}; have {[s.labels for s in samples.get(name, [])][:10]}"
    return sum(found)


@pytest.mark.committed
def test_requests_an_import_and_a_failed_job_show_up_with_their_labels(app, client, serang, run_worker,
                                                                      scrape_token):
    add_opds(serang)
    route = "/t/<tenant_slug>/api/v1/employees/<nip>"
    before = _scrape(app)
    for _ in range(3):
        assert client.get("/t/kab-serang/api/v1/employees/197612112022101399").status_code == 404
    assert app.test_client().get("/tidak-ada-di-sini").status_code == 404
    resp = upload(client, "kab-serang", SAMPLE.read_bytes())
    assert resp.status_code == 202
    enqueue(always_fails, "metrik", tenant="kab-serang")
    run_worker()
    run = client.get(f"/t/kab-serang/api/v1/imports/{resp.get_json()['id']}").get_json()
    assert run["state"] == "done"

    after = _scrape(app)
    # requests: by route template, never the raw path (no NIP in any label), method and status
    was = sum(s.value for s in before.get("kompeten_http_requests_total", [])
              if s.labels == {"route": route, "method": "GET", "status": "404"})
    assert _value(after, "kompeten_http_requests_total", route=route, method="GET", status="404") - was == 3
    assert _value(after, "kompeten_http_requests_total", route="<unmatched>", method="GET", status="404") >= 1
    assert _value(after, "kompeten_http_requests_total", route="/t/<tenant_slug>/api/v1/imports/pppk-enrolments",
                  method="POST", status="202") >= 1
    assert not any("197612112022101399" in str(s.labels) or "tidak-ada" in str(s.labels)
                   for samples in after.values() for s in samples)
    assert _value(after, "kompeten_http_request_duration_seconds_count", route=route, method="GET") >= 3
    assert _value(after, "kompeten_http_request_duration_seconds_bucket", route=route, method="GET", le="+Inf") >= 3
    # jobs: durations and failures per job kind
    assert _value(after, "kompeten_job_duration_seconds_count", job="imports.pipeline.process_import",
                  queue="imports") >= 1
    assert _value(after, "kompeten_job_duration_seconds_bucket", job="imports.pipeline.process_import",
                  queue="imports", le="+Inf") >= 1
    failed_job = "tests.ops.jobs.always_fails"
    assert _value(after, "kompeten_job_failures_total", job=failed_job, queue="default") >= 1
    assert _value(after, "kompeten_job_duration_seconds_count", job=failed_job, queue="default") >= 1
    assert _value(after, "kompeten_queue_jobs", queue="default", state="failed") >= 1
    assert _value(after, "kompeten_queue_jobs", queue="imports", state="queued") == 0
    # import rows: 41 rows read by the validation
    assert _value(after, "kompeten_rows_processed_total", source="import") - \
        sum(s.value for s in before.get("kompeten_rows_processed_total", []) if s.labels["source"] == "import") == 41
    assert _value(after, "kompeten_rows_per_second", source="import") > 0
    assert _value(after, "kompeten_rows_seconds_total", source="import") > 0
    # the database pool, and the regions
    assert _value(after, "kompeten_db_pool_connections", state="size") >= 1
    assert "kompeten_rollup_age_max_seconds" in after
    assert _value(after, "kompeten_active_regions") >= 2


def test_rollup_freshness_is_a_gauge_per_region(app, serang, scrape_token):
    import sqlalchemy as sa

    from app.extensions import db
    from app.tenancy import no_tenant

    with no_tenant(), db.engine.begin() as conn:
        conn.execute(sa.text(
            "INSERT INTO platform.tenant_refresh (tenant_id, last_success_at, last_attempt_at, stale) "
            "VALUES (:id, now() - interval '2 hours', now(), false) ON CONFLICT (tenant_id) DO UPDATE "
            "SET last_success_at = excluded.last_success_at"), {"id": serang.id})
    try:
        after = _scrape(app)
        age = _value(after, "kompeten_rollup_age_seconds", region="kab-serang")
        assert 7100 < age < 7300
        assert _value(after, "kompeten_rollup_age_max_seconds") >= age
    finally:
        with no_tenant(), db.engine.begin() as conn:
            conn.execute(sa.text("DELETE FROM platform.tenant_refresh WHERE tenant_id = :id"), {"id": serang.id})


def test_region_series_are_bounded(app, tenants, scrape_token, monkeypatch):
    import sqlalchemy as sa

    from app.extensions import db
    from app.tenancy import no_tenant

    ids = [t.id for t in tenants.values()]
    with no_tenant(), db.engine.begin() as conn:
        conn.execute(sa.text("INSERT INTO platform.tenant_refresh (tenant_id, last_success_at) "
                             "SELECT unnest(CAST(:ids AS int[])), now() ON CONFLICT DO NOTHING"), {"ids": ids})
    monkeypatch.setitem(app.config, "METRICS_MAX_REGIONS", 2)
    try:
        assert len(_scrape(app)["kompeten_rollup_age_seconds"]) == 2
    finally:
        with no_tenant(), db.engine.begin() as conn:
            conn.execute(sa.text("DELETE FROM platform.tenant_refresh WHERE tenant_id = ANY(:ids)"), {"ids": ids})


def test_per_region_request_counts_are_opt_in(app, client, serang, scrape_token, monkeypatch):
    client.get("/t/kab-serang/api/v1/employees?limit=1")
    assert "kompeten_region_requests_total" not in _scrape(app)
    monkeypatch.setitem(app.config, "METRICS_REGION_REQUESTS", True)
    client.get("/t/kab-serang/api/v1/employees?limit=1")
    client.get("/t/no-such-region/api/v1/employees?limit=1")  # 404: no series for a slug someone typed
    samples = _scrape(app)["kompeten_region_requests_total"]
    assert {s.labels["region"] for s in samples} == {"kab-serang"}


def test_an_anonymous_scrape_is_refused(app, scrape_token):
    resp = app.test_client().get("/metrics")
    assert resp.status_code == 401
    assert resp.mimetype == "application/problem+json"
    assert "kompeten_http_requests_total" not in resp.get_data(as_text=True)
    assert app.test_client().get("/metrics", headers={"Authorization": "Bearer kpm_salah"}).status_code == 401


def test_nothing_configured_refuses_everyone(app, monkeypatch):
    monkeypatch.setitem(app.config, "METRICS_TOKEN_SHA256", None)
    monkeypatch.setitem(app.config, "METRICS_ALLOW", "")
    assert app.test_client().get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"}).status_code == 401


def test_an_allowed_network_may_scrape_without_a_token(app, monkeypatch):
    monkeypatch.setitem(app.config, "METRICS_ALLOW", "10.0.0.0/8, 127.0.0.1/32")
    assert app.test_client().get("/metrics").status_code == 200  # the test client comes from 127.0.0.1
    assert app.test_client().get("/metrics", environ_base={"REMOTE_ADDR": "10.1.2.3"}).status_code == 200
    assert app.test_client().get("/metrics", environ_base={"REMOTE_ADDR": "192.0.2.7"}).status_code == 401


@pytest.mark.committed
def test_a_reconciliation_adds_its_rows_per_second(app, client, malang, run_worker, scrape_token):
    from app.services.demo import malang_pka
    from tests.reconciliation.conftest import cohort_id, get_run, seed_demo
    from tests.reconciliation.conftest import upload as upload_report

    seed_demo()
    before = sum(s.value for s in _scrape(app).get("kompeten_rows_processed_total", [])
                 if s.labels["source"] == "reconciliation")
    resp = upload_report(client, "kota-malang", malang_pka.REPORT_CSV.encode(), partner="BPSDM-JATIM",
                         cohort_id=cohort_id("kota-malang", "PKA", 2024, 2))
    assert resp.status_code == 202, resp.get_json()
    run_worker()
    run = get_run(client, "kota-malang", resp.get_json()["id"])
    assert run["state"] == "classified"
    after = _scrape(app)
    read = run["details"]["rows_read"]
    assert read > 0
    assert _value(after, "kompeten_rows_processed_total", source="reconciliation") - before == read
    assert _value(after, "kompeten_rows_per_second", source="reconciliation") > 0
    assert _value(after, "kompeten_job_duration_seconds_count", job="reconciliation.pipeline.classify_report",
                  queue="imports") >= 1

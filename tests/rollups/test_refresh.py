"""The write side of the rollups: a tenant's figures, the refresh job, staleness, debouncing, targets."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.jobs import enqueue, queue, redis_connection
from app.services.rollups.metrics import IPASN_METRICS
from app.services.rollups.refresh import (
    compute_summaries,
    pending_key,
    refresh_rollups,
    refresh_tenant_summaries,
    schedule_refresh,
)
from app.tenancy import no_tenant, tenant_context
from tests.fixtures.factories import count_queries

THIS_YEAR = date.today().year


@pytest.fixture
def dataset(malang, rollup_data):
    """2 OPDs, PNS and PPPK (some inactive), JP lines in 2023 and 2024, one PPPK orientation cohort in 2023, a PKA
    cohort in 2024, and a 2023 target."""
    b = rollup_data
    opd_a, opd_b = b.opd(malang, "Dinas Uji A"), b.opd(malang, "Dinas Uji B")
    e1 = b.employee(malang, "PNS", opd_id=opd_a)
    e2 = b.employee(malang, "PNS", opd_id=opd_b, gender="P")
    e3 = b.employee(malang, "PPPK", opd_id=opd_a)
    e4 = b.employee(malang, "PPPK", opd_id=opd_b)
    e5 = b.employee(malang, "PPPK", opd_id=opd_b, active=False)
    b.employee(malang, "PNS", opd_id=opd_b, active=False)
    b.jp(malang, e1, 2023, 12)
    b.jp(malang, e1, 2023, 10)  # 22: meets 20 JP
    b.jp(malang, e1, 2024, 5)
    b.jp(malang, e2, 2023, 19)  # below 20 JP
    b.jp(malang, e3, 2023, 40)  # meets
    b.jp(malang, e5, 2023, 25)  # meets, but inactive: trained, not counted among ASN meeting 20 JP
    orientation = b.cohort(malang, "ORIENTASI-PPPK", 2023)
    b.enrol(malang, e3, orientation, "passed")
    b.enrol(malang, e4, orientation, "registered")
    b.enrol(malang, e5, orientation, "withdrawn")  # not oriented
    b.enrol(malang, e1, orientation, "attending")  # a PNS: not counted as PPPK oriented
    b.cohort(malang, "PKA", 2024)
    b.target(malang, 2023, 500)
    return {"employees": (e1, e2, e3, e4, e5)}


def _year(pns=2, pppk=2, trained=0, jp=0, meeting=0, oriented=0, **extra) -> dict[str, Decimal]:
    figures = {"asn_pns": pns, "asn_pppk": pppk, "people_trained": trained, "jp_delivered": jp,
               "asn_meeting_20jp": meeting, "pppk_oriented": oriented,
               **dict.fromkeys(IPASN_METRICS, 0),  # nobody has a jabatan kind here: no one is assessed
               **extra}
    return {metric: Decimal(value) for metric, value in figures.items()}


# Worked out by hand from the dataset above.
EXPECTED = {
    2023: _year(trained=4, jp=12 + 10 + 19 + 40 + 25, meeting=2, oriented=2,
                **{"cohorts:ORIENTASI-PPPK": 1, "target_people": 500}),
    2024: _year(trained=1, jp=5, **{"cohorts:PKA": 1}),
    # every year up to this one, contiguous: a year without training is a row of zeros, not a hole
    **{year: _year() for year in range(2025, THIS_YEAR + 1)},
}


def _as_dict(rows) -> dict[int, dict[str, Decimal]]:
    out: dict[int, dict[str, Decimal]] = {}
    for year, metric, value in rows:
        assert metric not in out.setdefault(year, {}), f"duplicate {year} {metric}"
        out[year][metric] = Decimal(value)
    return out


def _platform_rows(tenant) -> list[tuple[int, str, Decimal]]:
    with no_tenant(), db.engine.connect() as conn:
        return [tuple(r) for r in conn.execute(sa.text(
            "SELECT year, metric, value FROM platform.tenant_summaries WHERE tenant_id = :t ORDER BY year, metric"),
            {"t": tenant.id})]


def _refresh_state(tenant):
    with no_tenant(), db.engine.connect() as conn:
        return conn.execute(sa.text("SELECT * FROM platform.tenant_refresh WHERE tenant_id = :t"),
                            {"t": tenant.id}).first()


def _refresh_inline(tenant, years=None) -> dict:
    with tenant_context(tenant):
        result = refresh_tenant_summaries(years)
        db.session.commit()
    return result


def test_figures_match_a_hand_computation(malang, dataset):
    with tenant_context(malang):
        rows = compute_summaries()
    assert _as_dict(rows) == EXPECTED


def test_compute_only_the_years_asked(malang, dataset):
    with tenant_context(malang):
        rows = compute_summaries([2024])
    assert _as_dict(rows) == {2024: EXPECTED[2024]}


def test_compute_is_a_handful_of_queries(malang, dataset):
    with tenant_context(malang):
        from app.services.rollups.refresh import refresh_years, take_snapshots

        years = refresh_years()
        take_snapshots(years)
        with count_queries() as statements:
            compute_summaries(years, snapshots_taken=True)
        db.session.rollback()
    tenant_statements = [s for s in statements if "search_path" not in s]
    assert len(tenant_statements) <= 8


def test_refresh_by_a_real_worker_writes_the_platform_rows(malang, serang, dataset, run_worker):
    enqueue(refresh_rollups, tenant=malang)
    enqueue(refresh_rollups, tenant=serang)
    run_worker()
    assert _as_dict(_platform_rows(malang)) == EXPECTED
    # Kab. Serang has no data: every year from the platform's first year with training (Malang's 2023, if its
    # refresh ran first) or only this year, with zeros (a figure, not a missing row).
    serang_rows = _as_dict(_platform_rows(serang))
    assert serang_rows[THIS_YEAR] == _year(pns=0, pppk=0)
    assert sorted(serang_rows) == list(range(min(serang_rows), THIS_YEAR + 1))
    assert all(figures == _year(pns=0, pppk=0) for figures in serang_rows.values())
    state = _refresh_state(malang)
    assert state.stale is False and state.last_error is None
    assert state.last_success_at is not None and state.last_success_at == state.last_attempt_at


@pytest.mark.committed  # reads the platform rows on a connection of its own
def test_a_second_refresh_replaces_the_rows(malang, dataset, rollup_data):
    first = _refresh_inline(malang)
    assert first["tenant"] == "kota-malang" and first["years"] == sorted(EXPECTED)
    assert first["rows"] == len(_platform_rows(malang))
    assert first["snapshots"] == {**dict.fromkeys(range(2023, THIS_YEAR), "first_computed"),
                                  THIS_YEAR: "retaken"}
    _refresh_inline(malang)
    assert _as_dict(_platform_rows(malang)) == EXPECTED  # no duplicates
    e2 = dataset["employees"][1]
    rollup_data.jp(malang, e2, 2023, 1)  # now 20 JP: meets
    _refresh_inline(malang, [2023])
    figures = _as_dict(_platform_rows(malang))
    assert figures[2023]["asn_meeting_20jp"] == 3
    assert figures[2023]["jp_delivered"] == EXPECTED[2023]["jp_delivered"] + 1
    assert figures[2024] == EXPECTED[2024]  # a year not asked for is kept as it was


def test_a_failing_refresh_keeps_the_last_good_figures_marked_stale(malang, dataset, run_worker):
    _refresh_inline(malang)
    good = _platform_rows(malang)
    with tenant_context(malang):
        db.session.execute(sa.text("ALTER TABLE jp_entries RENAME TO jp_entries_x"))
        db.session.commit()
    try:
        # No retry left: the first failure is the final one.
        queue("rollups").enqueue(refresh_rollups, malang.id, retry=None)
        run_worker()
    finally:
        with tenant_context(malang):
            db.session.execute(sa.text("ALTER TABLE jp_entries_x RENAME TO jp_entries"))
            db.session.commit()
    state = _refresh_state(malang)
    assert state.stale is True
    assert "jp_entries" in state.last_error and len(state.last_error) <= 2000
    assert state.last_attempt_at > state.last_success_at
    assert _platform_rows(malang) == good  # last good figures, never a silent zero
    # The next good refresh clears the flag.
    _refresh_inline(malang)
    state = _refresh_state(malang)
    assert state.stale is False and state.last_error is None


def test_a_failure_with_retries_left_does_not_mark_stale(malang, dataset, run_worker):
    with tenant_context(malang):
        db.session.execute(sa.text("ALTER TABLE jp_entries RENAME TO jp_entries_x"))
        db.session.commit()
    try:
        job = enqueue(refresh_rollups, tenant=malang)  # retries=2, scheduled 5 s later
        run_worker()
    finally:
        with tenant_context(malang):
            db.session.execute(sa.text("ALTER TABLE jp_entries_x RENAME TO jp_entries"))
            db.session.commit()
    assert _refresh_state(malang) is None
    assert job.id in queue("rollups").scheduled_job_registry.get_job_ids()


def test_schedule_refresh_is_debounced_per_tenant(app, malang, serang):
    scheduled = queue("rollups").scheduled_job_registry
    before = scheduled.count
    with tenant_context(malang):
        first = schedule_refresh()
        second = schedule_refresh()
    other = schedule_refresh(serang)
    assert first is not None and second is None and other is not None
    assert scheduled.count == before + 2
    assert first.args == (malang.id,) and other.args == (serang.id,)
    ttl = redis_connection().ttl(pending_key(malang.id))
    assert 0 < ttl <= 30


def test_schedule_refresh_without_delay_enqueues_now(malang):
    job = schedule_refresh(malang, delay_seconds=0)
    assert job.id in queue("rollups").job_ids


def test_a_redis_failure_does_not_break_the_write(malang, monkeypatch):
    from redis.exceptions import ConnectionError as RedisConnectionError

    from app.services.rollups import metrics as rollups
    from app.services.rollups import refresh

    def broken(*args, **kwargs):
        raise RedisConnectionError("redis is down")

    monkeypatch.setattr(refresh, "schedule_refresh", broken)
    with tenant_context(malang):
        rollups.request_refresh()  # logs, does not raise
        rollups.on_tenant_data_changed(None, reason="test")


# --- targets ---------------------------------------------------------------------------------------------------


def _targets(tenant) -> str:
    return f"/t/{tenant.slug}/api/v1/targets"


def test_admin_sets_a_target_and_a_refresh_is_scheduled(app, client, malang):
    resp = client.put(f"{_targets(malang)}/2024", json={"people": 500, "note": "RPJMD"})
    assert resp.status_code == 200, resp.json
    assert resp.json["year"] == 2024 and resp.json["people"] == 500 and resp.json["note"] == "RPJMD"
    assert redis_connection().exists(pending_key(malang.id))
    resp = client.put(f"{_targets(malang)}/2024", json={"people": 650})  # an upsert
    assert resp.status_code == 200 and resp.json["people"] == 650 and resp.json["note"] is None
    client.put(f"{_targets(malang)}/2023", json={"people": 400})
    listing = client.get(_targets(malang)).json["items"]
    assert [(t["year"], t["people"]) for t in listing] == [(2023, 400), (2024, 650)]
    with tenant_context(malang):
        figures = {metric: value for _, metric, value in compute_summaries([2024])}
    assert figures["target_people"] == 650
    assert client.delete(f"{_targets(malang)}/2024").status_code == 204
    assert client.delete(f"{_targets(malang)}/2024").status_code == 404
    assert [t["year"] for t in client.get(_targets(malang)).json["items"]] == [2023]


@pytest.mark.parametrize(("year", "body"), [
    (1999, {"people": 10}), (2101, {"people": 10}), (2024, {"people": 0}), (2024, {"people": -5}), (2024, {}),
    (2024, {"people": 10, "note": "x" * 301}),
])
def test_invalid_targets_are_refused(client, malang, year, body):
    assert client.put(f"{_targets(malang)}/{year}", json=body).status_code == 422


def test_only_admins_set_targets_staff_read_them(anon_client, client, malang, token_for):
    client.put(f"{_targets(malang)}/2024", json={"people": 500})
    operator = {"Authorization": f"Bearer {token_for(malang, 'operator')}"}
    viewer = {"Authorization": f"Bearer {token_for(malang, 'viewer')}"}
    assert anon_client.put(f"{_targets(malang)}/2024", json={"people": 1}, headers=operator).status_code == 403
    assert anon_client.delete(f"{_targets(malang)}/2024", headers=operator).status_code == 403
    assert anon_client.put(f"{_targets(malang)}/2024", json={"people": 1}, headers=viewer).status_code == 403
    resp = anon_client.get(_targets(malang), headers=viewer)
    assert resp.status_code == 200 and resp.json["items"][0]["people"] == 500


# --- the command -----------------------------------------------------------------------------------------------


def test_the_command_refreshes_inline_or_enqueues(app, tenants, dataset, run_worker):
    from app.blueprints.rollups.commands import rollups

    runner = app.test_cli_runner()
    result = runner.invoke(rollups, ["refresh", "--all", "--inline"])
    assert result.exit_code == 0, result.output
    assert "kota-malang" in result.output and f"{len(tenants)} region(s) refreshed, 0 failed" in result.output
    assert _as_dict(_platform_rows(tenants["kota-malang"])) == EXPECTED
    result = runner.invoke(rollups, ["refresh", "kab-serang"])
    assert result.exit_code == 0 and "1 refresh job(s) enqueued" in result.output
    assert len(queue("rollups").job_ids) == 1
    run_worker()
    assert _refresh_state(tenants["kab-serang"]).stale is False
    assert runner.invoke(rollups, ["refresh"]).exit_code != 0  # neither slugs nor --all
    assert runner.invoke(rollups, ["refresh", "no-such-region"]).exit_code != 0
    assert "rollups.refresh_all (01:00 WIB)" in runner.invoke(rollups, ["refresh", "--help"]).output

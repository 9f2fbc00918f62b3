"""Reconciliation's promises, each with real workers on the real Redis and PostgreSQL."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import psutil
import pytest
import sqlalchemy as sa

from app.extensions import db
from app.jobs import queue
from app.models.employees import Opd
from app.tenancy import tenant_context
from tests.reconciliation.conftest import all_rows, count, get_run, upload
from tests.reconciliation.synthetic import expected_classes, expected_counts, generate, load

DIFFERENCES = {"status_differs": "partner", "jp_differs": "partner", "certificate_missing": "partner",
               "partner_only": "partner", "local_only": "local"}


def _reconcile(client, slug: str, data, cohort: int, run_worker=None) -> int:
    resp = upload(client, slug, data.csv(), partner="LAN-RI", cohort_id=cohort)
    assert resp.status_code == 202, resp.get_json()
    if run_worker:
        run_worker()
    return resp.get_json()["id"]


def _state(slug: str) -> dict:
    with tenant_context(slug):
        rows = db.session.execute(sa.text(
            "SELECT e.nip, n.cohort_id, n.status, n.jp_earned, n.certificate_number, n.certificate_date, "
            "j.jp, j.certificate_number FROM enrolments n JOIN employees e ON e.id = n.employee_id "
            "LEFT JOIN jp_entries j ON j.enrolment_id = n.id")).all()
    return {"enrolments": sorted(map(tuple, rows)), "employees": count(slug, "employees")}


@pytest.mark.parametrize("seed", [7, 2024])
def test_a_random_report_matches_an_independent_computation_of_the_classes(client, malang, run_worker, seed):
    data = generate(400, seed=seed)
    ids = load("kota-malang", data)
    run_id = _reconcile(client, "kota-malang", data, ids["A"], run_worker)
    run = get_run(client, "kota-malang", run_id)
    assert run["state"] == "classified", run
    assert {k: v for k, v in run["counts"].items() if v} == expected_counts(data)
    classes, local_only = expected_classes(data)
    rows = all_rows(client, "kota-malang", run_id)
    assert [r["class"] for r in sorted((r for r in rows if r["row_number"]), key=lambda r: r["row_number"])] \
        == classes
    assert {r["nip"] for r in rows if r["class"] == "local_only"} == local_only


def test_apply_is_idempotent_and_leaves_nothing_open_that_can_be_taken(client, malang, run_worker):
    data = generate(300, seed=11)
    ids = load("kota-malang", data)
    run_id = _reconcile(client, "kota-malang", data, ids["A"], run_worker)
    client.post(f"/t/kota-malang/api/v1/reconciliations/{run_id}/apply", json={"classes": DIFFERENCES})
    run_worker()
    first = _state("kota-malang")
    summary = get_run(client, "kota-malang", run_id)["details"]["last_apply"]
    assert summary["created"] > 0 and summary["updated"] > 0
    client.post(f"/t/kota-malang/api/v1/reconciliations/{run_id}/apply", json={"classes": DIFFERENCES})
    run_worker()
    assert _state("kota-malang") == first
    # A new report of the same file now finds only what cannot be taken (a pass without the partner's STTPP).
    again = _reconcile(client, "kota-malang", data, ids["A"], run_worker)
    counts = get_run(client, "kota-malang", again)["counts"]
    assert counts["status_differs"] == counts["jp_differs"] == counts["partner_only"] == 0
    assert counts["certificate_missing"] == summary["blocked"]
    # One JP line per pass, none for anything else.
    with tenant_context("kota-malang"):
        bad = db.session.execute(sa.text(
            "SELECT count(*) FROM enrolments n LEFT JOIN jp_entries j ON j.enrolment_id = n.id "
            "WHERE (n.status = 'passed' AND n.certificate_number IS NOT NULL AND j.id IS NULL) "
            "OR (n.status <> 'passed' AND j.id IS NOT NULL)")).scalar_one()
    assert bad == 0


def test_an_apply_failing_on_its_last_row_leaves_nothing_and_the_retry_completes_once(client, malang, run_worker):
    data = generate(200, seed=5)
    ids = load("kota-malang", data)
    run_id = _reconcile(client, "kota-malang", data, ids["A"], run_worker)
    status_rows = all_rows(client, "kota-malang", run_id, "status_differs")
    last = max(status_rows, key=lambda r: r["row_number"])
    before = _state("kota-malang")
    with tenant_context("kota-malang"), db.engine.begin() as conn:  # a constraint that the last row violates
        conn.execute(sa.text(f"ALTER TABLE enrolments ADD CONSTRAINT not_this_one CHECK (certificate_number IS NULL "
                             f"OR certificate_number <> '{last['partner_certificate_number']}')"))
    try:
        client.post(f"/t/kota-malang/api/v1/reconciliations/{run_id}/apply", json={"classes": DIFFERENCES})
        run_worker()  # the first attempt and its retries all fail
        run = get_run(client, "kota-malang", run_id)
        assert run["state"] == "classified" and "masalah di server" in run["error"]
        assert "not_this_one" not in run["error"]  # the constraint's name is for the log, not the operator
        assert _state("kota-malang") == before
        assert count("kota-malang", "reconciliation_rows", "applied_at IS NOT NULL") == 0
        assert count("kota-malang", "audit_log", "action IN ('reconciliation.correct', 'reconciliation.enrol')") == 0
    finally:
        with tenant_context("kota-malang"), db.engine.begin() as conn:
            conn.execute(sa.text("ALTER TABLE enrolments DROP CONSTRAINT not_this_one"))
    client.post(f"/t/kota-malang/api/v1/reconciliations/{run_id}/apply", json={"classes": DIFFERENCES})
    run_worker()
    run = get_run(client, "kota-malang", run_id)
    assert run["error"] is None and run["details"]["last_apply"]["updated"] > 0
    corrected = count("kota-malang", "audit_log", "action = 'reconciliation.correct'")
    assert corrected == run["details"]["last_apply"]["updated"]


@pytest.mark.committed  # threads / a subprocess: each needs committed data and its own connection
def test_a_worker_killed_mid_apply_leaves_nothing_and_the_retry_completes_once(client, malang, app_config,
                                                                               redis_prefix, run_worker):
    data = generate(200, seed=9)
    ids = load("kota-malang", data)
    run_id = _reconcile(client, "kota-malang", data, ids["A"], run_worker)
    before = _state("kota-malang")
    with tenant_context("kota-malang"), db.engine.begin() as conn:  # the apply stalls inside its transaction
        conn.execute(sa.text("CREATE FUNCTION stall() RETURNS trigger LANGUAGE plpgsql AS "
                             "$$ BEGIN PERFORM pg_sleep(2); RETURN NEW; END $$"))
        conn.execute(sa.text("CREATE TRIGGER stall BEFORE UPDATE ON enrolments FOR EACH STATEMENT "
                             "EXECUTE FUNCTION stall()"))
    client.post(f"/t/kota-malang/api/v1/reconciliations/{run_id}/apply", json={"classes": DIFFERENCES})
    env = {**os.environ, "DATABASE_URL": app_config["SQLALCHEMY_DATABASE_URI"], "REDIS_URL": app_config["REDIS_URL"],
           "KOMPETEN_REDIS_PREFIX": redis_prefix, "SECRET_KEY": "t", "KOMPETEN_LOG_LEVEL": "WARNING",
           "KOMPETEN_INSTANCE_DIR": app_config["INSTANCE_DIR"]}
    worker = subprocess.Popen([sys.executable, "-m", "app.cli_entry", "worker", "--queue", "imports"],  # noqa: S603
                              env=env, start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            with db.engine.connect() as conn:
                if conn.execute(sa.text("SELECT count(*) FROM pg_stat_activity WHERE wait_event = 'PgSleep' "
                                        "AND datname = current_database()")).scalar_one():
                    break
            time.sleep(0.02)
        else:
            raise AssertionError("the apply never started")
    finally:
        # The worker and its work horse (RQ puts the horse in a session of its own), mid-apply.
        horses = psutil.Process(worker.pid).children(recursive=True)
        os.killpg(worker.pid, signal.SIGKILL)
        for horse in horses:
            horse.send_signal(signal.SIGKILL)
        worker.wait(10)
    with tenant_context("kota-malang"), db.engine.begin() as conn:  # waits for the dead apply to roll back
        conn.execute(sa.text("DROP FUNCTION stall() CASCADE"))
    assert _state("kota-malang") == before
    assert get_run(client, "kota-malang", run_id)["state"] == "applying"
    assert count("kota-malang", "reconciliation_rows", "applied_at IS NOT NULL") == 0

    # What a worker does by itself once the dead one's heartbeat expires: retry the abandoned job.
    queue("imports").started_job_registry.cleanup(timestamp=time.time() + 3600)
    run_worker()
    run = get_run(client, "kota-malang", run_id)
    assert run["state"] == "classified" and run["error"] is None, run
    updated = run["details"]["last_apply"]["updated"]
    assert updated > 0 and count("kota-malang", "audit_log", "action = 'reconciliation.correct'") == updated


def test_two_regions_reconciling_at_the_same_time_stay_apart(client, malang, serang, run_worker):
    a, b = generate(150, seed=1), generate(150, seed=2)
    ids_a, ids_b = load("kota-malang", a), load("kab-serang", b)
    run_a = _reconcile(client, "kota-malang", a, ids_a["A"])
    run_b = _reconcile(client, "kab-serang", b, ids_b["A"])
    run_worker()  # one worker for both
    assert {k: v for k, v in get_run(client, "kota-malang", run_a)["counts"].items() if v} == expected_counts(a)
    assert {k: v for k, v in get_run(client, "kab-serang", run_b)["counts"].items() if v} == expected_counts(b)
    for slug, run in (("kota-malang", run_a), ("kab-serang", run_b)):
        client.post(f"/t/{slug}/api/v1/reconciliations/{run}/apply", json={"classes": DIFFERENCES})
    before_b = _state("kab-serang")
    run_worker()
    assert _state("kab-serang") != before_b  # each applied in its own region...
    assert count("kota-malang", "reconciliation_runs") == count("kab-serang", "reconciliation_runs") == 1
    # ...and a run id of one region is not found in the other's
    other = client.get(f"/t/kab-serang/api/v1/reconciliations/{run_a + 100}")
    assert other.status_code == 404


def test_operators_limited_to_some_opds_may_not_run_or_read_reconciliations(client, app, malang, token_for):
    with tenant_context(malang):
        opd = Opd(name="Dinas Kesehatan", name_key="dinas kesehatan")
        db.session.add(opd)
        db.session.commit()
        opd_id = opd.id
    token = token_for(malang, "operator", opd_ids=[opd_id])
    plain = app.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    resp = plain.get("/t/kota-malang/api/v1/reconciliations", headers=headers)
    assert resp.status_code == 403 and resp.get_json()["type"].endswith("forbidden-scoped")


def test_bad_uploads_are_422_problems_naming_the_fields(client, malang):
    data = b"NIP,NAMA,STATUS\n"
    cases = [
        ({"partner": "BPSDM-XYZ", "cohort_id": 1}, {"partner", "cohort_id"}),
        ({"partner": "LAN-RI"}, {"cohort_id"}),
        ({"partner": "LAN-RI", "program": "NOPE", "year": 2024}, {"program"}),
        ({"partner": "LAN-RI", "program": "PKA"}, {"year"}),
    ]
    for form, fields in cases:
        resp = upload(client, "kota-malang", data, **form)
        assert resp.status_code == 422 and resp.content_type == "application/problem+json", resp.get_json()
        assert {e["field"] for e in resp.get_json()["errors"]} == fields, resp.get_json()
    resp = client.post("/t/kota-malang/api/v1/reconciliations", data={"partner": "LAN-RI"})
    assert resp.status_code == 422 and "file" in str(resp.get_json())
    assert count("kota-malang", "reconciliation_runs") == 0


def test_a_report_without_its_required_columns_fails_with_the_reason(client, malang, run_worker):
    ids = load("kota-malang", generate(5, seed=3))
    resp = upload(client, "kota-malang", b"NIP,NAMA\n198503122010011003,A\n", partner="LAN-RI", cohort_id=ids["A"])
    run_worker()
    run = get_run(client, "kota-malang", resp.get_json()["id"])
    assert run["state"] == "failed" and "STATUS" in run["error"]


def test_the_cli_queues_a_report_by_program_and_year(app, malang, run_worker, tmp_path):
    from app.blueprints.reconciliation.commands import reconcile

    data = generate(60, seed=21)
    load("kota-malang", data)
    path = tmp_path / "lan.csv"
    path.write_bytes(data.csv())
    runner = app.test_cli_runner()
    result = runner.invoke(reconcile, ["kota-malang", str(path), "--partner", "LAN-RI", "--program", "PKA",
                                       "--year", "2024"])
    assert result.exit_code == 0, result.output
    assert "queued" in result.output
    run_worker()
    with tenant_context("kota-malang"):
        counts = db.session.execute(sa.text("SELECT counts FROM reconciliation_runs")).scalar_one()
    assert {k: v for k, v in counts.items() if v} == expected_counts(data)
    bad = runner.invoke(reconcile, ["kota-malang", str(path), "--partner", "LAN-RI"])
    assert bad.exit_code != 0


def test_an_xlsx_report_with_number_and_date_cells_classifies_like_its_csv(client, malang, run_worker, tmp_path):
    import csv
    import io
    from datetime import datetime

    from openpyxl import Workbook

    data = generate(80, seed=13)
    ids = load("kota-malang", data)
    book = Workbook()
    sheet = book.active
    for i, line in enumerate(csv.reader(io.StringIO(data.csv().decode()))):
        # NIPs stay text cells (an Excel number cell holds a double: 18 digits do not survive it)
        if i and line[8]:
            line[8] = datetime.strptime(line[8], "%d/%m/%Y")  # noqa: DTZ007 - a date cell
        if i and line[6]:
            line[6] = int(line[6])
        sheet.append(line)
    path = tmp_path / "laporan.xlsx"
    book.save(path)
    resp = upload(client, "kota-malang", path.read_bytes(), name="laporan.xlsx", partner="LAN-RI", cohort_id=ids["A"])
    run_worker()
    run = get_run(client, "kota-malang", resp.get_json()["id"])
    assert {k: v for k, v in run["counts"].items() if v} == expected_counts(data)


def test_a_file_unreadable_halfway_fails_with_the_reason_and_stages_nothing(client, malang, run_worker):
    data = generate(900, seed=17)
    ids = load("kota-malang", data)
    # 0x81 is neither UTF-8 nor Windows-1252: the file cannot be read past that row
    body = data.csv() + b"198503122010011003,Nama \x81 rusak,PKA,I,2024,LULUS,333,,,\n"
    resp = upload(client, "kota-malang", body, partner="LAN-RI", cohort_id=ids["A"])
    run_worker()
    run = get_run(client, "kota-malang", resp.get_json()["id"])
    assert run["state"] == "failed" and "tidak dapat dibaca" in run["error"], run
    assert count("kota-malang", "reconciliation_rows") == 0


def test_a_nul_character_in_a_cell_is_dropped_not_a_crash(client, malang, run_worker):
    data = generate(30, seed=19)
    ids = load("kota-malang", data)
    body = data.csv() + b"19850312201001100\x00,Nama \x00 aneh,PKA,I,2024,LULUS,333,,,\n"
    resp = upload(client, "kota-malang", body, partner="LAN-RI", cohort_id=ids["A"])
    run_worker()
    run = get_run(client, "kota-malang", resp.get_json()["id"])
    assert run["state"] == "classified", run
    assert run["counts"]["invalid"] == expected_counts(data).get("invalid", 0) + 1

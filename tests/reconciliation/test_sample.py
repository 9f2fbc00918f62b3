"""BPSDM Jatim's sample report against Kota Malang's demo data: the designed classes, row by row."""

from __future__ import annotations

import sqlalchemy as sa

from app.extensions import db
from app.jobs import queue, redis_connection
from app.services.demo import malang_pka
from app.services.demo.regions import CERTIFICATE_MISSING_SIDE, EXPECTED_RECONCILIATION, EXPECTED_ROW_CLASSES
from app.services.rollups.refresh import pending_key
from app.tenancy import tenant_context
from tests.reconciliation.conftest import all_rows, cohort_id, count, get_run, seed_demo, upload


def _scheduled_refreshes(tenant) -> set[str]:
    """The ids of the debounced rollups refresh jobs waiting in the rollups queue's scheduled registry for `tenant`
    (the debounce key itself expires after the delay, which a slow machine can exceed before an assertion)."""
    q = queue("rollups")
    jobs = q.job_class.fetch_many(q.scheduled_job_registry.get_job_ids(), connection=q.connection)
    return {job.id for job in jobs
            if job is not None and job.func_name.endswith("refresh_rollups") and job.args[0] == tenant.id}


SAMPLE_NAME = "bpsdm-jatim_pka-ii-2024_kota-malang.csv"
SAMPLE = malang_pka.REPORT_CSV.encode()  # byte for byte the shared sample (tests/demo checks that)


def test_the_sample_report_gives_the_designed_count_per_class(client, malang, run_worker):
    seed_demo()
    pka = cohort_id("kota-malang", "PKA", 2024, 2)
    resp = upload(client, "kota-malang", SAMPLE, name=SAMPLE_NAME, partner="BPSDM-JATIM", cohort_id=pka)
    assert resp.status_code == 202, resp.get_json()
    run_id = resp.get_json()["id"]
    run_worker()
    run = get_run(client, "kota-malang", run_id)
    assert run["state"] == "classified", run
    assert {k: v for k, v in run["counts"].items() if v} == EXPECTED_RECONCILIATION
    rows = all_rows(client, "kota-malang", run_id)
    by_line = {r["row_number"] - 1: r for r in rows if r["row_number"] is not None}  # line 2 = data row 1
    assert {n: r["class"] for n, r in by_line.items()} == EXPECTED_ROW_CLASSES
    for nip, side in CERTIFICATE_MISSING_SIDE.items():
        [row] = [r for r in rows if r["nip"] == nip]
        assert row["detail"] == side
    [unknown] = [r for r in rows if r["nip"] == malang_pka.UNKNOWN_NIP]
    [other] = [r for r in rows if r["nip"] == malang_pka.OTHER_COHORT_NIP]
    assert (unknown["detail"], other["detail"]) == ("unknown_nip", "other_cohort")
    [local] = [r for r in rows if r["class"] == "local_only"]
    assert local["nip"] in malang_pka.LOCAL_ONLY and local["row_number"] is None
    [dup] = [r for r in rows if r["class"] == "duplicate"]
    assert dup["duplicate_of_row"] == 6  # line 34 repeats line 6
    invalid = [r for r in rows if r["class"] == "invalid"]
    # One 17-digit NIP, seven whose TMT is less than 15 years after the birth year (DOMAIN.md's rule).
    assert sorted(r["error_code"] for r in invalid) == ["nip_length"] + ["nip_start_before_age_15"] * 7
    assert all(r["error_column"] == "NIP" and "NIP" in r["error_reason"] for r in invalid)
    [short] = [r for r in invalid if r["nip"] == "19850312201001100"]
    assert short["error_code"] == "nip_length" and "18 digit" in short["error_reason"]


def _classified(client, run_worker) -> int:
    seed_demo()
    pka = cohort_id("kota-malang", "PKA", 2024, 2)
    run_id = upload(client, "kota-malang", SAMPLE, partner="BPSDM-JATIM", cohort_id=pka).get_json()["id"]
    run_worker()
    return run_id


def _apply(client, run_id: int, **body):
    return client.post(f"/t/kota-malang/api/v1/reconciliations/{run_id}/apply", json=body)


def _enrolments(nips: list[str]) -> dict[str, tuple]:
    with tenant_context("kota-malang"):
        rows = db.session.execute(sa.text(
            "SELECT e.nip, n.status, n.jp_earned, n.certificate_number, n.certificate_date, "
            "(SELECT count(*) FROM jp_entries j WHERE j.enrolment_id = n.id) "
            "FROM enrolments n JOIN employees e ON e.id = n.employee_id JOIN cohorts c ON c.id = n.cohort_id "
            "JOIN programs p ON p.id = c.program_id WHERE p.code = 'PKA' AND c.year = 2024 AND c.number = 2 "
            "AND e.nip = ANY(:n)"), {"n": nips}).all()
    return {r[0]: tuple(r[1:]) for r in rows}


def _snapshot() -> dict:
    tables = ("employees", "enrolments", "jp_entries")
    return {t: count("kota-malang", t) for t in tables} | {"state": _enrolments(list(malang_pka.LOCAL_PEOPLE))}


def test_taking_the_partners_values_corrects_enrolments_and_applying_twice_changes_nothing(client, malang,
                                                                                          run_worker):
    run_id = _classified(client, run_worker)
    before = _snapshot()
    decisions = {"status_differs": "partner", "jp_differs": "partner", "certificate_missing": "partner",
                 "partner_only": "partner", "local_only": "local"}
    redis_connection().delete(pending_key(malang.id))
    scheduled_before = _scheduled_refreshes(malang)
    assert _apply(client, run_id, classes=decisions).status_code == 202
    run_worker()
    run = get_run(client, "kota-malang", run_id)
    assert run["state"] == "classified" and run["error"] is None
    assert _scheduled_refreshes(malang) - scheduled_before  # the apply scheduled the region's rollups refresh
    # 2 status corrections; 2 partner-only become enrolments. Two rows cannot be taken: the certificate one is
    # missing on the partner's side (a pass keeps its STTPP), and the JP one gives 332 JP to a failure (a
    # failure earns none).
    assert run["details"]["last_apply"] == {"created": 2, "updated": 2, "unchanged": 0, "blocked": 2, "kept": 1}
    now = _enrolments([malang_pka.STILL_ATTENDING, malang_pka.FAILED_LOCALLY, malang_pka.JP_333_LOCALLY,
                       malang_pka.UNKNOWN_NIP, malang_pka.OTHER_COHORT_NIP])
    cert_date = malang_pka.CERTIFICATE_DATE
    assert now[malang_pka.STILL_ATTENDING] == ("passed", 333, "STTPP/002/PKA-II/BPSDM/2024", cert_date, 1)
    assert now[malang_pka.FAILED_LOCALLY] == ("passed", 333, "STTPP/030/PKA-II/BPSDM/2024", cert_date, 1)
    assert now[malang_pka.JP_333_LOCALLY] == ("failed", None, None, None, 0)
    assert now[malang_pka.UNKNOWN_NIP] == ("passed", 333, "STTPP/022/PKA-II/BPSDM/2024", cert_date, 1)
    assert now[malang_pka.OTHER_COHORT_NIP][0] == "passed"
    assert count("kota-malang", "employees") == before["employees"] + 1  # the unknown NIP, from the report
    with tenant_context("kota-malang"):
        gender, birth, name = db.session.execute(sa.text(
            "SELECT gender, birth_date, name FROM employees WHERE nip = :n"), {"n": malang_pka.UNKNOWN_NIP}).one()
    assert (gender, str(birth), name) == ("P", "1971-04-23", "Fitri Prasetyo")
    # who applied what: one entry per enrolment written, and one for the apply
    with tenant_context("kota-malang"):
        actions = db.session.execute(sa.text(
            "SELECT action, actor FROM audit_log WHERE action LIKE 'reconciliation.%' ORDER BY id")).all()
    names = [a for a, _ in actions]
    assert names.count("reconciliation.correct") == 2 and names.count("reconciliation.enrol") == 2
    assert names[-1] == "reconciliation.apply" and "reconciliation.decide" in names
    decider = next(actor for a, actor in actions if a == "reconciliation.decide")
    assert decider and all(actor == decider for a, actor in actions if a != "reconciliation.upload")
    # open differences: only the two blocked rows remain, each saying why
    assert get_run(client, "kota-malang", run_id)["open_differences"] == 2
    outcomes = {r["nip"]: r["outcome"] for r in all_rows(client, "kota-malang", run_id) if r.get("outcome")}
    assert "tidak memperoleh JP" in outcomes[malang_pka.JP_333_LOCALLY]

    after_first = _snapshot()
    audit_rows = count("kota-malang", "audit_log", "action IN ('reconciliation.correct', 'reconciliation.enrol')")
    assert _apply(client, run_id, classes=decisions).status_code == 202
    run_worker()
    assert _snapshot() == after_first
    assert count("kota-malang", "audit_log",
                 "action IN ('reconciliation.correct', 'reconciliation.enrol')") == audit_rows
    assert get_run(client, "kota-malang", run_id)["details"]["last_apply"]["created"] == 0


def test_keeping_our_data_changes_nothing_and_closes_the_differences(client, malang, run_worker):
    run_id = _classified(client, run_worker)
    before = _snapshot()
    classes = dict.fromkeys(("status_differs", "jp_differs", "certificate_missing", "partner_only", "local_only"),
                            "local")
    assert _apply(client, run_id, classes=classes).status_code == 202
    run_worker()
    assert _snapshot() == before
    run = get_run(client, "kota-malang", run_id)
    assert run["open_differences"] == 0 and run["details"]["last_apply"]["kept"] == 7


def test_a_row_decision_wins_over_its_class(client, malang, run_worker):
    run_id = _classified(client, run_worker)
    rows = all_rows(client, "kota-malang", run_id, "status_differs")
    keep = next(r for r in rows if r["nip"] == malang_pka.FAILED_LOCALLY)
    _apply(client, run_id, classes={"status_differs": "partner"}, rows=[{"id": keep["id"], "decision": "local"}])
    run_worker()
    now = _enrolments([malang_pka.STILL_ATTENDING, malang_pka.FAILED_LOCALLY])
    assert now[malang_pka.STILL_ATTENDING][0] == "passed" and now[malang_pka.FAILED_LOCALLY][0] == "failed"


def test_bad_decisions_are_422_naming_the_field(client, malang, run_worker):
    run_id = _classified(client, run_worker)
    resp = _apply(client, run_id, classes={"local_only": "partner", "consistent": "local"})
    assert resp.status_code == 422 and resp.content_type == "application/problem+json"
    fields = {e["field"] for e in resp.get_json()["errors"]}
    assert fields == {"classes.local_only", "classes.consistent"}
    assert _apply(client, run_id, rows=[{"id": 999999, "decision": "partner"}]).get_json()["errors"][0]["field"] \
        == "rows.999999"


def test_a_later_report_supersedes_the_earlier_and_shows_what_changed(client, malang, run_worker):
    first = _classified(client, run_worker)
    lines = malang_pka.REPORT_CSV.splitlines()
    lines[7] = lines[7].replace("TIDAK LULUS,332", "TIDAK LULUS,0")  # row 7: JP now agrees -> consistent
    lines = lines[:-1]  # the duplicate of row 5 is gone
    lines.append("198404302009031120,Pegawai Baru,PKA,II,2024,LULUS,333,STTPP/099/PKA-II/BPSDM/2024,11/07/2024,")
    pka = cohort_id("kota-malang", "PKA", 2024, 2)
    second = upload(client, "kota-malang", ("\n".join(lines) + "\n").encode(), partner="BPSDM-JATIM",
                    cohort_id=pka).get_json()
    assert second["supersedes_run_id"] == first
    run_worker()
    assert get_run(client, "kota-malang", first)["state"] == "superseded"
    assert get_run(client, "kota-malang", first)["superseded_by_run_id"] == second["id"]
    changes = client.get(f"/t/kota-malang/api/v1/reconciliations/{second['id']}/changes").get_json()
    assert changes["previous_run_id"] == first
    by_nip = {(c["nip"], c["change"]): c for c in changes["items"]}
    assert by_nip[(malang_pka.JP_333_LOCALLY, "changed")]["before_class"] == "jp_differs"
    assert by_nip[(malang_pka.JP_333_LOCALLY, "changed")]["after_class"] == "consistent"
    assert ("198404302009031120", "new") in by_nip
    assert changes["counts"] == {"new": 1, "gone": 0, "changed": 1}  # the duplicate's NIP is still in the file
    # The superseded report takes no more corrections.
    resp = _apply(client, first, classes={"status_differs": "partner"})
    assert resp.status_code == 409 and resp.content_type == "application/problem+json"


def test_the_cohort_state_and_the_open_differences_for_the_cohort_page(client, malang, run_worker):
    from app.services.reconciliation import runs as reconciliation

    seed_demo()
    pka = cohort_id("kota-malang", "PKA", 2024, 2)
    with tenant_context("kota-malang"):
        assert reconciliation.cohort_reconciliation_state(pka) is None
        assert reconciliation.open_differences_count() == 0
    run_id = _classified(client, run_worker)
    with tenant_context("kota-malang"):
        state = reconciliation.cohort_reconciliation_state(pka)
        total = reconciliation.open_differences_count()
    assert state["run_id"] == run_id and state["state"] == "classified" and state["partner"] == "BPSDM-JATIM"
    assert state["open_differences"] == total == 2 + 1 + 1 + 2 + 1  # status, JP, certificate, partner-only, local


def test_the_rows_download_as_csv_and_xlsx_with_both_sides_and_are_in_the_openapi(client, malang, run_worker):
    run_id = _classified(client, run_worker)
    csv = client.get(f"/t/kota-malang/api/v1/reconciliations/{run_id}/download?format=csv&class=certificate_missing")
    assert csv.status_code == 200 and "rekonsiliasi" in csv.headers["Content-Disposition"]
    text = csv.data.decode("utf-8-sig")
    assert "Status mitra" in text and "Status kita" in text and malang_pka.CERTIFICATE_ONLY_LOCAL in text
    csv.close()
    assert len([line for line in text.splitlines() if line.strip()]) == 2  # header + the one row
    xlsx = client.get(f"/t/kota-malang/api/v1/reconciliations/{run_id}/download?format=xlsx")
    assert xlsx.status_code == 200 and xlsx.data[:2] == b"PK"
    xlsx.close()
    spec = client.get("/t/kota-malang/api/v1/openapi.json").get_json()
    paths = {p for p in spec["paths"] if "reconciliations" in p}
    assert len(paths) == 6, paths
    assert client.get(f"/t/kota-malang/api/v1/reconciliations/{run_id}/rows?class=nope").status_code == 422

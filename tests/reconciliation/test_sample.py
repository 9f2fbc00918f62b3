"""BPSDM Jatim's sample report against Kota Malang's demo data: the designed classes, row by row."""

from __future__ import annotations

from app.services.demo import CERTIFICATE_MISSING_SIDE, EXPECTED_RECONCILIATION, EXPECTED_ROW_CLASSES
from app.services.demo import malang_pka
from tests.reconciliation.conftest import all_rows, cohort_id, get_run, seed_demo, upload

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
    assert {r["error_code"] for r in invalid} == {"nip_length", "nip_start_too_early"} or all(
        r["error_code"] and r["error_reason"] for r in invalid)
    [short] = [r for r in invalid if r["nip"] == "19850312201001100"]
    assert short["error_code"] == "nip_length" and "18 digit" in short["error_reason"]

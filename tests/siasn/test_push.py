"""Push: Kota Malang's PKA Angkatan II 2024 results reach the stand-in SIASN exactly once per person, through a
worker killed mid-push; retries, refusals, corrections, revocations and token renewal."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.jobs import queue
from app.models.siasn import SiasnPush
from app.tenancy import tenant_context
from tests.siasn.conftest import MALANG, certified_results, connect, pka_cohort_id, seed_malang


def _pushes() -> dict[int, dict]:
    with tenant_context(MALANG):
        rows = db.session.execute(sa.select(SiasnPush)).scalars().all()
        return {p.enrolment_id: {"state": p.state, "siasn_id": p.siasn_id, "message": p.message,
                                 "action": p.action} for p in rows}


def _push(client, cohort_id: int) -> dict:
    resp = client.post(f"/t/{MALANG}/api/v1/siasn/cohorts/{cohort_id}/push")
    assert resp.status_code == 202, resp.get_json()
    return resp.get_json()


def _assert_one_record_each(standin, expected: list[dict]) -> None:
    assert len(standin.diklat) == len(expected)
    held = {r["pnsOrangId"]: r for r in standin.diklat.values()}
    assert len(held) == len(expected)  # one per person
    pushes = _pushes()
    for result in expected:
        record = held[standin.pns_orang_id(result["nip"])]
        assert record["nomor"] == result["certificate_number"]
        assert record["jumlahJam"] == result["jp_earned"]
        assert record["latihanStrukturalId"] == "10"  # PKA, the shipped default mapping
        assert (record["tahun"], record["tanggal"], record["tanggalSelesai"]) == (2024, "09-03-2024", "11-07-2024")
        assert record["institusiPenyelenggara"].startswith("BPSDM")
        assert record["jenisKompetensi"] == "Manajerial"
        assert pushes[result["id"]]["state"] == "sent" and pushes[result["id"]]["siasn_id"] == record["id"]



def _correct_jp(enrolment_id: int, jp: int) -> None:
    """A correction as reconciliation makes one: the pass and its JP line change together (the database checks
    that a pass and its ledger line agree)."""
    params = {"id": enrolment_id, "jp": jp}
    db.session.execute(sa.text("UPDATE enrolments SET jp_earned = :jp WHERE id = :id"), params)
    db.session.execute(sa.text("UPDATE jp_entries SET jp = :jp WHERE enrolment_id = :id"), params)


def _revoke(enrolment_id: int) -> None:
    """The result is no longer a pass: no STTPP, no JP, no ledger line (as the database requires)."""
    db.session.execute(sa.text("DELETE FROM jp_entries WHERE enrolment_id = :id"), {"id": enrolment_id})
    db.session.execute(sa.text("UPDATE enrolments SET status = 'failed', certificate_number = NULL, "
                               "certificate_date = NULL, jp_earned = NULL WHERE id = :id"), {"id": enrolment_id})

@pytest.mark.committed
def test_a_worker_killed_mid_push_leaves_exactly_one_record_per_person(client, malang, standin, app_config,
                                                                       redis_prefix, run_worker):
    seed_malang()
    cohort_id = pka_cohort_id()
    expected = certified_results(cohort_id)
    assert len(expected) >= 15
    connect(client, standin)
    standin.latency = 0.15  # every call, so the push is long enough to be killed in the middle

    _push(client, cohort_id)
    env = {**os.environ, "DATABASE_URL": app_config["SQLALCHEMY_DATABASE_URI"], "REDIS_URL": app_config["REDIS_URL"],
           "KOMPETEN_REDIS_PREFIX": redis_prefix, "SECRET_KEY": app_config["SECRET_KEY"],
           "KOMPETEN_LOG_LEVEL": "WARNING", "KOMPETEN_INSTANCE_DIR": app_config["INSTANCE_DIR"],
           "KOMPETEN_SIASN_CONCURRENCY": "2"}
    worker = subprocess.Popen([sys.executable, "-m", "app.cli_entry", "worker", "--queue", "default"],  # noqa: S603
                              env=env, start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline and len(standin.diklat) < 4:
            assert worker.poll() is None, "the worker died by itself"
            time.sleep(0.02)
        assert len(standin.diklat) >= 4, "the worker never got going"
    finally:
        os.killpg(worker.pid, signal.SIGKILL)  # the worker and its work horse, mid-push
        worker.wait(10)
    time.sleep(0.5)  # calls already in flight finish at the stand-in
    partial = len(standin.diklat)
    assert 4 <= partial < len(expected)
    # SIASN holds records our database does not know of yet (the chunk was never committed).
    assert sum(1 for p in _pushes().values() if p["state"] == "sent") < partial

    standin.latency = 0.0
    # What a worker does once the dead one's heartbeat expires: the abandoned job is retried; and the operator
    # pushes again. Both run; neither may make a second record.
    queue("default").started_job_registry.cleanup(timestamp=time.time() + 3600)
    _push(client, cohort_id)
    run_worker()
    _assert_one_record_each(standin, expected)
    # The records SIASN had were adopted, not saved again (a save the kill cut off mid-request never arrived).
    assert standin.created == len(expected) and standin.updated == 0
    saves = standin.count("POST", "/apisiasn/1.0/diklat/save")

    # A third push changes nothing at SIASN: every record is already what we hold.
    _push(client, cohort_id)
    run_worker()
    _assert_one_record_each(standin, expected)
    assert standin.count("POST", "/apisiasn/1.0/diklat/save") == saves

    page = client.get(f"/t/{MALANG}/siasn/angkatan/{cohort_id}").get_data(as_text=True)
    assert next(iter(standin.diklat)) in page and "Terkirim" in page


def _one(client, standin, run_worker) -> tuple[int, dict]:
    seed_malang()
    connect(client, standin)
    result = certified_results(pka_cohort_id())[0]
    return result["id"], result


def _push_one(client, run_worker, enrolment_id: int) -> dict:
    resp = client.post(f"/t/{MALANG}/api/v1/siasn/enrolments/{enrolment_id}/push")
    assert resp.status_code == 202, resp.get_json()
    run_worker()
    return _pushes()[enrolment_id]


@pytest.mark.committed
def test_5xx_and_timeouts_are_retried_and_a_refusal_shows_siasns_message(client, malang, standin, run_worker, app):
    enrolment_id, result = _one(client, standin, run_worker)
    standin.fail_next(2, "error")  # two 500s, then SIASN answers
    assert _push_one(client, run_worker, enrolment_id)["state"] == "sent"
    assert len(standin.diklat) == 1

    standin.diklat.clear()
    standin.mode = "down"  # longer than the retries: left failed, for the schedule to send again
    failed = _push_one(client, run_worker, enrolment_id)
    assert failed["state"] == "failed" and "503" in failed["message"]
    standin.mode = "ok"
    from app.jobs import enqueue
    from app.services.siasn.push import retry_failed
    with tenant_context(MALANG):
        enqueue(retry_failed)
    run_worker()
    assert _pushes()[enrolment_id]["state"] == "sent" and len(standin.diklat) == 1

    standin.diklat.clear()
    standin.mode, standin.slow_seconds = "slow", 3.0  # over the 2 s client timeout in tests
    slow = _push_one(client, run_worker, enrolment_id)
    assert slow["state"] == "failed" and "ReadTimeout" in slow["message"]

    standin.mode = "refuse"
    standin.refuse_message = "Tanggal selesai tidak boleh melebihi tanggal hari ini"
    refused = _push_one(client, run_worker, enrolment_id)
    assert refused["state"] == "refused" and refused["message"] == standin.refuse_message
    page = client.get(f"/t/{MALANG}/siasn/angkatan/{pka_cohort_id()}").get_data(as_text=True)
    assert standin.refuse_message in page and "Ditolak SIASN" in page


@pytest.mark.committed
def test_a_correction_updates_the_record_and_a_revoked_result_deletes_it(client, malang, standin, run_worker):
    enrolment_id, result = _one(client, standin, run_worker)
    sent = _push_one(client, run_worker, enrolment_id)
    assert standin.diklat[sent["siasn_id"]]["jumlahJam"] == result["jp_earned"]
    with tenant_context(MALANG):  # a correction (as reconciliation makes one): fewer JP
        _correct_jp(enrolment_id, 300)
        db.session.commit()
    corrected = _push_one(client, run_worker, enrolment_id)
    assert corrected["siasn_id"] == sent["siasn_id"] and len(standin.diklat) == 1
    assert standin.diklat[sent["siasn_id"]]["jumlahJam"] == 300

    with tenant_context(MALANG):  # the result is revoked: no longer a pass
        _revoke(enrolment_id)
        db.session.commit()
    deleted = _push_one(client, run_worker, enrolment_id)
    assert deleted["state"] == "deleted" and deleted["siasn_id"] is None and standin.diklat == {}
    assert _push_one(client, run_worker, enrolment_id)["state"] == "deleted"  # nothing more to do


@pytest.mark.committed
def test_tokens_are_cached_until_they_expire_and_renewed(client, malang, standin, run_worker):
    seed_malang()
    connect(client, standin)
    cohort_id = pka_cohort_id()
    _push(client, cohort_id)
    run_worker()
    wso, sso = standin.count("POST", "/oauth2/token"), standin.count("POST", "/auth/realms")
    assert (wso, sso) == (1, 1)  # one of each for the whole cohort
    standin.expire_tokens()
    standin.diklat.clear()
    _push(client, cohort_id)
    run_worker()
    assert standin.count("POST", "/oauth2/token") == 2 and standin.count("POST", "/auth/realms") == 2
    assert len(standin.diklat) == len(certified_results(cohort_id))


@pytest.mark.committed
def test_the_schedule_sends_new_passes_corrections_and_revocations_by_itself(client, malang, standin, run_worker):
    from app.jobs import enqueue
    from app.services.siasn.push import sync_pending

    seed_malang()
    cohort_id = pka_cohort_id()
    expected = certified_results(cohort_id)

    def tick() -> None:
        with tenant_context(MALANG):
            enqueue(sync_pending)
        run_worker()

    tick()  # no connection yet: nothing is sent
    assert standin.diklat == {} and _pushes() == {}
    connect(client, standin)
    tick()
    assert len(standin.diklat) >= len(expected)  # every passed, certified result of the region (other cohorts too)
    held = len(standin.diklat)
    tick()  # nothing changed: nothing sent
    assert len(standin.diklat) == held and standin.updated == 0
    first, second = expected[0]["id"], expected[1]["id"]
    with tenant_context(MALANG):
        _correct_jp(first, 300)
        _revoke(second)
        db.session.commit()
    tick()
    pushes = _pushes()
    assert standin.diklat[pushes[first]["siasn_id"]]["jumlahJam"] == 300 and standin.updated == 1
    assert pushes[second]["state"] == "deleted" and len(standin.diklat) == held - 1


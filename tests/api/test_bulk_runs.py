"""Large cohorts as an RQ job: above COHORT_BULK_JOB_ROWS, a confirmed bulk enrolment or results sheet answers 202
with its run's URL and a real worker writes it (the run lifecycle of app/services/runs: it never stays stuck)."""

from __future__ import annotations

import io
from datetime import date

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.tenancy import tenant_context
from tests.api.enrolment_factories import PKA_PHASES, api, make_cohort, make_employee

END = date(2024, 7, 11)
PATTERN = "STTPP/{seq:03}/PKA-II/BPSDM/2024"
pytestmark = pytest.mark.committed


@pytest.fixture
def small_threshold(app, monkeypatch):
    monkeypatch.setitem(app.config, "COHORT_BULK_JOB_ROWS", 3)


def _one(malang, sql, **params):
    with tenant_context(malang):
        return db.session.execute(sa.text(sql), params).one()


def test_a_large_bulk_enrolment_is_written_by_a_worker_for_the_person_who_confirmed(
        client, malang, run_worker, small_threshold):
    cohort = make_cohort(malang, start_date=date(2024, 3, 9), end_date=END, phases=PKA_PHASES, quota=None)
    nips = [make_employee(malang)["nip"] for _ in range(5)] + ["199001012015011999"]
    url = api(malang, f"/cohorts/{cohort['id']}/enrolments/bulk")
    preview = client.post(url, json={"nips": nips}).json
    assert preview["will_enrol"] == 5 and preview["refused_count"] == 1  # a preview is answered in the request
    queued = client.post(url, json={"nips": nips, "confirm": True, "token": preview["token"]})
    assert queued.status_code == 202, queued.json
    run_url = queued.headers["Location"]
    assert queued.json["url"] == run_url and queued.json["state"] == "queued" and queued.json["rows"] == 6
    assert _one(malang, "SELECT count(*) FROM enrolments WHERE cohort_id = :c", c=cohort["id"])[0] == 0
    assert client.get(run_url).json["state"] == "queued"
    run_worker()
    done = client.get(run_url).json
    assert done["state"] == "done" and done["error"] is None and done["finished_at"]
    assert done["result"]["enrolled"] == 5 and done["result"]["refused"][0]["code"] == "not_found"
    assert _one(malang, "SELECT count(*) FROM enrolments WHERE cohort_id = :c", c=cohort["id"])[0] == 5
    actor, after = _one(malang, "SELECT actor, after FROM audit_log WHERE action = 'enrolment.bulk_create' "
                                "AND entity_id = :c", c=str(cohort["id"]))
    assert actor == done["requested_by"] and actor.startswith("admin-uji-") and after["enrolled"] == 5


def test_people_picked_by_filters_are_enrolled_by_a_worker_when_they_are_many(
        client, malang, run_worker, small_threshold):
    from tests.fixtures.factories import make_opd

    cohort = make_cohort(malang, quota=None)
    opd = make_opd(malang, name="Dinas Saringan Besar")
    people = [make_employee(malang, opd_id=opd["id"]) for _ in range(4)]
    url = api(malang, f"/cohorts/{cohort['id']}/enrolments/bulk")
    body = {"filters": {"opd_id": opd["id"]}}
    preview = client.post(url, json=body).json
    assert preview["will_enrol"] == 4
    queued = client.post(url, json={**body, "confirm": True, "token": preview["token"]})
    assert queued.status_code == 202 and queued.json["rows"] == 4
    run_worker()
    done = client.get(queued.headers["Location"]).json
    assert done["state"] == "done" and done["result"]["enrolled"] == 4
    enrolled = _one(malang, "SELECT array_agg(employee_id ORDER BY employee_id) FROM enrolments WHERE cohort_id = :c",
                    c=cohort["id"])[0]
    assert enrolled == sorted(p["id"] for p in people)


def test_a_large_results_sheet_is_written_by_a_worker_and_a_stale_preview_fails_its_run_with_the_reason(
        client, malang, run_worker, small_threshold):
    cohort = make_cohort(malang, start_date=date(2024, 3, 9), end_date=END, phases=PKA_PHASES, quota=None)
    people = [make_employee(malang) for _ in range(4)]
    with tenant_context(malang):
        db.session.execute(sa.text("INSERT INTO enrolments (employee_id, cohort_id, status) "
                                   "SELECT unnest(CAST(:e AS int[])), :c, 'attending'"),
                           {"e": [p["id"] for p in people], "c": cohort["id"]})
        db.session.commit()
    csv = "NIP,HASIL AKSI PERUBAHAN,HASIL KLASIKAL II,HASIL\n" + "".join(
        f"{p['nip']},LULUS,LULUS,LULUS\n" for p in people)
    url = api(malang, f"/cohorts/{cohort['id']}/results-sheet")
    form = {"sttpp_pattern": PATTERN, "certificate_date": END.isoformat()}

    def post(**extra):
        return client.post(url, data={"file": (io.BytesIO(csv.encode()), "hasil.csv"), **form, **extra},
                           content_type="multipart/form-data")

    preview = post().json
    assert preview["actions"] == {"passed": 4}
    stale = post(confirm="true", token="0" * 32)  # a token no preview gave: the worker refuses it
    assert stale.status_code == 202
    run_worker()
    failed = client.get(stale.headers["Location"]).json
    assert failed["state"] == "failed" and "Data berubah sejak pratinjau" in failed["error"]
    assert _one(malang, "SELECT count(*) FROM jp_entries j JOIN enrolments n ON n.id = j.enrolment_id "
                        "WHERE n.cohort_id = :c", c=cohort["id"])[0] == 0

    queued = post(confirm="true", token=preview["token"])
    assert queued.status_code == 202
    run_worker()
    done = client.get(queued.headers["Location"]).json
    assert done["state"] == "done" and done["result"]["written"] == 4
    numbers = _one(malang, "SELECT array_agg(j.certificate_number ORDER BY j.certificate_number), sum(j.jp) "
                           "FROM jp_entries j JOIN enrolments n ON n.id = j.enrolment_id WHERE n.cohort_id = :c",
                   c=cohort["id"])
    assert numbers[0] == [PATTERN.format(seq=i) for i in (1, 2, 3, 4)] and numbers[1] == 4 * 333


def test_a_run_whose_jobs_keep_dying_is_failed_by_the_reaper_with_a_reason_and_wrote_nothing(
        client, malang, app, small_threshold, monkeypatch, run_worker):  # run_worker: empties the queue after
    from app.services import runs

    cohort = make_cohort(malang, quota=None)
    nips = [make_employee(malang)["nip"] for _ in range(4)]
    url = api(malang, f"/cohorts/{cohort['id']}/enrolments/bulk")
    token = client.post(url, json={"nips": nips}).json["token"]
    queued = client.post(url, json={"nips": nips, "confirm": True, "token": token})
    assert queued.status_code == 202
    run_id = queued.json["id"]
    monkeypatch.setitem(app.config, "RUN_LEASE_SECONDS", 0.01)
    with tenant_context(malang):  # its job never reached a worker and was lost (a Redis that kept nothing)
        db.session.execute(sa.text("UPDATE cohort_bulk_runs SET job_id = 'lost', attempt = :a, "
                                   "lease_until = now() - interval '1 minute' WHERE id = :r"),
                           {"a": runs.max_attempts(), "r": run_id})
        db.session.commit()
    gone = client.get(queued.headers["Location"]).json  # a view of the run reaps it
    assert gone["state"] == "failed" and "dihentikan setelah" in gone["error"]
    assert "Tidak ada yang diubah" in gone["error"]
    assert _one(malang, "SELECT count(*) FROM enrolments WHERE cohort_id = :c", c=cohort["id"])[0] == 0

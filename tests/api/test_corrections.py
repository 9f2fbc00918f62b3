"""Corrections of finished results (PATCH /enrolments/<id>) and the STTPP date and number rules."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models.employees import JpEntry
from app.tenancy import tenant_context
from tests.api.enrolment_factories import PKA_PHASES, api, make_cohort, make_employee, make_enrolment, make_opd

END = date(2024, 7, 11)  # PKA II 2024's last day (Klasikal II)


def _pka(malang):
    return make_cohort(malang, start_date=date(2024, 3, 9), end_date=END, phases=PKA_PHASES)


def _passed(client, malang, cohort, *, opd_id=None, number="STTPP/001/PKA-II/BPSDM/2024"):
    """An enrolment driven to passed through the API (its graded phases passed)."""
    person = make_employee(malang, opd_id=opd_id)
    enrolment = make_enrolment(malang, cohort["id"], person["id"], status="attending")
    for phase in cohort["phases"]:
        if phase["graded"]:
            assert client.put(api(malang, f"/enrolments/{enrolment['id']}/phase-results/{phase['id']}"),
                              json={"passed": True, "score": 80}).status_code == 200
    resp = client.post(api(malang, f"/enrolments/{enrolment['id']}/transition"),
                       json={"to": "passed", "certificate_number": number, "certificate_date": END.isoformat()})
    assert resp.status_code == 200, resp.json
    return enrolment["id"], person


def _patch(client, malang, enrolment_id, headers=None, **body):
    return client.patch(api(malang, f"/enrolments/{enrolment_id}"), json=body, headers=headers)


def _ledger(malang, enrolment_id):
    with tenant_context(malang):
        return [(r.jp, r.certificate_number, r.completed_on, r.year) for r in db.session.execute(
            sa.select(JpEntry).where(JpEntry.enrolment_id == enrolment_id)).scalars()]


def _audit(malang, enrolment_id):
    with tenant_context(malang):
        return db.session.execute(sa.text(
            "SELECT before, after, actor FROM audit_log WHERE action = 'enrolment.correct' AND entity_id = :e "
            "ORDER BY id"), {"e": str(enrolment_id)}).all()


def test_a_wrong_sttpp_number_date_and_jp_are_corrected_and_the_ledger_follows(client, malang):
    cohort = _pka(malang)
    eid, _ = _passed(client, malang, cohort)
    resp = _patch(client, malang, eid, reason="Nomor STTPP salah ketik", certificate_number="STTPP/017/PKA-II/2024",
                  certificate_date="2024-07-15", jp_earned=300, score=81.5)
    assert resp.status_code == 200, resp.json
    body = resp.json
    assert body["certificate"] == {"number": "STTPP/017/PKA-II/2024", "date": "2024-07-15"}
    assert body["jp_earned"] == 300 and body["score"] == 81.5 and body["status"] == "passed"
    assert _ledger(malang, eid) == [(300, "STTPP/017/PKA-II/2024", date(2024, 7, 15), 2024)]
    [(before, after, actor)] = _audit(malang, eid)
    assert before["certificate_number"] == "STTPP/001/PKA-II/BPSDM/2024" and before["jp_earned"] == 333
    assert after["certificate_number"] == "STTPP/017/PKA-II/2024" and after["jp_earned"] == 300
    assert after["reason"] == "Nomor STTPP salah ketik" and actor
    [correction] = body["corrections"]
    assert correction["reason"] == "Nomor STTPP salah ketik"
    assert correction["changes"]["jp_earned"] == {"before": 333, "after": 300}


def test_a_pass_corrected_to_failed_loses_its_jp_line_and_back_to_passed_gets_it_again(client, malang):
    cohort = _pka(malang)
    eid, _ = _passed(client, malang, cohort)
    aksi = next(p for p in cohort["phases"] if p["name"] == "Aksi perubahan")
    resp = _patch(client, malang, eid, reason="Aksi perubahan ternyata tidak lulus", status="failed",
                  phase_results=[{"phase_id": aksi["id"], "passed": False, "score": 57.36}])
    assert resp.status_code == 200, resp.json
    assert resp.json["status"] == "failed" and resp.json["certificate"] is None and resp.json["jp_earned"] is None
    assert _ledger(malang, eid) == []
    aksi_now = next(p for p in resp.json["phase_results"] if p["phase_id"] == aksi["id"])
    assert aksi_now["passed"] is False and aksi_now["score"] == 57.36
    # back to passed: the graded phase must be passed too, in the same correction
    refused = _patch(client, malang, eid, reason="Salah input, sebenarnya lulus", status="passed",
                     certificate_number="STTPP/001/PKA-II/BPSDM/2024", certificate_date="2024-07-11")
    assert refused.status_code == 422 and refused.json["errors"][0]["field"] == "phase_results"
    resp = _patch(client, malang, eid, reason="Salah input, sebenarnya lulus", status="passed",
                  certificate_number="STTPP/001/PKA-II/BPSDM/2024", certificate_date="2024-07-11",
                  phase_results=[{"phase_id": aksi["id"], "passed": True, "score": 80}])
    assert resp.status_code == 200, resp.json
    assert resp.json["jp_earned"] == 333  # the program's JP unless given
    assert _ledger(malang, eid) == [(333, "STTPP/001/PKA-II/BPSDM/2024", END, 2024)]
    assert len(_audit(malang, eid)) == 2


def test_a_correction_needs_a_reason_a_change_and_a_finished_result(client, malang):
    cohort = _pka(malang)
    eid, _ = _passed(client, malang, cohort)
    resp = _patch(client, malang, eid, jp_earned=300)
    assert resp.status_code == 422 and resp.json["errors"][0]["field"] == "reason"
    resp = _patch(client, malang, eid, reason="   ", jp_earned=300)
    assert resp.status_code == 422
    resp = _patch(client, malang, eid, reason="tidak ada yang berubah", jp_earned=333)
    assert resp.status_code == 422 and "Tidak ada yang berubah" in resp.json["detail"]
    open_ = make_enrolment(malang, cohort["id"], status="attending")
    resp = _patch(client, malang, open_["id"], reason="belum selesai kok", status="failed")
    assert resp.status_code == 409
    resp = _patch(client, malang, eid, reason="JP melebihi program", jp_earned=334)
    assert resp.status_code == 422 and resp.json["errors"][0]["field"] == "jp_earned"
    resp = _patch(client, malang, eid, reason="gagal tapi ada STTPP", status="failed", certificate_number="X/1")
    assert resp.status_code == 422 and resp.json["errors"][0]["field"] == "certificate_number"
    assert _audit(malang, eid) == []


def test_the_sttpp_date_is_not_before_the_cohort_ends_nor_in_the_future(client, malang):
    cohort = _pka(malang)
    eid, _ = _passed(client, malang, cohort)
    during_aksi = _patch(client, malang, eid, reason="tanggal STTPP", certificate_date="2024-06-20")
    assert during_aksi.status_code == 422 and during_aksi.json["errors"][0]["field"] == "certificate_date"
    assert "sebelum angkatan selesai (2024-07-11)" in during_aksi.json["errors"][0]["reason"]
    future = (date.today() + timedelta(days=3)).isoformat()
    resp = _patch(client, malang, eid, reason="tanggal STTPP", certificate_date=future)
    assert resp.status_code == 422 and "masa depan" in resp.json["errors"][0]["reason"]
    # the same rules when passing someone
    other = make_enrolment(malang, cohort["id"], status="attending")
    aksi = next(p for p in cohort["phases"] if p["name"] == "Aksi perubahan")
    client.put(api(malang, f"/enrolments/{other['id']}/phase-results/{aksi['id']}"), json={"passed": True})
    resp = client.post(api(malang, f"/enrolments/{other['id']}/transition"),
                       json={"to": "passed", "certificate_number": "STTPP/002", "certificate_date": "2024-06-20"})
    assert resp.status_code == 422 and resp.json["errors"][0]["field"] == "certificate_date"


def test_an_sttpp_number_is_refused_when_another_pass_of_the_program_and_year_has_it(client, malang):
    cohort = _pka(malang)
    first, _ = _passed(client, malang, cohort, number="STTPP/001/PKA-II/BPSDM/2024")
    second, _ = _passed(client, malang, cohort, number="STTPP/002/PKA-II/BPSDM/2024")
    resp = _patch(client, malang, second, reason="nomor tertukar", certificate_number="sttpp/001/pka-ii/bpsdm/2024")
    assert resp.status_code == 422 and resp.json["errors"][0]["field"] == "certificate_number"
    assert f"pendaftaran {first}" in resp.json["errors"][0]["reason"]
    other = make_enrolment(malang, cohort["id"], status="attending")
    aksi = next(p for p in cohort["phases"] if p["name"] == "Aksi perubahan")
    client.put(api(malang, f"/enrolments/{other['id']}/phase-results/{aksi['id']}"), json={"passed": True})
    resp = client.post(api(malang, f"/enrolments/{other['id']}/transition"),
                       json={"to": "passed", "certificate_number": "STTPP/002/PKA-II/BPSDM/2024",
                             "certificate_date": "2024-07-11"})
    assert resp.status_code == 422 and resp.json["errors"][0]["field"] == "certificate_number"


def test_an_operator_corrects_only_within_their_opds_and_a_viewer_not_at_all(client, malang, token_for):
    mine, theirs = make_opd(malang), make_opd(malang)
    cohort = _pka(malang)
    in_scope, _ = _passed(client, malang, cohort, opd_id=mine["id"], number="STTPP/010")
    out_of_scope, _ = _passed(client, malang, cohort, opd_id=theirs["id"], number="STTPP/011")
    operator = {"Authorization": f"Bearer {token_for(malang, 'operator', opd_ids=[mine['id']])}"}
    viewer = {"Authorization": f"Bearer {token_for(malang, 'viewer')}"}
    assert _patch(client, malang, in_scope, headers=operator, reason="salah JP", jp_earned=300).status_code == 200
    assert _patch(client, malang, out_of_scope, headers=operator, reason="salah JP", jp_earned=300).status_code == 404
    assert _patch(client, malang, in_scope, headers=viewer, reason="salah JP", jp_earned=200).status_code == 403
    assert _ledger(malang, out_of_scope)[0][0] == 333


@pytest.mark.parametrize("status", ["withdrawn"])
def test_a_withdrawal_is_corrected_to_a_failure(client, malang, status):
    cohort = _pka(malang)
    enrolment = make_enrolment(malang, cohort["id"], status=status)
    resp = _patch(client, malang, enrolment["id"], reason="salah pilih status", status="failed", score=55)
    assert resp.status_code == 200 and resp.json["status"] == "failed" and resp.json["score"] == 55

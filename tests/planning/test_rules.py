"""Planning's rules: what the database refuses by itself (raw SQL past the services), what the API refuses with a
422 naming the field in Indonesian, operators kept to their OPDs, hostile XLSX refused like the imports'."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
import sqlalchemy as sa
from openpyxl import Workbook

from app.domain.dates import today_wib
from app.extensions import db
from app.tenancy import tenant_context
from tests.fixtures.factories import api, make_cohort, make_employee, make_opd, program_id
from tests.imports import hostile_files


def _sql(tenant, statement: str, **params):
    """Run a statement in the region; returns the error's text, or None when it went through."""
    with tenant_context(tenant):
        try:
            with db.session.begin_nested():
                db.session.execute(sa.text(statement), params)
                db.session.execute(sa.text("SET CONSTRAINTS ALL IMMEDIATE"))
        except sa.exc.DBAPIError as exc:
            db.session.rollback()
            return str(exc.orig)
        db.session.commit()
        return None


@pytest.fixture
def region(malang):
    """A round for next year (open), an OPD, an employee, and one need of each kind."""
    opd = make_opd(malang, "Dinas Uji Perencanaan")
    emp = make_employee(malang, opd_id=opd["id"])
    year = today_wib().year + 1
    pkp = program_id(malang, "PKP")
    with tenant_context(malang):
        round_id = db.session.execute(sa.text(
            "INSERT INTO needs_rounds (year, status, deadline) VALUES (:y, 'open', :d) RETURNING id"),
            {"y": year, "d": today_wib() + timedelta(days=10)}).scalar_one()
        need_id = db.session.execute(sa.text(
            "INSERT INTO needs (round_id, opd_id, employee_id, people, gap, kind, program_id, priority, reason, "
            "status, source) VALUES (:r, :o, :e, 1, 'gap', 'teknis', :p, 2, 'alasan', 'submitted', 'form') "
            "RETURNING id"), {"r": round_id, "o": opd["id"], "e": emp["id"], "p": pkp}
        ).scalar_one()
        db.session.commit()
    return {"year": year, "round_id": round_id, "need_id": need_id, "opd": opd, "emp": emp, "pkp": pkp}


INSERT_NEED = ("INSERT INTO needs (round_id, opd_id, employee_id, position_name, people, gap, kind, program_id, "
               "proposed_program_name, priority, reason, status, note, merged_into_id, source) VALUES "
               "(:round_id, :opd_id, :employee_id, :position_name, :people, :gap, :kind, :program_id, "
               ":proposed_program_name, :priority, :reason, :status, :note, :merged_into_id, 'form')")


def _need(region, **changes) -> dict:
    return {"round_id": region["round_id"], "opd_id": region["opd"]["id"], "employee_id": None,
            "position_name": "Analis", "people": 2, "gap": "gap", "kind": "teknis", "program_id": region["pkp"],
            "proposed_program_name": None, "priority": 2, "reason": "alasan", "status": "submitted", "note": None,
            "merged_into_id": None, **changes}


@pytest.mark.parametrize(("changes", "constraint"), [
    ({"kind": "spiritual"}, "ck_needs_kind"),
    ({"employee_id": None, "position_name": None}, "ck_needs_employee_or_position"),
    ({"program_id": None, "proposed_program_name": None}, "ck_needs_program_one_of"),
    ({"proposed_program_name": "Baru"}, "ck_needs_program_one_of"),
    ({"status": "rejected", "note": None}, "ck_needs_note_required"),
    ({"status": "rejected", "note": "  "}, "ck_needs_note_required"),
    ({"status": "merged", "note": "sama"}, "ck_needs_merged_into"),
    ({"priority": 4}, "ck_needs_priority"),
    ({"people": 0}, "ck_needs_people"),
    ({"gap": " "}, "ck_needs_gap_and_reason"),
    ({"status": "done"}, "ck_needs_status"),
])
def test_the_database_refuses_a_need_the_rules_forbid(malang, region, changes, constraint):
    error = _sql(malang, INSERT_NEED, **_need(region, **changes))
    assert error is not None and constraint in error


def test_a_need_for_an_employee_is_one_person(malang, region):
    error = _sql(malang, INSERT_NEED, **_need(region, employee_id=region["emp"]["id"], position_name=None, people=3))
    assert "ck_needs_people" in error


def test_a_closed_round_never_changes_and_never_reopens(malang, region):
    assert _sql(malang, "UPDATE needs SET status = 'verified' WHERE id = :i", i=region["need_id"]) is None
    assert _sql(malang, "UPDATE needs_rounds SET status = 'closed', closed_at = now() WHERE id = :r",
                r=region["round_id"]) is None
    for statement in ("UPDATE needs SET gap = 'lain' WHERE id = :i", "DELETE FROM needs WHERE id = :i"):
        assert "ck_needs_round_open" in _sql(malang, statement, i=region["need_id"])
    assert "ck_needs_round_open" in _sql(malang, INSERT_NEED, **_need(region))
    assert "ck_needs_rounds_no_reopen" in _sql(malang, "UPDATE needs_rounds SET status = 'open' WHERE id = :r",
                                               r=region["round_id"])
    assert "uq_needs_rounds_year" in _sql(malang, "INSERT INTO needs_rounds (year, status, deadline) "
                                                  "VALUES (:y, 'open', now())", y=region["year"])


def test_money_is_never_negative_and_a_linked_cohort_matches_its_line(malang, region):
    cohort = make_cohort(malang, program_code="PKA", year=region["year"])
    with tenant_context(malang):
        line_id = db.session.execute(sa.text(
            "INSERT INTO plan_lines (year, program_id, pagu, planned_cohorts) VALUES (:y, :p, 0, 1) RETURNING id"),
            {"y": region["year"], "p": region["pkp"]}).scalar_one()
        db.session.commit()
    assert "ck_plan_lines_pagu_not_negative" in _sql(malang, "UPDATE plan_lines SET pagu = -1 WHERE id = :i",
                                                     i=line_id)
    assert "ck_plan_line_opds_places_not_negative" in _sql(
        malang, "INSERT INTO plan_line_opds (plan_line_id, opd_id, places) VALUES (:l, :o, -2)", l=line_id,
        o=region["opd"]["id"])
    for part in ("pagu", "honorarium", "venue", "consumption", "partner_fee"):
        error = _sql(malang, f"INSERT INTO cohort_budgets (cohort_id, {part}) VALUES (:c, -5)", c=cohort["id"])
        assert f"ck_cohort_budgets_{part}_not_negative" in error
    # a PKA cohort cannot be linked to the PKP line
    assert "ck_cohort_plan_links_match" in _sql(
        malang, "INSERT INTO cohort_plan_links (cohort_id, plan_line_id) VALUES (:c, :l)", c=cohort["id"], l=line_id)


# --- the API's refusals ----------------------------------------------------------------------------------------


def test_refusals_name_the_field_in_indonesian(client, malang, region):
    base = api(malang, "/planning")
    year = region["year"]
    bad_year = client.post(f"{base}/rounds", json={"year": 1999, "deadline": str(today_wib())})
    assert bad_year.status_code == 422 and bad_year.get_json()["errors"][0]["field"].endswith("year")
    past = client.post(f"{base}/rounds", json={"year": year + 1, "deadline": str(today_wib() - timedelta(days=1))})
    assert past.get_json()["errors"] == [{"field": "deadline", "reason": "batas waktu tidak boleh sebelum hari ini"}]
    both = client.post(f"{base}/rounds/{year}/needs", json={
        "employee_nip": region["emp"]["nip"], "position_name": "Analis", "gap": "g", "kind": "teknis",
        "program_id": region["pkp"], "reason": "r"})
    assert both.status_code == 422
    assert {"field": "employee_nip", "reason": "isi NIP pegawai atau nama jabatan (salah satu)"} in \
        both.get_json()["errors"]
    neither = client.post(f"{base}/rounds/{year}/needs", json={
        "position_name": "Analis", "opd_id": region["opd"]["id"], "gap": "g", "kind": "teknis", "reason": "r"})
    assert neither.get_json()["errors"] == [{
        "field": "program_id", "reason": "pilih program dari katalog atau tulis nama program baru (salah satu)"}]
    no_opd = client.post(f"{base}/rounds/{year}/needs", json={
        "position_name": "Analis", "gap": "g", "kind": "teknis", "program_id": region["pkp"], "reason": "r"})
    assert no_opd.get_json()["errors"] == [{"field": "opd_id", "reason": "wajib diisi"}]
    assert client.post(f"{base}/rounds/{year}/needs", json={"gap": "g"}).status_code == 422
    merge = client.post(f"{base}/needs/{region['need_id']}/decision", json={"decision": "merge", "note": "sama"})
    assert merge.get_json()["errors"] == [{"field": "merged_into_id",
                                           "reason": "pilih kebutuhan lain dari putaran yang sama"}]
    line = client.post(f"{base}/plan-lines", json={"year": year, "program_id": region["pkp"], "pagu": -10})
    assert line.status_code == 422 and line.get_json()["errors"][0]["field"].endswith("pagu")
    made = client.post(f"{base}/plan-lines", json={"year": year, "program_id": region["pkp"], "pagu": 1_000,
                                                   "places": [{"opd_id": region["opd"]["id"], "places": 3}]})
    assert made.status_code == 201
    twice = client.post(f"{base}/plan-lines", json={"year": year, "program_id": region["pkp"]})
    assert twice.status_code == 409 and twice.get_json()["errors"][0]["field"] == "program_id"
    pka = make_cohort(malang, program_code="PKA", year=year)
    wrong = client.post(f"{base}/plan-lines/{made.get_json()['id']}/links", json={"cohort_id": pka["id"]})
    assert wrong.get_json()["errors"] == [{"field": "cohort_id",
                                           "reason": "angkatan ini bukan program dan tahun baris rencana ini"}]
    assert client.get(f"{base}/plans/1800").status_code == 422


def test_an_operator_is_kept_to_their_opds(anon_client, malang, region, token_for):
    base = api(malang, "/planning")
    other_opd = make_opd(malang, "Dinas Lain Uji")
    operator = {"Authorization": f"Bearer {token_for(malang, 'operator', opd_ids=[other_opd['id']])}"}
    # the region's need is of another OPD: not listed, not found, not theirs to enter
    assert anon_client.get(f"{base}/rounds/{region['year']}/needs", headers=operator).get_json()["total"] == 0
    filtered = anon_client.get(f"{base}/rounds/{region['year']}/needs?opd_id={region['opd']['id']}&status=submitted",
                               headers=operator)
    assert filtered.status_code == 200 and filtered.get_json()["total"] == 0
    assert anon_client.get(f"{base}/needs/{region['need_id']}", headers=operator).status_code == 404
    resp = anon_client.post(f"{base}/rounds/{region['year']}/needs", headers=operator, json={
        "position_name": "Analis", "opd_id": region["opd"]["id"], "gap": "g", "kind": "teknis",
        "program_id": region["pkp"], "reason": "r"})
    assert resp.get_json()["errors"] == [{"field": "opd_id", "reason": "di luar OPD Anda"}]
    # deciding, the plan and budgets are BKPSDM's
    for method, path, body in [("post", f"/needs/{region['need_id']}/decision", {"decision": "verify"}),
                               ("post", f"/plans/{region['year']}/build", None),
                               ("patch", f"/rounds/{region['year']}", {"close": True})]:
        assert getattr(anon_client, method)(base + path, headers=operator, json=body).status_code == 403
    assert anon_client.get(f"{base}/employees/{region['emp']['nip']}/needs", headers=operator).status_code == 404


def _upload(client, malang, year, body: bytes, name="kebutuhan.xlsx"):
    return client.post(api(malang, f"/planning/rounds/{year}/needs-file"), data={"file": (io.BytesIO(body), name)})


def test_hostile_xlsx_is_refused_before_it_is_parsed(client, malang, region):
    def rows(marker: str) -> list[list]:
        return [["NIP", "KESENJANGAN", "JENIS", "PROGRAM", "ALASAN"], [region["emp"]["nip"], marker, "teknis", "PKP",
                                                                       "r"]]

    for body in (hostile_files.zip_bomb(rows("g")), hostile_files.with_external_entity(rows("XXE")),
                 hostile_files.with_long_cell(rows("PANJANG"))):
        resp = _upload(client, malang, region["year"], body)
        assert resp.status_code == 422
        assert resp.get_json()["errors"][0]["field"] == "file"
    with tenant_context(malang):
        assert db.session.execute(sa.text("SELECT count(*) FROM needs WHERE round_id = :r"),
                                  {"r": region["round_id"]}).scalar_one() == 1
        db.session.commit()
    assert _upload(client, malang, region["year"], b"bukan xlsx").status_code == 422
    wb = Workbook()
    wb.active.append(["NIP", "OPD"])
    out = io.BytesIO()
    wb.save(out)
    missing = _upload(client, malang, region["year"], out.getvalue())
    assert missing.status_code == 422 and "KESENJANGAN" in missing.get_json()["detail"]


def test_after_the_deadline_only_bkpsdm_adds_needs(client, anon_client, malang, region, token_for):
    operator = {"Authorization": f"Bearer {token_for(malang, 'operator', opd_ids=[region['opd']['id']])}"}
    assert _sql(malang, "UPDATE needs_rounds SET deadline = :d WHERE id = :r", d=today_wib() - timedelta(days=1),
                r=region["round_id"]) is None
    body = {"position_name": "Analis", "people": 2, "gap": "g", "kind": "teknis", "program_id": region["pkp"],
            "reason": "r", "opd_id": region["opd"]["id"]}
    late = anon_client.post(api(malang, f"/planning/rounds/{region['year']}/needs"), headers=operator, json=body)
    assert late.status_code == 409 and late.get_json()["errors"][0]["field"] == "deadline"
    assert client.post(api(malang, f"/planning/rounds/{region['year']}/needs"), json=body).status_code == 201
    assert client.get(api(malang, f"/planning/rounds/{region['year']}")).get_json()["past_deadline"] is True

"""Issue 23 end to end, through the API as people drive it: Kota Malang's needs round (two OPDs submit, one by
the XLSX template, BKPSDM verifies, merges, rejects and closes), the plan built from the verified needs, a cohort
made from a plan line with a ceiling, the people with that need enrolled in bulk, results and cost recorded, and the
plan's figures and XLSX checked; then the person's page."""

from __future__ import annotations

import io
from datetime import timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa
from openpyxl import Workbook, load_workbook

from app.domain.dates import today_wib
from app.extensions import db
from app.tenancy import tenant_context
from tests.fixtures.factories import api, make_employee, make_opd, program_id

pytestmark = pytest.mark.slow


def xlsx(rows: list[list]) -> io.BytesIO:
    wb = Workbook()
    ws = wb.active
    ws.append(["NIP", "NAMA_JABATAN", "JUMLAH_ORANG", "OPD", "KESENJANGAN", "JENIS", "PROGRAM", "PROGRAM_BARU",
               "PRIORITAS", "ALASAN"])
    for r in rows:
        ws.append(r)
    out = io.BytesIO()
    wb.save(out)
    out.seek(0)
    return out


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def test_a_needs_round_becomes_a_plan_a_cohort_and_its_budget(client, anon_client, malang, token_for):
    year = today_wib().year
    today = today_wib()
    base = api(malang, "/planning")
    pkp = program_id(malang, "PKP")
    pendidikan, kesehatan = make_opd(malang, "Dinas Pendidikan Uji"), make_opd(malang, "Dinas Kesehatan Uji")
    guru = [make_employee(malang, opd_id=pendidikan["id"], name=n) for n in ("Ani Guru", "Bayu Guru", "Cici Guru")]
    perawat = [make_employee(malang, opd_id=kesehatan["id"], name=n) for n in ("Dodi Perawat", "Eka Perawat")]
    op_pendidikan = bearer(token_for(malang, "operator", opd_ids=[pendidikan["id"]]))
    op_kesehatan = bearer(token_for(malang, "operator", opd_ids=[kesehatan["id"]]))

    # BKPSDM opens the round; an operator of one OPD may not
    assert anon_client.get(f"{base}/rounds").status_code == 401
    refused = anon_client.post(f"{base}/rounds", json={"year": year, "deadline": str(today)}, headers=op_pendidikan)
    assert refused.status_code == 403
    opened = client.post(f"{base}/rounds", json={"year": year, "deadline": str(today + timedelta(days=30))})
    assert opened.status_code == 201, opened.get_json()
    assert opened.get_json()["status"] == "open"
    again = client.post(f"{base}/rounds", json={"year": year, "deadline": str(today + timedelta(days=30))})
    assert again.status_code == 409 and again.get_json()["errors"][0]["field"] == "year"

    # Dinas Pendidikan enters its needs through the form (API): two people for PKP, a position for a new program
    ids = {}
    for person in guru[:2]:
        resp = anon_client.post(f"{base}/rounds/{year}/needs", headers=op_pendidikan, json={
            "employee_nip": person["nip"], "gap": "Memimpin tim kecil", "kind": "manajerial", "program_id": pkp,
            "priority": 1, "reason": "Baru menjabat pengawas"})
        assert resp.status_code == 201, resp.get_json()
        assert resp.get_json()["opd_id"] == pendidikan["id"]
        ids[person["nip"]] = resp.get_json()["id"]
    proposed = anon_client.post(f"{base}/rounds/{year}/needs", headers=op_pendidikan, json={
        "position_name": "Analis Kurikulum", "people": 4, "gap": "Analisis data", "kind": "teknis",
        "proposed_program_name": "Pelatihan Analisis Data Pendidikan", "reason": "Kurikulum baru"})
    assert proposed.status_code == 201
    # ... and may not enter one for another OPD's employee
    other = anon_client.post(f"{base}/rounds/{year}/needs", headers=op_pendidikan, json={
        "employee_nip": perawat[0]["nip"], "gap": "x", "kind": "teknis", "program_id": pkp, "reason": "y"})
    assert other.status_code == 422
    assert other.get_json()["errors"][0] == {"field": "employee_nip",
                                             "reason": f"pegawai dengan NIP {perawat[0]['nip']} tidak ditemukan"}

    # Dinas Kesehatan uploads the region's template: a bad file is refused row by row and writes nothing
    template = anon_client.get(f"{base}/rounds/{year}/needs-template", headers=op_kesehatan)
    assert template.status_code == 200
    header = [c.value for c in next(load_workbook(io.BytesIO(template.data)).active.iter_rows(max_row=1))]
    template.close()
    assert header[:4] == ["NIP", "NAMA_JABATAN", "JUMLAH_ORANG", "OPD"]
    bad = anon_client.post(f"{base}/rounds/{year}/needs-file", headers=op_kesehatan, data={"file": (xlsx([
        [perawat[0]["nip"], None, None, kesehatan["name"], "Kepemimpinan", "manajerial", "PKP", None, "tinggi",
         "Pengawas baru"],
        [perawat[1]["nip"], None, None, kesehatan["name"], "", "rohani", "TIDAK-ADA", None, "penting", "x"],
    ]), "kebutuhan.xlsx")})
    assert bad.status_code == 422, bad.get_json()
    body = bad.get_json()
    assert [r["row"] for r in body["rows"]] == [3]
    reasons = {e["column"]: e["reason"] for e in body["rows"][0]["errors"]}
    assert reasons["KESENJANGAN"] == "wajib diisi"
    assert reasons["JENIS"] == "jenis harus manajerial, teknis, atau sosial kultural"
    assert reasons["PROGRAM"].startswith("program tidak ada di katalog")
    assert reasons["PRIORITAS"].startswith("prioritas harus")
    assert "tidak ada yang disimpan" in body["detail"]
    listed = anon_client.get(f"{base}/rounds/{year}/needs", headers=op_kesehatan).get_json()
    assert listed["total"] == 0
    good = anon_client.post(f"{base}/rounds/{year}/needs-file", headers=op_kesehatan, data={"file": (xlsx([
        [perawat[0]["nip"], None, None, kesehatan["name"], "Kepemimpinan", "manajerial", "PKP", None, "tinggi",
         "Pengawas baru"],
        [perawat[1]["nip"], None, None, None, "Kepemimpinan tim", "Manajerial", "pkp", None, 2, "Pengawas baru"],
        [perawat[1]["nip"], None, None, None, "Kepemimpinan (ganda)", "manajerial", "PKP", None, 3,
         "Diajukan dua kali"],
    ]), "kebutuhan.xlsx")})
    assert good.status_code == 201, good.get_json()
    assert good.get_json()["created"] == 3
    kesehatan_needs = anon_client.get(f"{base}/rounds/{year}/needs", headers=op_kesehatan).get_json()["items"]
    assert {n["source"] for n in kesehatan_needs} == {"xlsx"}
    assert {n["opd_id"] for n in kesehatan_needs} == {kesehatan["id"]}
    # each operator sees only their OPD's needs; BKPSDM sees all
    assert anon_client.get(f"{base}/rounds/{year}/needs", headers=op_pendidikan).get_json()["total"] == 3
    assert client.get(f"{base}/rounds/{year}/needs").get_json()["total"] == 6

    # BKPSDM decides; an operator may not
    first = kesehatan_needs[0]["id"]
    assert anon_client.post(f"{base}/needs/{first}/decision", headers=op_kesehatan,
                            json={"decision": "verify"}).status_code == 403
    no_note = client.post(f"{base}/needs/{proposed.get_json()['id']}/decision", json={"decision": "reject"})
    assert no_note.status_code == 422 and no_note.get_json()["errors"][0]["field"] == "note"
    closing_early = client.patch(f"{base}/rounds/{year}", json={"close": True})
    assert closing_early.status_code == 409 and closing_early.get_json()["errors"][0]["field"] == "close"
    for need_id in [*ids.values(), *(n["id"] for n in kesehatan_needs[:2])]:
        resp = client.post(f"{base}/needs/{need_id}/decision", json={"decision": "verify"})
        assert resp.status_code == 200 and resp.get_json()["status"] == "verified"
    duplicate = next(n for n in kesehatan_needs if n["reason"] == "Diajukan dua kali")
    target = next(n for n in kesehatan_needs if n["gap"] == "Kepemimpinan tim")
    merged = client.post(f"{base}/needs/{duplicate['id']}/decision", json={
        "decision": "merge", "merged_into_id": target["id"], "note": "Sama dengan kebutuhan sebelumnya"})
    assert merged.status_code == 200 and merged.get_json()["merged_into_id"] == target["id"]
    rejected = client.post(f"{base}/needs/{proposed.get_json()['id']}/decision", json={
        "decision": "reject", "note": "Masuk program teknis tahun depan"})
    assert rejected.get_json()["status"] == "rejected"
    closed = client.patch(f"{base}/rounds/{year}", json={"close": True})
    assert closed.status_code == 200 and closed.get_json()["status"] == "closed"
    late = anon_client.post(f"{base}/rounds/{year}/needs", headers=op_pendidikan, json={
        "employee_nip": guru[2]["nip"], "gap": "x", "kind": "teknis", "program_id": pkp, "reason": "y"})
    assert late.status_code == 409

    # the plan from the verified needs: PKP, 2 places per OPD
    built = client.post(f"{base}/plans/{year}/build")
    assert built.status_code == 200 and built.get_json()["created"] == 1
    plan = client.get(f"{base}/plans/{year}").get_json()
    line = next(p for p in plan["programs"] if p["program_code"] == "PKP")
    assert (line["needs"], line["places"], line["planned_cohorts"]) == (4, 4, 1)
    assert {o["opd_name"]: (o["needs"], o["places"]) for o in line["opds"]} == {
        pendidikan["name"]: (2, 2), kesehatan["name"]: (2, 2)}
    line_id = line["plan_line_id"]
    assert client.patch(f"{base}/plan-lines/{line_id}", json={"pagu": 100_000_000}).status_code == 200

    # a cohort from the plan line, with its ceiling (over the line's is refused)
    cohort_body = {"number": "I", "quota": 30, "mode": "klasikal", "start_date": str(today),
                   "end_date": str(today)}
    over = client.post(f"{base}/plan-lines/{line_id}/cohorts", json={**cohort_body, "pagu": 150_000_000})
    assert over.status_code == 422 and over.get_json()["errors"][0]["field"] == "pagu"
    made = client.post(f"{base}/plan-lines/{line_id}/cohorts", json={**cohort_body, "pagu": 60_000_000})
    assert made.status_code == 201, made.get_json()
    cohort = made.get_json()
    assert cohort["plan_line_id"] == line_id and cohort["budget"]["pagu"] == 60_000_000
    assert client.get(f"{base}/plan-lines/{line_id}").get_json()["cohort_ids"] == [cohort["id"]]

    # bulk enrolment of the people with a verified need for PKP this year (not Cici, who has none)
    bulk = api(malang, f"/cohorts/{cohort['id']}/enrolments/bulk")
    preview = client.post(bulk, json={"filters": {"verified_need": True}})
    body = preview.get_json()
    assert preview.status_code == 200, body
    wanted = {p["nip"] for p in guru[:2] + perawat}
    assert {p["nip"] for p in body["enrol"]} == wanted
    done = client.post(bulk, json={"filters": {"verified_need": True}, "confirm": True, "token": body["token"]})
    assert done.status_code == 200 and done.get_json()["enrolled"] == 4

    # results: three pass, one fails
    roster = client.get(api(malang, f"/cohorts/{cohort['id']}/enrolments?limit=50")).get_json()["items"]
    by_nip = {r["employee"]["nip"]: r["id"] for r in roster}
    jp = client.get(api(malang, f"/programs/{pkp}")).get_json()["jp"]
    for n, person in enumerate([*guru[:2], perawat[0]], start=1):
        eid = by_nip[person["nip"]]
        assert client.post(api(malang, f"/enrolments/{eid}/transition"), json={"to": "attending"}).status_code == 200
        passed = client.post(api(malang, f"/enrolments/{eid}/transition"), json={
            "to": "passed", "certificate_number": f"893/{n:03d}/PKP-I/{year}", "certificate_date": str(today)})
        assert passed.status_code == 200, passed.get_json()
    eid = by_nip[perawat[1]["nip"]]
    client.post(api(malang, f"/enrolments/{eid}/transition"), json={"to": "attending"})
    assert client.post(api(malang, f"/enrolments/{eid}/transition"), json={"to": "failed"}).status_code == 200

    # the realised cost, in parts
    negative = client.put(f"{base}/cohorts/{cohort['id']}/budget", json={"venue": -1})
    assert negative.status_code == 422 and negative.get_json()["errors"][0]["field"].endswith("venue")
    cost = client.put(f"{base}/cohorts/{cohort['id']}/budget", json={
        "honorarium": 20_000_000, "venue": 10_000_000, "consumption": 8_000_000, "partner_fee": 2_000_000})
    assert cost.status_code == 200 and cost.get_json()["realised"] == 40_000_000

    # the plan page's figures
    plan = client.get(f"{base}/plans/{year}").get_json()
    line = next(p for p in plan["programs"] if p["program_code"] == "PKP")
    assert (line["needs"], line["places"], line["enrolled"], line["passed"]) == (4, 4, 4, 3)
    assert (line["pagu"], line["cohort_pagu"], line["realised"]) == (100_000_000, 60_000_000, 40_000_000)
    assert line["cost_per_participant"] == 10_000_000
    assert line["jp"] == 3 * jp
    assert line["cost_per_jp"] == int((Decimal(40_000_000) / (3 * jp)).quantize(Decimal(1)))
    per_opd = {o["opd_name"]: o for o in line["opds"]}
    assert (per_opd[pendidikan["name"]]["enrolled"], per_opd[pendidikan["name"]]["passed"]) == (2, 2)
    assert per_opd[pendidikan["name"]]["realised"] == 20_000_000
    assert per_opd[kesehatan["name"]]["passed"] == 1
    [c] = line["cohorts"]
    assert (c["honorarium"], c["venue"], c["consumption"], c["partner_fee"]) == (
        20_000_000, 10_000_000, 8_000_000, 2_000_000)
    assert plan["totals"]["realised"] == 40_000_000 and plan["totals"]["pagu"] == 100_000_000

    # the XLSX for the budget reports
    sheet = client.get(f"{base}/plans/{year}?format=xlsx")
    assert sheet.status_code == 200
    assert sheet.headers["Content-Type"].startswith("application/vnd.openxmlformats")
    rows = list(load_workbook(io.BytesIO(sheet.data)).active.iter_rows(values_only=True))
    sheet.close()
    head = list(rows[0])
    table = [dict(zip(head, r, strict=True)) for r in rows[1:]]
    total = next(r for r in table if r["PROGRAM"].startswith("PKP") and r["ANGKATAN"] == "SEMUA ANGKATAN"
                 and r["OPD"] == "SEMUA OPD")
    assert (total["KEBUTUHAN_ORANG"], total["KURSI_RENCANA"], total["TERDAFTAR"], total["LULUS"]) == (4, 4, 4, 3)
    assert (total["PAGU_RP"], total["REALISASI_RP"], total["BIAYA_PER_PESERTA_RP"]) == (
        100_000_000, 40_000_000, 10_000_000)
    cohort_row = next(r for r in table if r["ANGKATAN"].startswith("PKP Angkatan I"))
    assert (cohort_row["PAGU_RP"], cohort_row["HONORARIUM_RP"], cohort_row["KONSUMSI_RP"]) == (
        60_000_000, 20_000_000, 8_000_000)
    grand = table[-1]
    assert (grand["PROGRAM"], grand["OPD"], grand["REALISASI_RP"]) == ("SEMUA PROGRAM", "SEMUA OPD", 40_000_000)

    # a person's needs: trained or not
    mine = client.get(f"{base}/employees/{guru[0]['nip']}/needs").get_json()["items"]
    assert [(n["program_code"], n["trained"]) for n in mine] == [("PKP", True)]
    failed = client.get(f"{base}/employees/{perawat[1]['nip']}/needs").get_json()["items"]
    assert [(n["program_code"], n["trained"], n["training"]["status"]) for n in failed] == [("PKP", False, "failed")]
    assert client.get(f"{base}/employees/{guru[2]['nip']}/needs").get_json()["items"] == []

    # every write was audited
    with tenant_context(malang):
        actions = set(db.session.execute(sa.text(
            "SELECT action FROM audit_log WHERE action LIKE 'need%' OR action LIKE 'plan%' "
            "OR action LIKE 'cohort_budget%'")).scalars())
        db.session.commit()
    assert {"needs_round.open", "needs_round.close", "need.submit", "need.upload", "need.verify", "need.merge",
            "need.reject", "plan.build", "plan_line.update", "plan_line.cohort_create",
            "cohort_budget.update"} <= actions

"""Compare with SIASN: a record SIASN holds that the region does not, and one with a different JP; the pages show
both; "take theirs" and "send ours" each change exactly one side, and are audited."""

from __future__ import annotations

import copy

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.tenancy import tenant_context
from tests.siasn.conftest import MALANG, certified_results, connect, pka_cohort_id, seed_malang


def _ledger(employee_id: int) -> list[tuple]:
    with tenant_context(MALANG):
        return [tuple(r) for r in db.session.execute(sa.text(
            "SELECT source, jp, certificate_number, year FROM jp_entries WHERE employee_id = :e ORDER BY id"),
            {"e": employee_id})]


def _jp_earned(enrolment_id: int) -> int:
    with tenant_context(MALANG):
        return db.session.execute(sa.text("SELECT jp_earned FROM enrolments WHERE id = :i"),
                                  {"i": enrolment_id}).scalar_one()


def _compare(client, employee_id: int) -> dict:
    resp = client.get(f"/t/{MALANG}/api/v1/siasn/employees/{employee_id}/compare")
    assert resp.status_code == 200, resp.get_json()
    return resp.get_json()


@pytest.mark.committed
def test_take_theirs_and_send_ours_each_change_exactly_one_side(client, malang, standin, run_worker, audited):
    seed_malang()
    connect(client, standin)
    cohort_id = pka_cohort_id()
    client.post(f"/t/{MALANG}/api/v1/siasn/cohorts/{cohort_id}/push")
    run_worker()
    a, b = certified_results(cohort_id)[:2]
    # SIASN holds a PIM IV of 2019 for A that the region never recorded, and B's PKA with another JP.
    theirs_only = standin.add_diklat(a["nip"], latihanStrukturalId="2", nomor="PIM-IV/2019/077", jumlahJam=200,
                                     tahun=2019, tanggal="04-03-2019", tanggalSelesai="28-06-2019",
                                     institusiPenyelenggara="BPSDM Provinsi Jawa Timur", jenisKompetensi="Manajerial")
    b_id = next(r["id"] for r in standin.diklat.values() if r["pnsOrangId"] == standin.pns_orang_id(b["nip"]))
    standin.diklat[b_id]["jumlahJam"] = 300

    person = _compare(client, a["employee_id"])
    # (the demo gives A other training too, never sent: local only)
    assert person["counts"]["siasn_only"] == 1 and person["counts"]["same"] == 1
    assert person["counts"]["different"] == 0
    assert [r["theirs"]["nomor"] for r in person["rows"] if r["status"] == "siasn_only"] == ["PIM-IV/2019/077"]
    page = client.get(f"/t/{MALANG}/siasn/pegawai/{a['employee_id']}").get_data(as_text=True)
    assert "Hanya di SIASN" in page and "PIM-IV/2019/077" in page and "take-theirs" in page
    cohort = client.get(f"/t/{MALANG}/api/v1/siasn/cohorts/{cohort_id}/compare").get_json()
    assert cohort["counts"]["different"] == 1 and cohort["counts"]["same"] == len(certified_results(cohort_id)) - 1
    differing = next(r for r in cohort["rows"] if r["status"] == "different")
    assert differing["employee"]["nip"] == b["nip"] and differing["differences"] == ["jumlah_jam"]
    assert (differing["ours"]["jumlah_jam"], differing["theirs"]["jumlah_jam"]) == (333, 300)
    cohort_page = client.get(f"/t/{MALANG}/siasn/angkatan/{cohort_id}/banding").get_data(as_text=True)
    assert "Berbeda" in cohort_page and b["nip"] in cohort_page

    # Take theirs (A's SIASN-only record): our ledger gains the line; SIASN is untouched.
    at_siasn = copy.deepcopy(standin.diklat)
    ledger_before = _ledger(a["employee_id"])
    resp = client.post(f"/t/{MALANG}/siasn/pegawai/{a['employee_id']}/ambil",
                       data={"kind": "diklat", "siasn_id": theirs_only})
    assert resp.status_code == 303
    assert _ledger(a["employee_id"]) == [*ledger_before, ("other", 200, "PIM-IV/2019/077", 2019)]
    assert standin.diklat == at_siasn
    assert _compare(client, a["employee_id"])["counts"] == {**person["counts"], "same": 2, "siasn_only": 0}

    # Send ours (B's JP): SIASN gets 333 back; our side is untouched.
    b_line = next(r["ours"]["jp_entry_id"] for r in _compare(client, b["employee_id"])["rows"]
                  if r["status"] == "different")
    ledger_b = _ledger(b["employee_id"])
    created = standin.created
    resp = client.post(f"/t/{MALANG}/siasn/pegawai/{b['employee_id']}/kirim", data={"jp_entry_id": str(b_line)})
    assert resp.status_code == 303
    run_worker()
    assert standin.diklat[b_id]["jumlahJam"] == 333 and standin.created == created
    assert {k: v for k, v in standin.diklat.items() if k != b_id} == {k: v for k, v in at_siasn.items() if k != b_id}
    assert _ledger(b["employee_id"]) == ledger_b and _jp_earned(b["id"]) == 333

    # Take theirs on a difference: our enrolment and ledger get SIASN's JP; SIASN is untouched.
    standin.diklat[b_id]["jumlahJam"] = 300
    at_siasn = copy.deepcopy(standin.diklat)
    resp = client.post(f"/t/{MALANG}/api/v1/siasn/employees/{b['employee_id']}/take-theirs",
                       json={"kind": "diklat", "siasn_id": b_id})
    assert resp.status_code == 200 and resp.get_json()["created"] is False
    assert _jp_earned(b["id"]) == 300 and _ledger(b["employee_id"])[0][1] == 300
    assert standin.diklat == at_siasn

    actions = [(e["action"], e["entity"], e["entity_id"]) for e in audited if e["action"].startswith("siasn.")
               and e["action"] in ("siasn.take_theirs", "siasn.send_ours")]
    assert [x[0] for x in actions] == ["siasn.take_theirs", "siasn.send_ours", "siasn.take_theirs"]
    assert actions[1] == ("siasn.send_ours", "jp_entries", b_line)
    took_b = [e for e in audited if e["action"] == "siasn.take_theirs"][1]
    assert took_b["before"]["jp"] == 333 and took_b["after"]["jp"] == 300 and took_b["after"]["siasn_id"] == b_id


def test_export_for_siasn_bulk_upload_as_csv_and_xlsx(client, malang):
    seed_malang()
    cohort_id = pka_cohort_id()
    expected = certified_results(cohort_id)
    csv_resp = client.get(f"/t/{MALANG}/api/v1/siasn/export?format=csv&cohort_id={cohort_id}")
    assert csv_resp.status_code == 200 and csv_resp.mimetype == "text/csv"
    lines = csv_resp.get_data(as_text=True).lstrip("\ufeff").splitlines()
    csv_resp.close()
    assert lines[0].split(",")[:3] == ["NIP", "NAMA", "JENIS_RIWAYAT"]
    assert len(lines) == 1 + len(expected)
    first = next(line for line in lines[1:] if expected[0]["certificate_number"] in line)
    assert expected[0]["nip"] in first and ",diklat,10,," in first and "09-03-2024" in first and ",333," in first

    from io import BytesIO

    from openpyxl import load_workbook
    xlsx = client.get(f"/t/{MALANG}/api/v1/siasn/export?format=xlsx&cohort_id={cohort_id}")
    assert xlsx.status_code == 200
    data = xlsx.data
    xlsx.close()
    book = load_workbook(BytesIO(data), read_only=True)
    rows = list(book.active.iter_rows(values_only=True))
    book.close()
    assert rows[0][0] == "NIP" and len(rows) == 1 + len(expected)


def test_mapping_a_program_changes_what_is_sent(client, malang):
    programs = client.get(f"/t/{MALANG}/api/v1/siasn/mappings").get_json()["items"]
    pka = next(p for p in programs if p["program_code"] == "PKA")
    assert (pka["kind"], pka["latihan_struktural_id"], pka["source"]) == ("diklat", "10", "default")
    bad = client.put(f"/t/{MALANG}/api/v1/siasn/mappings/{pka['program_id']}",
                     json={"kind": "diklat", "latihan_struktural_id": "999"})
    assert bad.status_code == 422 and bad.get_json()["errors"][0]["field"] == "latihan_struktural_id"
    ok = client.put(f"/t/{MALANG}/api/v1/siasn/mappings/{pka['program_id']}", json={"kind": "kursus",
                                                                                  "jenis_diklat_id": 5})
    assert ok.status_code == 200 and ok.get_json()["source"] == "program"
    assert ok.get_json()["reference_name"] == "Pelatihan Manajerial"
    with tenant_context(MALANG):  # the rule is also the table's
        with pytest.raises(sa.exc.IntegrityError):
            db.session.execute(sa.text("UPDATE siasn_program_maps SET latihan_struktural_id = '10'"))
            db.session.flush()
        db.session.rollback()

""""Data belum lengkap": a person created by a reconciliation apply from a partner-only row has no OPD, golongan
or jabatan; they are flagged, listed (page and API, linked from the employees list and the dashboard with a
count), completed by an operator through the edit form, and the database refuses to clear the flag while any of
the three is missing."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.services.demo import malang_pka
from app.tenancy import tenant_context
from tests.reconciliation.conftest import cohort_id, seed_demo, upload
from tests.web.conftest import text_of

SAMPLE = malang_pka.REPORT_CSV.encode()
NIP = malang_pka.UNKNOWN_NIP


def _flag(nip: str):
    with tenant_context("kota-malang"):
        return db.session.execute(sa.text("SELECT data_incomplete_since, opd_id, golongan, jabatan FROM employees "
                                          "WHERE nip = :n"), {"n": nip}).one()


def _apply_partner_only(client, run_worker) -> None:
    seed_demo()
    pka = cohort_id("kota-malang", "PKA", 2024, 2)
    run_id = upload(client, "kota-malang", SAMPLE, partner="BPSDM-JATIM", cohort_id=pka).get_json()["id"]
    run_worker()
    resp = client.post(f"/t/kota-malang/api/v1/reconciliations/{run_id}/apply",
                       json={"classes": {"partner_only": "partner"}})
    assert resp.status_code == 202
    run_worker()


def test_a_person_created_from_a_report_is_listed_as_incomplete_until_an_operator_completes_them(
        client, malang, run_worker, browser_for):
    _apply_partner_only(client, run_worker)
    assert _flag(NIP).data_incomplete_since is not None
    listed = client.get("/t/kota-malang/api/v1/employees?incomplete=true").get_json()
    assert [e["nip"] for e in listed["items"]] == [NIP] and listed["items"][0]["incomplete"] is True
    others = client.get("/t/kota-malang/api/v1/employees?incomplete=false&limit=100").get_json()
    assert NIP not in [e["nip"] for e in others["items"]] and others["total"] > 0

    operator = browser_for(malang, "operator")
    assert "pegawai dengan data belum lengkap" in text_of(operator.get("/").get_data(as_text=True))
    employees = operator.get("/pegawai").get_data(as_text=True)
    assert "1 pegawai dengan data belum lengkap" in text_of(employees) and "/pegawai/belum-lengkap" in employees
    page = text_of(operator.get("/pegawai/belum-lengkap").get_data(as_text=True))
    assert NIP in page and "OPD, golongan, jabatan" in page and "Lengkapi" in page
    form = text_of(operator.get(f"/pegawai/{NIP}/ubah").get_data(as_text=True))
    assert "Data belum lengkap: pegawai ini dibuat dari laporan mitra" in form

    with tenant_context("kota-malang"):
        opd = db.session.execute(sa.text("SELECT min(id) FROM opds WHERE active")).scalar_one()
    half = operator.post(f"/pegawai/{NIP}/ubah", {"opd_id": str(opd), "golongan": "III/c"})
    assert half.status_code == 303
    assert _flag(NIP).data_incomplete_since is not None  # jabatan still missing
    assert "Data masih belum lengkap" in operator.get(f"/pegawai/{NIP}").get_data(as_text=True)
    done = operator.post(f"/pegawai/{NIP}/ubah", {"jabatan": "Analis Kebijakan Ahli Muda",
                                                  "jabatan_kind": "fungsional"})
    assert done.status_code == 303
    assert _flag(NIP).data_incomplete_since is None
    assert "Data pegawai sudah lengkap." in operator.get(f"/pegawai/{NIP}").get_data(as_text=True)
    assert client.get("/t/kota-malang/api/v1/employees?incomplete=true").get_json()["total"] == 0
    assert "Semua data pegawai sudah lengkap" in operator.get("/pegawai/belum-lengkap").get_data(as_text=True)


def test_the_database_keeps_the_flag_while_opd_golongan_or_jabatan_is_missing(malang):
    from tests.fixtures.factories import make_employee

    person = make_employee(malang)
    with tenant_context(malang):
        db.session.execute(sa.text("UPDATE employees SET data_incomplete_since = now(), opd_id = NULL, "
                                   "golongan = NULL, jabatan = NULL WHERE id = :i"), {"i": person["id"]})
        with pytest.raises(sa.exc.IntegrityError, match="ck_employees_incomplete_until_filled"), \
                db.session.begin_nested():
            db.session.execute(sa.text("UPDATE employees SET data_incomplete_since = NULL, golongan = 'III/a' "
                                       "WHERE id = :i"), {"i": person["id"]})
        db.session.execute(sa.text("UPDATE employees SET golongan = 'III/a', jabatan = 'Pengelola' WHERE id = :i"),
                           {"i": person["id"]})
        still = db.session.execute(sa.text("SELECT data_incomplete_since FROM employees WHERE id = :i"),
                                   {"i": person["id"]}).scalar_one()
        opd = db.session.execute(sa.text("SELECT min(id) FROM opds")).scalar_one() or db.session.execute(sa.text(
            "INSERT INTO opds (name, name_key) VALUES ('Dinas Uji', 'dinas uji') RETURNING id")).scalar_one()
        db.session.execute(sa.text("UPDATE employees SET opd_id = :o WHERE id = :i"), {"o": opd, "i": person["id"]})
        cleared = db.session.execute(sa.text("SELECT data_incomplete_since FROM employees WHERE id = :i"),
                                     {"i": person["id"]}).scalar_one()
        db.session.rollback()
    assert still is not None and cleared is None

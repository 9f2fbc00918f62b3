"""An import enrols only the people the program's eligibility rules allow; each refused row says which rule."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa

from app.extensions import db
from app.tenancy import tenant_context
from tests.imports.conftest import csv_bytes, generated_rows, upload


def test_an_import_row_of_someone_who_already_passed_the_orientation_is_refused(client, serang_units, run_worker):
    rows = generated_rows(3)
    already = rows[0].split(";")[0]
    with tenant_context("kab-serang"):
        db.session.execute(sa.text("UPDATE programs SET not_if_passed = true WHERE code = 'ORIENTASI-PPPK'"))
        emp = db.session.execute(sa.text(
            "INSERT INTO employees (nip, name, name_key, gender, birth_date, employee_type, golongan) "
            "VALUES (:n, 'Pegawai 0', 'pegawai 0', 'P', :b, 'PPPK', 'IX') RETURNING id"),
            {"n": already, "b": date(1970, 1, 1)}).scalar_one()
        cohort = db.session.execute(sa.text(
            "INSERT INTO cohorts (program_id, year, number, mode) SELECT id, 2021, 1, 'klasikal' FROM programs "
            "WHERE code = 'ORIENTASI-PPPK' RETURNING id")).scalar_one()
        db.session.execute(sa.text(
            "INSERT INTO enrolments (employee_id, cohort_id, status, certificate_number, certificate_date, "
            "jp_earned) VALUES (:e, :c, 'passed', 'LAN/PPPK/2021/1', '2021-12-01', 1)"), {"e": emp, "c": cohort})
        db.session.commit()
    resp = upload(client, "kab-serang", csv_bytes(rows))
    assert resp.status_code == 202, resp.get_json()
    run_worker()
    run = client.get(f"/t/kab-serang/api/v1/imports/{resp.get_json()['id']}").get_json()
    assert run["state"] == "done" and run["rows"]["created"] == 2 and run["details"]["not_eligible"] == 1
    errors = client.get(f"/t/kab-serang/api/v1/imports/{run['id']}/errors").get_json()["items"]
    [refused] = [e for e in errors if e["code"] == "not_eligible"]
    assert refused["row_number"] == 2 and "belum lulus program ini" in refused["reason"]
    with tenant_context("kab-serang"):
        assert db.session.execute(sa.text(
            "SELECT count(*) FROM enrolments n JOIN employees e ON e.id = n.employee_id WHERE e.nip = :n"),
            {"n": already}).scalar_one() == 1  # only the old pass

"""Eligibility rules of a program (data on the program, editable in the catalogue), checked at every way in;
an admin may override a refusal with a reason, which is audited. Imports and reconciliation: their own tests."""

from __future__ import annotations

import sqlalchemy as sa

from app.extensions import db
from app.tenancy import tenant_context
from tests.api.enrolment_factories import api, make_cohort, make_employee, make_enrolment


def _program_id(malang, code: str) -> int:
    with tenant_context(malang):
        return db.session.execute(sa.text("SELECT id FROM programs WHERE code = :c"), {"c": code}).scalar_one()


def _rules(client, malang, code: str, **rules):
    resp = client.patch(api(malang, f"/programs/{_program_id(malang, code)}"), json=rules)
    assert resp.status_code == 200, resp.json
    return resp.json


def _person(malang, *, kind="pengawas", golongan="III/d", employee_type="PNS"):
    person = make_employee(malang)
    with tenant_context(malang):
        db.session.execute(sa.text("UPDATE employees SET jabatan_kind = :k, golongan = :g, employee_type = :t "
                                   "WHERE id = :i"), {"k": kind, "g": golongan, "t": employee_type, "i": person["id"]})
        db.session.commit()
    return person


def _enrol(client, malang, cohort_id, headers=None, **body):
    return client.post(api(malang, f"/cohorts/{cohort_id}/enrolments"), json=body, headers=headers)


def test_the_rules_are_data_on_the_program_and_read_back(client, malang):
    body = _rules(client, malang, "PKA", eligible_jabatan_kinds=["administrator", "pengawas"],
                  eligible_employee_types=["PNS"], min_golongan="III/c", not_if_passed=True)
    assert body["eligible_jabatan_kinds"] == ["administrator", "pengawas"]
    assert (body["eligible_employee_types"], body["min_golongan"], body["not_if_passed"]) == (["PNS"], "III/c", True)
    assert client.patch(api(malang, f"/programs/{_program_id(malang, 'PKA')}"),
                        json={"min_golongan": "III/z"}).status_code == 422
    with tenant_context(malang):
        assert db.session.execute(sa.text("SELECT count(*) FROM audit_log WHERE action = 'program.update'")
                                  ).scalar_one() == 1


def test_a_single_enrolment_is_refused_naming_the_rule(client, malang):
    _rules(client, malang, "PKA", eligible_jabatan_kinds=["administrator", "pengawas"],
           eligible_employee_types=["PNS"], min_golongan="III/c", not_if_passed=True)
    cohort = make_cohort(malang, program_code="PKA")
    cases = [(_person(malang, kind="pelaksana"), "jabatan_kind", "jenis jabatan"),
             (_person(malang, employee_type="PPPK", golongan="IX"), "employee_type", "PNS"),
             (_person(malang, golongan="III/b"), "min_golongan", "golongan minimal III/c")]
    for person, rule, words in cases:
        resp = _enrol(client, malang, cohort["id"], employee_nip=person["nip"])
        assert resp.status_code == 422 and resp.json["rule"] == rule, resp.json
        assert words in resp.json["errors"][0]["reason"] and resp.json["errors"][0]["field"] == "employee_nip"
    passed = _person(malang)
    make_enrolment(malang, make_cohort(malang, program_code="PKA", year=2023)["id"], passed["id"], status="passed")
    resp = _enrol(client, malang, cohort["id"], employee_nip=passed["nip"])
    assert resp.status_code == 422 and resp.json["rule"] == "already_passed"
    assert "sudah lulus PKA Angkatan" in resp.json["errors"][0]["reason"]
    fine = _person(malang)
    assert _enrol(client, malang, cohort["id"], employee_nip=fine["nip"]).status_code == 201


def test_passing_a_higher_program_refuses_a_lower_one(client, malang):
    _rules(client, malang, "PKP", not_if_passed=True)
    person = _person(malang)
    make_enrolment(malang, make_cohort(malang, program_code="PKA", year=2023)["id"], person["id"], status="passed")
    resp = _enrol(client, malang, make_cohort(malang, program_code="PKP")["id"], employee_nip=person["nip"])
    assert resp.status_code == 422 and resp.json["rule"] == "already_passed"


def test_an_admin_overrides_with_a_reason_an_operator_may_not(client, malang, token_for):
    _rules(client, malang, "PKA", eligible_jabatan_kinds=["administrator"])
    cohort = make_cohort(malang, program_code="PKA")
    person = _person(malang, kind="pengawas")
    operator = {"Authorization": f"Bearer {token_for(malang, 'operator')}"}
    assert _enrol(client, malang, cohort["id"], headers=operator, employee_nip=person["nip"],
                  override_reason="Plt. administrator").status_code == 403
    assert _enrol(client, malang, cohort["id"], employee_nip=person["nip"], override_reason=" ").status_code == 422
    resp = _enrol(client, malang, cohort["id"], employee_nip=person["nip"],
                  override_reason="Plt. Kabid sejak Januari, SK Wali Kota")
    assert resp.status_code == 201, resp.json
    with tenant_context(malang):
        [(after,)] = db.session.execute(sa.text(
            "SELECT after FROM audit_log WHERE action = 'eligibility.override'")).all()
    assert after["rule"] == "jabatan_kind" and after["reason"] == "Plt. Kabid sejak Januari, SK Wali Kota"


def test_a_bulk_enrolment_refuses_the_ineligible_with_the_rule_and_an_admin_overrides(client, malang):
    _rules(client, malang, "PKA", eligible_jabatan_kinds=["administrator", "pengawas"])
    cohort = make_cohort(malang, program_code="PKA", quota=None)
    ok, staff = _person(malang), _person(malang, kind="pelaksana")
    url = api(malang, f"/cohorts/{cohort['id']}/enrolments/bulk")
    preview = client.post(url, json={"nips": [ok["nip"], staff["nip"]]}).json
    assert [p["nip"] for p in preview["enrol"]] == [ok["nip"]]
    [refused] = preview["refused"]
    assert (refused["code"], refused["rule"]) == ("not_eligible", "jabatan_kind")
    assert "jenis jabatan" in refused["reason"]
    body = {"nips": [ok["nip"], staff["nip"]], "override_reason": "Penugasan khusus Sekda"}
    preview = client.post(url, json=body).json
    assert preview["will_enrol"] == 2 and preview["enrol"][1]["override"] == "jabatan_kind"
    done = client.post(url, json={**body, "confirm": True, "token": preview["token"]}).json
    assert done["enrolled"] == 2
    with tenant_context(malang):
        [(after,)] = db.session.execute(sa.text(
            "SELECT after FROM audit_log WHERE action = 'eligibility.override'")).all()
    assert after["nips"] == [staff["nip"]] and after["reason"] == "Penugasan khusus Sekda"

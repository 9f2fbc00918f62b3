"""Bulk enrolment: a list of NIPs (pasted, JSON, CSV/XLSX) or filters; preview says who and why not; one confirm."""

from __future__ import annotations

import io

import openpyxl
import sqlalchemy as sa

from app.extensions import db
from app.tenancy import tenant_context
from tests.api.enrolment_factories import api, make_cohort, make_employee, make_enrolment, make_opd


def _bulk(client, malang, cohort_id, **body):
    return client.post(api(malang, f"/cohorts/{cohort_id}/enrolments/bulk"), json=body)


def _count(malang, cohort_id):
    with tenant_context(malang):
        return db.session.execute(sa.text("SELECT count(*) FROM enrolments WHERE cohort_id = :c"),
                                  {"c": cohort_id}).scalar_one()


def _set(malang, sql, **params):
    with tenant_context(malang):
        db.session.execute(sa.text(sql), params)
        db.session.commit()


def test_preview_then_confirm_enrols_the_list_and_says_why_the_others_are_refused(client, malang):
    cohort = make_cohort(malang, quota=4)
    people = [make_employee(malang) for _ in range(5)]
    inactive = make_employee(malang, active=False)
    already = people[0]
    make_enrolment(malang, cohort["id"], already["id"])
    text = "\n".join([p["nip"] for p in people] + [people[1]["nip"], inactive["nip"], "199001012015011999",
                                                   "12345"])
    preview = _bulk(client, malang, cohort["id"], text=text)
    assert preview.status_code == 200, preview.json
    body = preview.json
    assert body["confirmed"] is False and body["enrolled_before"] == 1 and body["quota"] == 4
    assert [p["nip"] for p in body["enrol"]] == [p["nip"] for p in people[1:4]]  # 3 free seats
    codes = {r["nip"]: r["code"] for r in body["refused"]}
    assert codes == {already["nip"]: "already_enrolled", people[4]["nip"]: "over_quota",
                     inactive["nip"]: "inactive", "199001012015011999": "not_found", "12345": "invalid_nip"} \
        | {people[1]["nip"]: codes[people[1]["nip"]]}
    assert [r["code"] for r in body["refused"]].count("repeated") == 1
    assert body["refused_by_reason"] == {"repeated": 1, "not_found": 1, "inactive": 1, "already_enrolled": 1,
                                         "over_quota": 1, "invalid_nip": 1}
    assert _count(malang, cohort["id"]) == 1  # a preview writes nothing

    done = _bulk(client, malang, cohort["id"], text=text, confirm=True, token=body["token"])
    assert done.status_code == 200, done.json
    assert done.json["confirmed"] is True and done.json["enrolled"] == 3 and len(done.json["enrolment_ids"]) == 3
    assert _count(malang, cohort["id"]) == 4
    with tenant_context(malang):
        [(after,)] = db.session.execute(sa.text(
            "SELECT after FROM audit_log WHERE action = 'enrolment.bulk_create'")).all()
    assert after["enrolled"] == 3 and after["nips"] == [p["nip"] for p in people[1:4]]
    assert {"nip": "12345", "code": "invalid_nip"} in after["refused"]


def test_a_stale_preview_is_refused_and_nothing_is_written(client, malang):
    cohort = make_cohort(malang, quota=None)
    a, b = make_employee(malang), make_employee(malang)
    token = _bulk(client, malang, cohort["id"], nips=[a["nip"], b["nip"]]).json["token"]
    make_enrolment(malang, cohort["id"], b["id"])  # someone enrolled b meanwhile
    resp = _bulk(client, malang, cohort["id"], nips=[a["nip"], b["nip"]], confirm=True, token=token)
    assert resp.status_code == 409 and resp.json["errors"][0]["field"] == "token"
    assert _count(malang, cohort["id"]) == 1
    assert _bulk(client, malang, cohort["id"], nips=[a["nip"]], confirm=True).status_code == 422  # no token


def test_filters_pick_people_by_opd_jabatan_kind_golongan_type_and_not_passed(client, malang):
    opd, other = make_opd(malang), make_opd(malang)
    cohort = make_cohort(malang, program_code="PKA", quota=None)
    earlier = make_cohort(malang, program_code="PKA", year=2023)
    picked = [make_employee(malang, opd_id=opd["id"]) for _ in range(3)]  # pengawas, III/d, PNS (the factory)
    passed_before = make_employee(malang, opd_id=opd["id"])
    make_enrolment(malang, earlier["id"], passed_before["id"], status="passed")
    make_employee(malang, opd_id=other["id"])  # another OPD
    staff = make_employee(malang, opd_id=opd["id"])
    _set(malang, "UPDATE employees SET jabatan_kind = 'pelaksana' WHERE id = :i", i=staff["id"])
    lower = make_employee(malang, opd_id=opd["id"])
    _set(malang, "UPDATE employees SET golongan = 'III/a' WHERE id = :i", i=lower["id"])
    filters = {"opd_id": opd["id"], "jabatan_kind": "pengawas", "golongan": ["III/d"], "employee_type": "PNS",
               "not_passed_program": True}
    preview = _bulk(client, malang, cohort["id"], filters=filters)
    assert preview.status_code == 200, preview.json
    assert sorted(p["nip"] for p in preview.json["enrol"]) == sorted(p["nip"] for p in picked)
    assert preview.json["refused"] == []
    done = _bulk(client, malang, cohort["id"], filters=filters, confirm=True, token=preview.json["token"])
    assert done.json["enrolled"] == 3
    # the same filters again: everyone picked is now enrolled, so nobody is left to pick
    assert _bulk(client, malang, cohort["id"], filters=filters).json["will_enrol"] == 0


def _xlsx(nips) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["No", "NIP", "Nama"])
    for i, nip in enumerate(nips, start=1):
        sheet.append([i, nip, f"Peserta {i}"])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_a_csv_or_xlsx_list_is_read_from_its_nip_column(client, malang):
    cohort = make_cohort(malang, quota=None)
    people = [make_employee(malang) for _ in range(3)]
    url = api(malang, f"/cohorts/{cohort['id']}/enrolments/bulk-file")
    csv = ("NIP;Nama\n" + "\n".join(f"'{p['nip']};x" for p in people[:2]) + "\n").encode()
    preview = client.post(url, data={"file": (io.BytesIO(csv), "daftar.csv")}, content_type="multipart/form-data")
    assert preview.status_code == 200, preview.json
    assert [p["nip"] for p in preview.json["enrol"]] == [p["nip"] for p in people[:2]]
    xlsx = _xlsx([p["nip"] for p in people])
    preview = client.post(url, data={"file": (io.BytesIO(xlsx), "daftar.xlsx")}, content_type="multipart/form-data")
    assert preview.json["will_enrol"] == 3
    done = client.post(url, data={"file": (io.BytesIO(xlsx), "daftar.xlsx"), "confirm": "true",
                                  "token": preview.json["token"]}, content_type="multipart/form-data")
    assert done.status_code == 200 and done.json["enrolled"] == 3
    bad = client.post(url, data={"file": (io.BytesIO(b"Nama\nBudi\n"), "x.csv")}, content_type="multipart/form-data")
    assert bad.status_code == 422 and bad.json["errors"][0]["field"] == "file"


def test_an_operator_bulk_enrols_only_people_of_their_opds(client, malang, token_for):
    mine, theirs = make_opd(malang), make_opd(malang)
    cohort = make_cohort(malang, quota=None)
    a, b = make_employee(malang, opd_id=mine["id"]), make_employee(malang, opd_id=theirs["id"])
    headers = {"Authorization": f"Bearer {token_for(malang, 'operator', opd_ids=[mine['id']])}"}
    url = api(malang, f"/cohorts/{cohort['id']}/enrolments/bulk")
    preview = client.post(url, json={"nips": [a["nip"], b["nip"]]}, headers=headers).json
    assert [p["nip"] for p in preview["enrol"]] == [a["nip"]]
    assert preview["refused"] == [{"nip": b["nip"], "code": "not_found", "reason": "pegawai tidak ditemukan"}]


def test_employees_are_filtered_by_jabatan_kind(client, malang):
    opd = make_opd(malang)
    lurah, staff = make_employee(malang, opd_id=opd["id"]), make_employee(malang, opd_id=opd["id"])
    _set(malang, "UPDATE employees SET jabatan_kind = 'pelaksana' WHERE id = :i", i=staff["id"])
    got = client.get(api(malang, "/employees"), query_string={"opd_id": opd["id"], "jabatan_kind": "pengawas"})
    assert got.status_code == 200 and [e["nip"] for e in got.json["items"]] == [lurah["nip"]]
    got = client.get(api(malang, "/employees"), query_string={"opd_id": opd["id"], "jabatan_kind": "pelaksana"})
    assert [e["nip"] for e in got.json["items"]] == [staff["nip"]]
    assert client.get(api(malang, "/employees"), query_string={"jabatan_kind": "eselon"}).status_code == 422


"""Kota Malang's PKA Angkatan II 2024 (seeds/000) built end to end through the API in fewer than ten calls:
six phases (Klasikal I in three blocks, Klasikal II's agenda), 32 participants in one bulk action, attendance,
the results as one sheet with STTPP numbers from a pattern; then every person's 2024 JP and the compliance
report."""

from __future__ import annotations

import io

import openpyxl
import sqlalchemy as sa

from app.extensions import db
from app.tenancy import tenant_context
from tests.api.enrolment_factories import api, make_employee, make_opd

PHASES = [
    {"name": "MOOC", "start_date": "2024-03-09", "end_date": "2024-03-22"},
    {"name": "E-learning", "start_date": "2024-03-23", "end_date": "2024-04-06"},
    {"name": "Pembangunan komitmen", "start_date": "2024-04-17", "end_date": "2024-04-20"},
    {"name": "Klasikal I", "start_date": "2024-04-22", "end_date": "2024-05-08",
     "sessions": [{"start_date": "2024-04-22", "end_date": "2024-04-30", "label": "Klasikal"},
                  {"start_date": "2024-05-01", "end_date": "2024-05-01", "label": "Studi lapangan"},
                  {"start_date": "2024-05-06", "end_date": "2024-05-08", "label": "Klasikal"}]},
    {"name": "Aksi perubahan", "start_date": "2024-05-09", "end_date": "2024-07-07", "graded": True},
    {"name": "Klasikal II", "start_date": "2024-07-08", "end_date": "2024-07-11",
     "agenda": [{"day": "2024-07-08", "title": "Bimbingan"}, {"day": "2024-07-09", "title": "Seminar"},
                {"day": "2024-07-11", "title": "Penutupan"}]},
]
PATTERN = "STTPP/{seq:03}/PKA-II/BPSDM/2024"


class Counted:
    """The API client, counting the calls the operator makes."""

    def __init__(self, client):
        self.client, self.calls = client, 0

    def __getattr__(self, method):
        def call(*args, **kwargs):
            self.calls += 1
            return getattr(self.client, method)(*args, **kwargs)
        return call


def test_pka_angkatan_ii_2024_in_fewer_than_ten_api_calls(client, malang):
    opd = make_opd(malang, "Badan Kepegawaian dan Pengembangan SDM")
    people = [make_employee(malang, opd_id=opd["id"], name=f"Peserta PKA {i:02d}") for i in range(1, 33)]
    with tenant_context(malang):
        program_id = db.session.execute(sa.text("SELECT id FROM programs WHERE code = 'PKA'")).scalar_one()
        partner_id = db.session.execute(sa.text("SELECT id FROM partners WHERE code = 'BPSDM-JATIM'")).scalar_one()
    op = Counted(client)

    cohort = op.post(api(malang, "/cohorts"), json={
        "program_id": program_id, "number": "II", "year": 2024, "partner_id": partner_id, "mode": "blended",
        "quota": 32, "phases": PHASES})
    assert cohort.status_code == 201, cohort.json
    cid = cohort.json["id"]
    assert (cohort.json["start_date"], cohort.json["end_date"]) == ("2024-03-09", "2024-07-11")
    assert len(cohort.json["phases"][3]["sessions"]) == 3

    nips = "\n".join(p["nip"] for p in people)
    preview = op.post(api(malang, f"/cohorts/{cid}/enrolments/bulk"), json={"text": nips}).json
    assert preview["will_enrol"] == 32 and preview["refused"] == []
    done = op.post(api(malang, f"/cohorts/{cid}/enrolments/bulk"),
                   json={"text": nips, "confirm": True, "token": preview["token"]}).json
    assert done["enrolled"] == 32

    day = op.put(api(malang, f"/cohorts/{cid}/attendance/2024-04-22"), json={"default_status": "present"}).json
    assert day["marked"] == 32 and day["now_attending"] == 32

    sheet = op.get(api(malang, f"/cohorts/{cid}/results-sheet"))
    book = openpyxl.load_workbook(io.BytesIO(sheet.data))
    sheet.close()
    ws = book.active
    header = [c.value for c in ws[1]]
    col = {h: header.index(h) for h in header}
    outcomes = {}
    for row in ws.iter_rows(min_row=2):
        name = row[col["NAMA"]].value
        if name == "Peserta PKA 30":  # aksi perubahan not passed
            values = {"HASIL AKSI PERUBAHAN": "TIDAK LULUS", "NILAI AKSI PERUBAHAN": "57,36", "HASIL": "TIDAK LULUS"}
        elif name == "Peserta PKA 32":
            values = {"HASIL": "MENGUNDURKAN DIRI"}
        else:
            values = {"HASIL AKSI PERUBAHAN": "LULUS", "NILAI AKSI PERUBAHAN": "85", "HASIL": "LULUS"}
        for key, value in values.items():
            row[col[key]].value = value
        outcomes[row[col["NIP"]].value] = values["HASIL"]
    filled = io.BytesIO()
    book.save(filled)
    form = {"sttpp_pattern": PATTERN, "certificate_date": "2024-07-11"}
    url = api(malang, f"/cohorts/{cid}/results-sheet")
    report = op.post(url, data={"file": (io.BytesIO(filled.getvalue()), "hasil.xlsx"), **form},
                     content_type="multipart/form-data").json
    assert report["invalid"] == 0 and report["actions"] == {"passed": 30, "failed": 1, "withdrawn": 1}, report
    written = op.post(url, data={"file": (io.BytesIO(filled.getvalue()), "hasil.xlsx"), "confirm": "true",
                                 "token": report["token"], **form}, content_type="multipart/form-data").json
    assert written["written"] == 32

    compliance = op.get(api(malang, "/reports/jp-compliance"),
                        query_string={"year": 2024, "opd_id": opd["id"], "limit": 50}).json
    assert op.calls == 8 < 10

    jp = {p["nip"]: p["jp"] for p in compliance["people"]["items"]}
    assert jp == {nip: (333 if outcome == "LULUS" else 0) for nip, outcome in outcomes.items()}
    overall = compliance["overall"]
    assert (overall["active_employees"], overall["compliant"], overall["total_jp"]) == (32, 30, 30 * 333)
    with tenant_context(malang):
        numbers = db.session.execute(sa.text(
            "SELECT j.certificate_number FROM jp_entries j JOIN enrolments n ON n.id = j.enrolment_id "
            "WHERE n.cohort_id = :c AND j.year = 2024 ORDER BY 1"), {"c": cid}).scalars().all()
    assert numbers == [PATTERN.format(seq=i) for i in range(1, 31)]

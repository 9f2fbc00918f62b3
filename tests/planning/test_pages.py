"""The planning pages as a person uses them (test client, session cookie, CSRF): open a round, enter a need, upload
the template (a bad row shown with its column and reason), decide, close, build the plan, set the pagu, make a
cohort from the line, record its cost, read the figures in rupiah; the person's page shows their need."""

from __future__ import annotations

import io
from datetime import timedelta

from openpyxl import Workbook, load_workbook

from app.domain.dates import today_wib
from tests.fixtures.factories import make_employee, make_opd, program_id
from tests.web.conftest import text_of


def _xlsx(rows) -> io.BytesIO:
    wb = Workbook()
    wb.active.append(["NIP", "OPD", "KESENJANGAN", "JENIS", "PROGRAM", "PRIORITAS", "ALASAN"])
    for r in rows:
        wb.active.append(r)
    out = io.BytesIO()
    wb.save(out)
    out.seek(0)
    return out


def test_a_round_to_a_costed_cohort_through_the_pages(browser_for, malang):
    year = today_wib().year + 1
    opd = make_opd(malang, "Badan Uji Halaman")
    people = [make_employee(malang, opd_id=opd["id"], name=n) for n in ("Fajar Halaman", "Gita Halaman")]
    pkp = program_id(malang, "PKP")
    admin = browser_for(malang, "admin")
    viewer = browser_for(malang, "viewer")

    index = admin.get("/perencanaan")
    assert index.status_code == 200 and "Buka putaran kebutuhan" in index.text
    assert "Buka putaran kebutuhan" not in viewer.get("/perencanaan").text
    bad = admin.post("/perencanaan/putaran", {"year": year, "deadline": str(today_wib() - timedelta(days=1))})
    assert bad.status_code == 422 and "batas waktu tidak boleh sebelum hari ini" in bad.text
    opened = admin.post("/perencanaan/putaran", {"year": year, "deadline": str(today_wib() + timedelta(days=20))})
    assert opened.status_code == 303

    # a need by the form; a form error is shown next to its field
    missing = admin.post(f"/perencanaan/{year}/kebutuhan", {"employee_nip": people[0]["nip"], "gap": "",
                                                             "kind": "manajerial", "program_id": pkp, "reason": ""})
    assert missing.status_code == 422
    assert admin.post(f"/perencanaan/{year}/kebutuhan", {
        "employee_nip": people[0]["nip"], "gap": "Memimpin rapat", "kind": "manajerial", "program_id": pkp,
        "priority": 1, "reason": "Pengawas baru"}).status_code == 303
    # the template, then an upload with a bad row (shown) and a good one
    template = admin.get(f"/perencanaan/{year}/kebutuhan/templat.xlsx")
    assert template.status_code == 200 and load_workbook(io.BytesIO(template.data)).active["A1"].value == "NIP"
    template.close()
    rejected = admin.post(f"/perencanaan/{year}/kebutuhan/unggah", {"file": (_xlsx([
        [people[1]["nip"], opd["name"], "Kepemimpinan", "spiritual", "PKP", "tinggi", "Baru"]]), "k.xlsx")},
        content_type="multipart/form-data")
    assert rejected.status_code == 422
    report = text_of(rejected.text)
    assert "Baris yang bermasalah" in report and "JENIS" in report
    assert "jenis harus manajerial, teknis, atau sosial kultural" in report
    uploaded = admin.post(f"/perencanaan/{year}/kebutuhan/unggah", {"file": (_xlsx([
        [people[1]["nip"], opd["name"], "Kepemimpinan", "manajerial", "PKP", "tinggi", "Baru"]]), "k.xlsx")},
        content_type="multipart/form-data")
    assert uploaded.status_code == 303
    page = admin.get(f"/perencanaan/{year}/kebutuhan")
    assert "Fajar Halaman" in page.text and "Gita Halaman" in page.text and "XLSX" in page.text
    ids = [int(chunk.split('"', 1)[0]) for chunk in page.text.split('id="kebutuhan-')[1:]]
    assert len(ids) == 2
    filtered = admin.get(f"/perencanaan/{year}/kebutuhan?opd_id={opd['id']}&status=submitted")
    assert filtered.status_code == 200 and filtered.text.count('id="kebutuhan-') == 2
    assert admin.get(f"/perencanaan/{year}/kebutuhan?status=verified").text.count('id="kebutuhan-') == 0

    # closing too early says why; verify both, then close
    early = admin.post(f"/perencanaan/{year}/tutup")
    assert early.status_code == 409 and "belum diverifikasi" in early.text
    no_note = admin.post(f"/perencanaan/kebutuhan/{ids[0]}/keputusan", {"decision": "reject"})
    assert no_note.status_code == 422 and "catatan wajib diisi" in no_note.text
    for need_id in ids:
        assert admin.post(f"/perencanaan/kebutuhan/{need_id}/keputusan", {"decision": "verify"}).status_code == 303
    assert admin.post(f"/perencanaan/{year}/tutup").status_code == 303
    closed = admin.get(f"/perencanaan/{year}/kebutuhan").text
    assert "Ditutup" in closed and "Ajukan kebutuhan" not in closed

    # the plan: build, pagu, a cohort with its ceiling, its cost
    assert admin.post(f"/perencanaan/{year}/rencana/susun").status_code == 303
    plan = admin.get(f"/perencanaan/{year}/rencana").text
    line_id = int(plan.split('id="baris-', 1)[1].split('"', 1)[0])
    assert admin.post(f"/perencanaan/baris/{line_id}", {"pagu": "75000000", "planned_cohorts": "1"}).status_code == 303
    over = admin.post(f"/perencanaan/baris/{line_id}/angkatan", {"number": "1", "pagu": "90000000"})
    assert over.status_code == 422 and "melebihi sisa pagu baris rencana (Rp 75.000.000)" in text_of(over.text)
    made = admin.post(f"/perencanaan/baris/{line_id}/angkatan", {"number": "1", "quota": "30",
                                                                  "pagu": "50000000"})
    assert made.status_code == 303
    plan = admin.get(f"/perencanaan/{year}/rencana").text
    cohort_id = int(plan.split('id="angkatan-', 1)[1].split('"', 1)[0])
    assert admin.post(f"/perencanaan/angkatan/{cohort_id}/biaya", {
        "honorarium": "12500000", "venue": "5000000", "consumption": "2500000", "partner_fee": "0"}).status_code == 303
    cohort_page = text_of(admin.get(f"/angkatan/{cohort_id}").text)
    assert f"Rencana pengembangan {year}" in cohort_page and "Rp 50.000.000 · Rp 20.000.000" in cohort_page
    text = text_of(admin.get(f"/perencanaan/{year}/rencana").text)
    assert "Pagu Rp 75.000.000" in text and "Realisasi Rp 20.000.000" in text
    assert "Rp 12.500.000" in text and "Rp 50.000.000" in text
    assert "Badan Uji Halaman 2 2" in text  # needs, places
    # a viewer reads the figures but gets no form
    seen = viewer.get(f"/perencanaan/{year}/rencana").text
    assert "Rp 20.000.000" in seen and "Simpan biaya" not in seen
    sheet = viewer.get(f"/perencanaan/{year}/rencana.xlsx")
    assert sheet.status_code == 200
    sheet.close()

    # the person's page shows the verified need, not yet trained
    person = text_of(admin.get(f"/pegawai/{people[0]['nip']}").text)
    assert "Kebutuhan pelatihan terverifikasi" in person
    assert f"{year} PKP" in person and "belum" in person


def test_an_opd_operator_sees_no_bkpsdm_forms(browser_for, malang):
    year = today_wib().year + 2
    opd = make_opd(malang, "Kecamatan Uji Halaman")
    admin = browser_for(malang, "admin")
    assert admin.post("/perencanaan/putaran", {"year": year, "deadline": str(today_wib())}).status_code == 303
    operator = browser_for(malang, "operator", opd_ids=[opd["id"]])
    page = operator.get(f"/perencanaan/{year}/kebutuhan").text
    assert "Ajukan kebutuhan" in page and "Tutup putaran" not in page and "Keputusan BKPSDM" not in page
    assert "Buka putaran kebutuhan" not in operator.get("/perencanaan").text
    refused = operator.post(f"/perencanaan/{year}/tutup")
    assert refused.status_code == 403
    assert operator.get("/perencanaan/1800/kebutuhan").status_code == 422
    assert operator.get(f"/perencanaan/{year + 50}/kebutuhan").status_code == 404

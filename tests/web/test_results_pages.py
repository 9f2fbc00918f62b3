"""The roster page's results for a whole cohort: the results sheet down, up with the STTPP options → a preview
with the row report in Indonesian → confirm; and the bulk "tandai hadir" / "tandai lulus" with numbers from a
pattern, preview → confirm. The same services as the API (tests/api/test_results_sheet.py)."""

from __future__ import annotations

import html as htmllib
import io
import re
from datetime import date

import openpyxl
import pytest
import sqlalchemy as sa

from app.extensions import db
from app.tenancy import tenant_context
from tests.api.enrolment_factories import PKA_PHASES, make_cohort, make_employee, make_enrolment
from tests.web.conftest import text_of

END = date(2024, 7, 11)
PATTERN = "STTPP/{seq:03}/PKA-II/BPSDM/2024"


def _cohort(malang, n):
    cohort = make_cohort(malang, start_date=date(2024, 3, 9), end_date=END, phases=PKA_PHASES, quota=None)
    people = [make_employee(malang, name=f"Peserta {chr(65 + i)}") for i in range(n)]
    for p in people:
        make_enrolment(malang, cohort["id"], p["id"])
    return cohort, people


def _statuses(malang, cohort_id) -> dict:
    with tenant_context(malang):
        return dict(db.session.execute(sa.text(
            "SELECT e.name, n.status || coalesce(' ' || n.certificate_number, '') FROM enrolments n "
            "JOIN employees e ON e.id = n.employee_id WHERE n.cohort_id = :c"), {"c": cohort_id}).all())


def _hidden(html: str) -> dict:
    form = html[html.index('id="form-konfirmasi"'):]
    form = form[:form.index("</form>")]
    return {name: htmllib.unescape(value) for name, value in re.findall(r'name="([a-z_]+)" value="([^"]*)"', form)}


def test_an_operator_downloads_the_sheet_uploads_it_sees_the_row_report_and_confirms(malang, browser_for):
    cohort, _ = _cohort(malang, 4)
    operator = browser_for(malang, "operator")
    roster = operator.get(f"/angkatan/{cohort['id']}/peserta").get_data(as_text=True)
    assert "Hasil seluruh peserta" in roster and "lembar hasil (XLSX)" in roster
    down = operator.get(f"/angkatan/{cohort['id']}/peserta/lembar-hasil?format=xlsx")
    data = down.data
    down.close()
    assert down.status_code == 200 and data[:2] == b"PK"
    book = openpyxl.load_workbook(io.BytesIO(data))
    ws = book.active
    header = [c.value for c in ws[1]]
    for row in ws.iter_rows(min_row=2):
        name = row[header.index("NAMA")].value
        fill = {"HASIL AKSI PERUBAHAN": "LULUS", "HASIL KLASIKAL II": "LULUS", "HASIL": "LULUS"}
        if name == "Peserta C":
            fill = {"HASIL AKSI PERUBAHAN": "TIDAK LULUS", "NILAI AKSI PERUBAHAN": "57,36", "HASIL": "TIDAK LULUS"}
        if name == "Peserta D":
            fill = {"HASIL": "LULUS BANGET"}
        for key, value in fill.items():
            row[header.index(key)].value = value
    out = io.BytesIO()
    book.save(out)
    url = f"/angkatan/{cohort['id']}/peserta/lembar-hasil"
    preview = operator.post(url, {"file": (io.BytesIO(out.getvalue()), "hasil.xlsx"), "sttpp_pattern": PATTERN,
                                  "certificate_date": END.isoformat()}, content_type="multipart/form-data")
    html = preview.get_data(as_text=True)
    assert preview.status_code == 200, html
    text = text_of(html)
    assert "Pratinjau lembar hasil" in text and "4 baris; 3 akan diproses, 1 salah (dilewati)" in text
    assert "Lulus · STTPP STTPP/001/PKA-II/BPSDM/2024" in text and "Tidak lulus" in text
    assert "Salah: HASIL tidak dikenal: 'LULUS BANGET'" in htmllib.unescape(text)
    assert set(_statuses(malang, cohort["id"]).values()) == {"registered"}  # a preview writes nothing
    hidden = _hidden(html)
    assert hidden["confirm"] == "1" and hidden["sttpp_pattern"] == PATTERN and hidden["rows"].startswith("[")
    done = operator.post(url, hidden)
    assert done.status_code == 303, done.get_data(as_text=True)
    after = _statuses(malang, cohort["id"])
    assert after == {"Peserta A": "passed STTPP/001/PKA-II/BPSDM/2024",
                     "Peserta B": "passed STTPP/002/PKA-II/BPSDM/2024", "Peserta C": "failed",
                     "Peserta D": "registered"}
    page = text_of(operator.get(f"/angkatan/{cohort['id']}/peserta").get_data(as_text=True))
    assert "3 peserta diperbarui (lulus 2, tidak lulus 1); 1 baris dilewati karena salah." in page
    # the same confirmation again is stale: nothing more is written
    again = operator.post(url, hidden)
    assert again.status_code == 409 and "pratinjau sudah tidak berlaku" in again.get_data(as_text=True)


def test_bulk_tandai_hadir_then_tandai_lulus_from_a_pattern_through_the_page(malang, browser_for):
    cohort, _ = _cohort(malang, 3)
    admin = browser_for(malang, "admin")
    url = f"/angkatan/{cohort['id']}/peserta/status-massal"
    preview = admin.post(url, {"to": "attending"})
    html = preview.get_data(as_text=True)
    assert preview.status_code == 200 and "3 peserta berstatus Terdaftar akan ditandai Mengikuti" in text_of(html)
    assert admin.post(url, _hidden(html)).status_code == 303
    assert set(_statuses(malang, cohort["id"]).values()) == {"attending"}

    body = {"to": "passed", "sttpp_pattern": PATTERN, "certificate_date": END.isoformat()}
    text = text_of(admin.post(url, body).get_data(as_text=True))
    assert "0 akan diproses, 3 salah" in text and "fase bernilai belum lulus" in text
    assert "Tidak ada baris yang dapat diproses" in text
    with tenant_context(malang):
        db.session.execute(sa.text(
            "INSERT INTO phase_results (enrolment_id, phase_id, passed) SELECT n.id, p.id, true FROM enrolments n "
            "JOIN cohort_phases p ON p.cohort_id = n.cohort_id AND p.graded WHERE n.cohort_id = :c"),
            {"c": cohort["id"]})
        db.session.commit()
    html = admin.post(url, body).get_data(as_text=True)
    assert "Pratinjau perubahan status" in html and "STTPP STTPP/003/PKA-II/BPSDM/2024" in html
    assert admin.post(url, _hidden(html)).status_code == 303
    assert sorted(_statuses(malang, cohort["id"]).values()) == [f"passed {PATTERN.format(seq=i)}" for i in (1, 2, 3)]


def test_a_bad_pattern_is_said_on_the_roster_and_a_viewer_may_only_download(malang, browser_for):
    cohort, _ = _cohort(malang, 1)
    admin = browser_for(malang, "admin")
    bad = admin.post(f"/angkatan/{cohort['id']}/peserta/status-massal",
                     {"to": "passed", "sttpp_pattern": "STTPP/tanpa-nomor"})
    assert bad.status_code == 422 and "harus memuat {seq}" in bad.get_data(as_text=True)
    assert 'value="STTPP/tanpa-nomor"' in bad.get_data(as_text=True)
    viewer = browser_for(malang, "viewer")
    roster = viewer.get(f"/angkatan/{cohort['id']}/peserta").get_data(as_text=True)
    assert "Unduh lembar hasil (XLSX)" in roster and "Pratinjau lembar hasil" not in roster
    down = viewer.get(f"/angkatan/{cohort['id']}/peserta/lembar-hasil?format=csv")
    body = down.data
    down.close()
    assert down.status_code == 200 and body.removeprefix(b"\xef\xbb\xbf").startswith(b"NIP,")
    assert viewer.post(f"/angkatan/{cohort['id']}/peserta/status-massal", {"to": "attending"}).status_code == 403


@pytest.mark.committed
def test_a_large_confirmation_from_the_pages_goes_to_a_worker_and_its_progress_page_follows_it(
        malang, browser_for, app, run_worker, monkeypatch):
    monkeypatch.setitem(app.config, "COHORT_BULK_JOB_ROWS", 2)
    cohort = make_cohort(malang, start_date=date(2024, 3, 9), end_date=END, phases=PKA_PHASES, quota=None)
    people = [make_employee(malang, name=f"Peserta Besar {i}") for i in range(3)]
    operator = browser_for(malang, "operator")
    url = f"/angkatan/{cohort['id']}/peserta/banyak"
    html = operator.post(url, {"nips": "\n".join(p["nip"] for p in people)}).get_data(as_text=True)
    token = re.search(r'name="token" value="([0-9a-f]+)"', html).group(1)
    nips = re.search(r'name="nips" value="([0-9 ]+)"', html).group(1)
    queued = operator.post(url, {"confirm": "1", "token": token, "nips": nips})
    assert queued.status_code == 303 and "/proses/" in queued.headers["Location"]
    progress = queued.headers["Location"].split(f"/t/{malang.slug}", 1)[1]
    waiting = operator.get(progress).get_data(as_text=True)
    assert 'http-equiv="refresh"' in waiting and "Menunggu antrean" in waiting
    run_worker()
    done = operator.get(progress).get_data(as_text=True)
    assert 'http-equiv="refresh"' not in done and "Selesai" in done
    assert "3 pegawai didaftarkan; 0 ditolak." in text_of(done)
    assert len(_statuses(malang, cohort["id"])) == 3

"""The submission pages: an employee's form (a refused file shown next to its field, in Indonesian), their list
with each decision; the staff's queue filtered by status and OPD, the detail with the file link, verify with
fewer JP, reject, correct; an operator of another OPD gets the 404 page; files are never cached."""

from __future__ import annotations

import io
import re
from datetime import timedelta

from werkzeug.datastructures import FileStorage
from werkzeug.test import stream_encode_multipart

from app.domain.dates import today_wib
from tests.fixtures.factories import make_employee, make_opd
from tests.submissions.files import EXE_AS_PDF, pdf_bytes
from tests.web.conftest import text_of


def _form(**fields):
    day = (today_wib() - timedelta(days=1)).isoformat()
    return {"title": "Webinar Manajemen ASN", "organiser": "BKN", "kind": "seminar", "start_date": day,
            "end_date": day, "jp_claimed": "5", **fields}


def _post_in_memory(browser, path: str, form: dict):
    """A multipart POST encoded in memory (the test client spools a large body to a file it never closes)."""
    stream, _length, boundary = stream_encode_multipart({**form, "csrf_token": browser.csrf}, use_tempfile=False)
    return browser.client.post(f"/t/{browser.slug}{path}", data=stream.getvalue(),
                               content_type=f"multipart/form-data; boundary={boundary}")


def _people(malang):
    pendidikan, kesehatan = make_opd(malang, "Dinas Pendidikan"), make_opd(malang, "Dinas Kesehatan")
    ani = make_employee(malang, opd_id=pendidikan["id"], name="Ani Lestari")
    return pendidikan, kesehatan, ani


def test_an_employee_submits_through_the_form_and_an_operator_verifies(browser_for, malang):
    pendidikan, kesehatan, ani = _people(malang)
    me = browser_for(malang, "employee", nip=ani["nip"])
    page = me.get("/saya/pengajuan")
    assert page.status_code == 200 and "Ajukan kegiatan" in page.get_data(as_text=True)

    refused = me.post("/saya/pengajuan", {**_form(), "file": (io.BytesIO(EXE_AS_PDF), "sertifikat.pdf")},
                      content_type="multipart/form-data")
    assert refused.status_code == 422
    html = refused.get_data(as_text=True)
    assert 'id="file-error"' in html and "bukan PDF, JPG atau PNG" in html
    assert 'value="Webinar Manajemen ASN"' in html  # what was typed is kept

    huge = _post_in_memory(me, "/saya/pengajuan", {**_form(), "file": FileStorage(
        io.BytesIO(b"%PDF-" + b" " * 6_000_000), filename="besar.pdf", content_type="application/pdf")})
    assert huge.status_code == 413 and "Berkas lebih dari 5 MB" in huge.get_data(as_text=True)

    sent = me.post("/saya/pengajuan", {**_form(), "file": (io.BytesIO(pdf_bytes()), "webinar.pdf")},
                   content_type="multipart/form-data")
    assert sent.status_code == 303
    listed = me.get("/saya/pengajuan").get_data(as_text=True)
    assert "Menunggu verifikasi" in listed and "Webinar Manajemen ASN" in listed
    sub_id = int(re.search(r'id="pengajuan-(\d+)"', listed).group(1))
    own_file = me.get(f"/saya/pengajuan/{sub_id}/berkas")
    assert own_file.status_code == 200 and own_file.headers["Cache-Control"] == "no-store, private"

    operator = browser_for(malang, "operator", opd_ids=(pendidikan["id"],))
    queue_page = operator.get("/pengajuan")
    assert queue_page.status_code == 200
    assert '<option value="pending" selected>' in queue_page.get_data(as_text=True)  # waiting ones by default
    queue = text_of(queue_page.get_data(as_text=True))
    assert "Ani Lestari" in queue and "Webinar Manajemen ASN" in queue
    detail = operator.get(f"/pengajuan/{sub_id}").get_data(as_text=True)
    assert f"/pengajuan/{sub_id}/berkas" in detail and 'id="verify-form"' in detail
    assert operator.get(f"/pengajuan/{sub_id}/berkas").headers["Cache-Control"] == "no-store, private"

    too_many = operator.post(f"/pengajuan/{sub_id}/verifikasi", {"jp_granted": "6"})
    assert too_many.status_code == 422 and "JP yang diakui harus 1-5" in too_many.get_data(as_text=True)
    done = operator.post(f"/pengajuan/{sub_id}/verifikasi", {"jp_granted": "3", "note": "Hanya 3 sesi"})
    assert done.status_code == 303
    after = text_of(operator.get(f"/pengajuan/{sub_id}").get_data(as_text=True))
    assert "Diverifikasi" in after and "Hanya 3 sesi" in after
    mine = text_of(me.get("/saya/pengajuan").get_data(as_text=True))
    assert f"Diakui 3 JP untuk tahun {(today_wib() - timedelta(days=1)).year}" in mine
    record = text_of(me.get("/saya").get_data(as_text=True))
    assert "Pengajuan pegawai" in record  # the ledger line on one's own record

    corrected = operator.post(f"/pengajuan/{sub_id}/koreksi", {"jp_granted": "2", "reason": "Satu sesi batal"})
    assert corrected.status_code == 303
    assert "kini 2 JP" in text_of(operator.get(f"/pengajuan/{sub_id}").get_data(as_text=True))

    stranger = browser_for(malang, "operator", opd_ids=(kesehatan["id"],))
    assert "Ani Lestari" not in stranger.get("/pengajuan?status=semua").get_data(as_text=True)
    assert stranger.get(f"/pengajuan/{sub_id}").status_code == 404
    assert stranger.get(f"/pengajuan/{sub_id}/berkas").status_code == 404
    assert stranger.post(f"/pengajuan/{sub_id}/tolak", {"reason": "x"}).status_code == 404


def test_a_rejection_from_the_page_is_shown_to_the_employee(browser_for, malang):
    pendidikan, _kesehatan, ani = _people(malang)
    me = browser_for(malang, "employee", nip=ani["nip"])
    me.post("/saya/pengajuan", {**_form(), "file": (io.BytesIO(pdf_bytes("x")), "x.pdf")},
            content_type="multipart/form-data")
    sub_id = int(re.search(r'id="pengajuan-(\d+)"', me.get("/saya/pengajuan").get_data(as_text=True)).group(1))
    admin = browser_for(malang, "admin")
    empty = admin.post(f"/pengajuan/{sub_id}/tolak", {"reason": ""})
    assert empty.status_code == 422
    assert admin.post(f"/pengajuan/{sub_id}/tolak", {"reason": "Nama di sertifikat berbeda"}).status_code == 303
    mine = text_of(me.get("/saya/pengajuan").get_data(as_text=True))
    assert "Ditolak: Nama di sertifikat berbeda" in mine
    rejected = text_of(admin.get("/pengajuan?status=rejected").get_data(as_text=True))
    assert "Ani Lestari" in rejected
    assert "Ani Lestari" not in text_of(admin.get("/pengajuan").get_data(as_text=True))  # default: waiting ones

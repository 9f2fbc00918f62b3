"""STTPP certificates: issued per passed participant from the region's template, PDFs whose text holds every
printed field (read back with pypdf), the same bytes for the same certificate, the public verification page (and
its refusals), corrections that replace, a cohort's ZIP (inline and through the RQ job), one's own certificates."""

from __future__ import annotations

import io
import re
import zipfile
from datetime import date

import pytest
import sqlalchemy as sa
from pypdf import PdfReader

from app.extensions import db
from app.models.certificates import Certificate
from app.models.cohorts import Enrolment
from app.services.certificates import documents, issuing, templates
from app.tenancy import tenant_context
from tests.api.enrolment_factories import PKA_PHASES, make_cohort, make_employee, make_enrolment, make_opd
from tests.fixtures.auth import TEST_PASSWORD, create_token

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00\x90wS\xde\x00\x00"
       b"\x00\x0cIDATx\x9cc\xf8\xcf\xc0\x00\x00\x03\x01\x01\x00\xc9\xfe\x92\xef\x00\x00\x00\x00IEND\xaeB`\x82")


def pdf_text(body: bytes) -> str:
    return " ".join(page.extract_text() for page in PdfReader(io.BytesIO(body)).pages)


def page_login(client, slug: str, username: str) -> None:
    form = client.get(f"/t/{slug}/login")
    token = CSRF.search(form.get_data(as_text=True)).group(1)
    resp = client.post(f"/t/{slug}/login", data={"csrf_token": token, "username": username,
                                                  "password": TEST_PASSWORD})
    assert resp.status_code in (302, 303), resp.get_data(as_text=True)[:500]


def csrf_of(client, path: str) -> str:
    return CSRF.search(client.get(path).get_data(as_text=True)).group(1)


@pytest.fixture
def pka(malang):
    """PKA Angkatan II 2024 of Kota Malang: three passed participants (STTPP numbered), one attending."""
    opd = make_opd(malang, "Dinas Pendidikan")
    cohort = make_cohort(malang, program_code="PKA", number=2, year=2024, phases=PKA_PHASES)
    people = [make_employee(malang, opd_id=opd["id"], name=n) for n in ("Ahmad Fauzi", "Budi Santoso", "Citra Dewi")]
    enrolments = []
    for n, person in enumerate(people, start=1):
        e = make_enrolment(malang, cohort["id"], person["id"], status="passed")
        with tenant_context(malang):
            db.session.execute(sa.update(Enrolment).where(Enrolment.id == e["id"]).values(
                certificate_number=f"893/{n:03d}/PKA-II/BKPSDM/2024", certificate_date=date(2024, 7, 11),
                jp_earned=333))
            db.session.commit()
        enrolments.append(e)
    other = make_employee(malang, opd_id=opd["id"], name="Dedi Attending")
    make_enrolment(malang, cohort["id"], other["id"], status="attending")
    with tenant_context(malang):
        templates.update_template(signatory_name="Dra. Siti Rahmawati, M.Si.", signatory_nip="196805121993032004",
                                  signatory_position="Kepala BKPSDM Kota Malang", place="Malang")
        db.session.commit()
    return {"cohort": cohort, "people": people, "enrolments": enrolments, "opd": opd}


def issue(tenant, cohort_id: int) -> dict:
    with tenant_context(tenant):
        counts = issuing.issue_cohort(cohort_id)
        db.session.commit()
        return counts


def certs_of(tenant, cohort_id: int) -> list[dict]:
    with tenant_context(tenant):
        return documents.cohort_certificates(cohort_id)


def pdf_of(tenant, cert_id: int) -> bytes:
    with tenant_context(tenant), current_request():
        return documents.pdf_of(db.session.get(Certificate, cert_id))


def current_request():
    from flask import current_app

    return current_app.test_request_context(base_url="https://kompeten.example.id")


def test_issuing_a_cohort_gives_one_certificate_per_passed_participant_and_is_idempotent(malang, pka):
    assert issue(malang, pka["cohort"]["id"]) == {"issued": 3, "replaced": 0, "revoked": 0, "unchanged": 0,
                                                  "partner": 0}
    certs = certs_of(malang, pka["cohort"]["id"])
    assert sorted(c["participant_name"] for c in certs) == ["Ahmad Fauzi", "Budi Santoso", "Citra Dewi"]
    codes = [c["code"] for c in certs]
    assert len(set(codes)) == 3 and all(len(code) >= 20 and re.fullmatch(r"[A-Za-z0-9_-]+", code) for code in codes)
    assert not any(c["number"].split("/")[1] in code for c in certs for code in codes)  # not from the number
    assert issue(malang, pka["cohort"]["id"])["unchanged"] == 3  # a second run changes nothing


def test_the_pdf_holds_every_printed_field_as_text_with_embedded_fonts_and_is_deterministic(malang, pka):
    issue(malang, pka["cohort"]["id"])
    cert = next(c for c in certs_of(malang, pka["cohort"]["id"]) if c["participant_name"] == "Ahmad Fauzi")
    body = pdf_of(malang, cert["id"])
    text = pdf_text(body)
    for expected in ("PEMERINTAH KOTA MALANG", "Pelatihan Kepemimpinan Administrator", "Angkatan II Tahun 2024",
                     "Ahmad Fauzi", f"NIP {pka['people'][0]['nip']}", "893/001/PKA-II/BKPSDM/2024",
                     "Malang, 11 Juli 2024", "333 JP", "9 Maret 2024 s.d. 11 Juli 2024", "Dra. Siti Rahmawati, M.Si.",
                     "NIP 196805121993032004", "Kepala BKPSDM Kota Malang", cert["code"],
                     f"https://kompeten.example.id/t/kota-malang/verifikasi/{cert['code']}"):
        assert expected in text, expected
    reader = PdfReader(io.BytesIO(body))
    fonts = reader.pages[0]["/Resources"]["/Font"]
    descriptors = [f.get_object()["/FontDescriptor"].get_object() for f in fonts.values()]
    assert descriptors and all("/FontFile2" in d for d in descriptors)  # every font's TrueType program embedded
    assert all("DejaVuSans" in str(f.get_object()["/BaseFont"]) for f in fonts.values())
    assert pdf_of(malang, cert["id"]) == body  # the same certificate, the same bytes


def test_the_verification_page_shows_the_printed_fields_with_the_nip_masked_and_nothing_else(malang, pka,
                                                                                             anon_client):
    issue(malang, pka["cohort"]["id"])
    cert = next(c for c in certs_of(malang, pka["cohort"]["id"]) if c["participant_name"] == "Ahmad Fauzi")
    resp = anon_client.get(f"/t/kota-malang/verifikasi/{cert['code']}")
    assert resp.status_code == 200
    html = resp.get_data(as_text=True)
    nip = pka["people"][0]["nip"]
    for expected in ("sah dan berlaku", "Ahmad Fauzi", "893/001/PKA-II/BKPSDM/2024", "Angkatan II Tahun 2024",
                     "Pelatihan Kepemimpinan Administrator", "333", "11-07-2024", "Pemerintah Kota Malang",
                     nip[:4] + "\u2022" * 11 + nip[-3:]):
        assert expected in html, expected
    assert nip not in html
    assert "Budi Santoso" not in html and "Citra Dewi" not in html  # no other people
    assert resp.headers["Cache-Control"] == "no-store"


def test_a_bad_code_and_a_code_of_another_region_are_the_same_plain_404(malang, serang, pka, anon_client):
    issue(malang, pka["cohort"]["id"])
    code = certs_of(malang, pka["cohort"]["id"])[0]["code"]
    for url in (f"/t/kab-serang/verifikasi/{code}", "/t/kota-malang/verifikasi/bukan-kode-yang-ada-xx",
                f"/t/kota-malang/verifikasi/{code[:-1]}", "/t/kota-malang/verifikasi/" + "x" * 200):
        resp = anon_client.get(url)
        assert resp.status_code == 404, url
        assert "Sertifikat tidak ditemukan" in resp.get_data(as_text=True)
        assert "Ahmad" not in resp.get_data(as_text=True)


def test_a_corrected_result_replaces_the_certificate_and_the_old_code_says_so(malang, pka, anon_client):
    issue(malang, pka["cohort"]["id"])
    old = next(c for c in certs_of(malang, pka["cohort"]["id"]) if c["participant_name"] == "Budi Santoso")
    with tenant_context(malang):  # the result is corrected (as reconciliation does): JP and number change
        db.session.execute(sa.update(Enrolment).where(Enrolment.id == old["enrolment_id"]).values(
            jp_earned=300, certificate_number="893/002-R/PKA-II/BKPSDM/2024"))
        db.session.commit()
    assert issue(malang, pka["cohort"]["id"])["replaced"] == 1
    new = next(c for c in certs_of(malang, pka["cohort"]["id"]) if c["participant_name"] == "Budi Santoso")
    assert new["code"] != old["code"] and new["jp"] == 300
    html = anon_client.get(f"/t/kota-malang/verifikasi/{old['code']}").get_data(as_text=True)
    assert "telah diganti" in html and new["code"] in html and "893/002-R/PKA-II/BKPSDM/2024" in html
    assert "sah dan berlaku" in anon_client.get(f"/t/kota-malang/verifikasi/{new['code']}").get_data(as_text=True)
    with tenant_context(malang):
        row = db.session.execute(sa.select(Certificate).where(Certificate.code == old["code"])).scalar_one()
        assert (row.status, row.replaced_by_id, row.jp) == ("replaced", new["id"], 333)  # frozen as printed


def test_a_result_change_signal_revokes_the_certificate_of_an_enrolment_no_longer_passed(malang, pka):
    from app.signals import tenant_data_changed

    issue(malang, pka["cohort"]["id"])
    cert = certs_of(malang, pka["cohort"]["id"])[0]
    with tenant_context(malang):
        db.session.execute(sa.text("DELETE FROM jp_entries WHERE enrolment_id = :id"), {"id": cert["enrolment_id"]})
        db.session.execute(sa.update(Enrolment).where(Enrolment.id == cert["enrolment_id"]).values(
            status="failed", certificate_number=None, certificate_date=None, jp_earned=None))
        tenant_data_changed.send(None, reason="reconciliation")
        db.session.commit()
        assert db.session.get(Certificate, cert["id"]).status == "revoked"


def test_where_the_partner_issues_the_sttpp_theirs_is_recorded_and_no_pdf_is_made(malang, pka):
    with tenant_context(malang):
        program_id = db.session.execute(sa.text("SELECT program_id FROM cohorts WHERE id = :c"),
                                        {"c": pka["cohort"]["id"]}).scalar_one()
        issuing.set_issuer(program_id, "partner")
        db.session.commit()
    assert issue(malang, pka["cohort"]["id"])["partner"] == 3
    cert = certs_of(malang, pka["cohort"]["id"])[0]
    assert cert["issuer"] == "partner" and not cert["has_pdf"] and cert["number"].startswith("893/")
    with tenant_context(malang), pytest.raises(Exception, match="diterbitkan oleh"):
        documents.pdf_of(db.session.get(Certificate, cert["id"]))


def test_the_logo_is_checked_by_content(malang, pka):
    with tenant_context(malang):
        assert templates.check_logo(PNG) == "image/png"
        too_big = b"x" * (templates.MAX_LOGO_BYTES + 1)
        for bad in (b"%PDF-1.4 not an image", b"GIF89a" + b"\x00" * 20, PNG[:30], too_big):
            with pytest.raises(Exception) as info:
                templates.check_logo(bad)
            assert getattr(info.value, "status", None) == 422


def test_staff_issue_all_and_download_the_cohort_zip_with_one_pdf_each(malang, pka, anon_client, make_user):
    admin = make_user(malang, "admin")
    page_login(anon_client, "kota-malang", admin["username"])
    page = f"/t/kota-malang/angkatan/{pka['cohort']['id']}/sertifikat"
    resp = anon_client.post(page, data={"csrf_token": csrf_of(anon_client, page)})
    assert resp.status_code == 303
    listing = anon_client.get(resp.headers["Location"]).get_data(as_text=True)
    assert "Diterbitkan 3" in listing and "Ahmad Fauzi" in listing
    zipped = anon_client.post(f"{page}/zip", data={"csrf_token": csrf_of(anon_client, page)})
    assert zipped.status_code == 200 and zipped.mimetype == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(zipped.data))
    names = sorted(archive.namelist())
    assert len(names) == 3 and all(n.startswith("STTPP-") and n.endswith(".pdf") for n in names)
    texts = [pdf_text(archive.read(n)) for n in names]
    assert {"Ahmad Fauzi", "Budi Santoso", "Citra Dewi"} == {n for n in ("Ahmad Fauzi", "Budi Santoso", "Citra Dewi")
                                                             if any(n in t for t in texts)}
    again = anon_client.post(f"{page}/zip", data={"csrf_token": csrf_of(anon_client, page)})
    assert again.data == zipped.data  # the same archive for the same certificates
    codes_csv = anon_client.get(f"/t/kota-malang/api/v1/reports/cohorts/{pka['cohort']['id']}/roster?format=csv")
    assert codes_csv.status_code == 200
    text = codes_csv.get_data(as_text=True)
    codes_csv.close()
    assert "Kode verifikasi STTPP" in text
    for c in certs_of(malang, pka["cohort"]["id"]):
        assert c["code"] in text


@pytest.mark.committed
def test_a_large_cohorts_zip_is_built_by_the_worker_with_progress(malang, pka, anon_client, make_user, run_worker):
    issue(malang, pka["cohort"]["id"])
    operator = make_user(malang, "operator")
    page_login(anon_client, "kota-malang", operator["username"])
    page = f"/t/kota-malang/angkatan/{pka['cohort']['id']}/sertifikat"
    resp = anon_client.post(f"{page}/zip", data={"csrf_token": csrf_of(anon_client, page), "background": "1"})
    assert resp.status_code == 303
    progress_url = resp.headers["Location"]
    waiting = anon_client.get(progress_url).get_data(as_text=True)
    assert 'http-equiv="refresh"' in waiting and "zip-progress" in waiting
    run_worker()
    done = anon_client.get(progress_url).get_data(as_text=True)
    link = re.search(r'id="zip-ready" href="([^"]+)"', done).group(1)
    download = anon_client.get(link)
    archive = zipfile.ZipFile(io.BytesIO(download.data))
    download.close()
    assert len(archive.namelist()) == 3
    assert anon_client.get(link.replace(link.rsplit("/", 1)[1], "0" * 32 + ".zip")).status_code == 404


def test_a_person_sees_and_downloads_their_own_certificates_and_never_anothers(app, malang, pka, make_user):
    issue(malang, pka["cohort"]["id"])
    ahmad, budi = pka["people"][0], pka["people"][1]
    user = make_user(malang, "employee", nip=ahmad["nip"], password=None)
    token = create_token(malang, user["id"], "employee")
    headers = {"Authorization": f"Bearer {token}"}
    client = app.test_client(use_cookies=False)
    mine = client.get("/t/kota-malang/api/v1/me/certificates", headers=headers).get_json()
    assert mine["total"] == 1 and mine["items"][0]["participant_name"] == "Ahmad Fauzi"
    assert mine["items"][0]["verify_url"].endswith(f"/t/kota-malang/verifikasi/{mine['items'][0]['code']}")
    own = client.get(f"/t/kota-malang/api/v1/me/certificates/{mine['items'][0]['id']}/pdf", headers=headers)
    assert own.status_code == 200 and "Ahmad Fauzi" in pdf_text(own.data)
    budis = next(c for c in certs_of(malang, pka["cohort"]["id"]) if c["participant_name"] == budi["name"])
    refused = client.get(f"/t/kota-malang/api/v1/me/certificates/{budis['id']}/pdf", headers=headers)
    assert refused.status_code == 404


def test_the_saya_page_lists_ones_own_certificates(malang, pka, anon_client, make_user):
    issue(malang, pka["cohort"]["id"])
    ahmad = pka["people"][0]
    user = make_user(malang, "employee", nip=ahmad["nip"])
    page_login(anon_client, "kota-malang", user["username"])
    html = anon_client.get("/t/kota-malang/saya/sertifikat").get_data(as_text=True)
    assert "Pelatihan Kepemimpinan Administrator" in html and "Budi" not in html
    cid = re.search(r"/saya/sertifikat/(\d+)\.pdf", html).group(1)
    assert anon_client.get(f"/t/kota-malang/saya/sertifikat/{cid}.pdf").mimetype == "application/pdf"
    budis = next(c for c in certs_of(malang, pka["cohort"]["id"]) if c["participant_name"] == "Budi Santoso")
    assert anon_client.get(f"/t/kota-malang/saya/sertifikat/{budis['id']}.pdf").status_code == 404


def test_the_admin_edits_the_template_uploads_a_logo_and_previews(malang, anon_client, make_user):
    admin = make_user(malang, "admin")
    page_login(anon_client, "kota-malang", admin["username"])
    form = "/t/kota-malang/sertifikat/templat"
    data = {"csrf_token": csrf_of(anon_client, form), "region_name": "Pemerintah Kota Malang",
            "agency_name": "BKPSDM Kota Malang", "heading": "STTPP", "wording": "telah lulus",
            "place": "Malang", "signatory_name": "Dra. Siti", "signatory_nip": "123",
            "signatory_position": "Kepala BKPSDM"}
    bad = anon_client.post(form, data=data)
    assert bad.status_code == 422 and "NIP harus 18 angka" in bad.get_data(as_text=True)
    data["signatory_nip"] = "196805121993032004"
    assert anon_client.post(form, data=data).status_code == 303
    renamed = anon_client.post(f"{form}/logo", data={"csrf_token": csrf_of(anon_client, form),
                                                     "logo": (io.BytesIO(b"%PDF-1.4 fake"), "logo.png")},
                               content_type="multipart/form-data")
    assert renamed.status_code == 422
    ok = anon_client.post(f"{form}/logo", data={"csrf_token": csrf_of(anon_client, form),
                                                "logo": (io.BytesIO(PNG), "logo.png")},
                          content_type="multipart/form-data")
    assert ok.status_code == 303
    preview = anon_client.get(f"{form}/contoh.pdf")
    text = pdf_text(preview.data)
    assert "CONTOH" in text and "Dra. Siti" in text and "NIP 196805121993032004" in text
    assert "/Image" in str(PdfReader(io.BytesIO(preview.data)).pages[0]["/Resources"].get("/XObject", {})) or \
        PdfReader(io.BytesIO(preview.data)).pages[0]["/Resources"].get("/XObject")

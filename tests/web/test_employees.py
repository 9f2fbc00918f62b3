"""Employee pages: search and filter, a person's page, add and edit forms, role and OPD-scope rules."""

from __future__ import annotations

import sqlalchemy as sa

from app.extensions import db
from app.models.audit import AuditEntry
from app.tenancy import tenant_context
from tests.fixtures.factories import add_jp, fresh_nip, make_cohort, make_employee, make_enrolment, make_opd
from tests.web.conftest import text_of


def test_staff_search_by_name_or_nip_and_filter_by_opd(browser_for, malang):
    health, school = make_opd(malang, "Dinas Kesehatan"), make_opd(malang, "Dinas Pendidikan")
    siti = make_employee(malang, opd_id=health["id"], name="Siti Rahayu", gender="P")
    budi = make_employee(malang, opd_id=school["id"], name="Budi Santoso")
    viewer = browser_for(malang, "viewer")
    by_name = viewer.get("/pegawai?q=rahayu").text
    assert siti["nip"] in by_name and budi["nip"] not in by_name
    by_nip = viewer.get(f"/pegawai?q={budi['nip'][:14]}").text
    assert budi["nip"] in by_nip and siti["nip"] not in by_nip
    by_opd = viewer.get(f"/pegawai?opd_id={school['id']}").text
    assert budi["nip"] in by_opd and siti["nip"] not in by_opd


def test_a_bad_filter_is_named_next_to_its_field_in_indonesian(browser_for, malang):
    page = browser_for(malang, "viewer").get("/pegawai?employee_type=HONORER")
    assert page.status_code == 200
    assert 'id="employee_type-error"' in page.text and "Harus salah satu dari" in page.text


def test_the_list_is_paged(browser_for, malang):
    for _ in range(27):
        make_employee(malang)
    admin = browser_for(malang, "admin")
    first = text_of(admin.get("/pegawai").text)
    assert "1–25 dari 27" in first and "Berikutnya" in first
    assert "26–27 dari 27" in text_of(admin.get("/pegawai?offset=25").text)


def test_a_persons_page_shows_trainings_jp_per_year_and_certificates(browser_for, malang):
    person = make_employee(malang, name="Rina Wulandari", gender="P")
    cohort = make_cohort(malang, year=2024)
    make_enrolment(malang, cohort["id"], person["id"], status="passed", certificate_number="STTPP/OLD/1")
    add_jp(malang, person["id"], 24, year=2023, certificate="MOOC/2023/77", title="MOOC Literasi Digital")
    text = text_of(browser_for(malang, "viewer").get(f"/pegawai/{person['nip']}").text)
    assert "Rina Wulandari" in text
    assert "2023 24" in text and "memenuhi" in text  # JP per year against 20
    assert "STTPP/OLD/1" in text and "MOOC/2023/77" in text  # certificates from a cohort and outside one
    assert f"PKA Angkatan {_roman(cohort['number'])} 2024" in text


def _roman(n: int) -> str:
    from app.services.cohorts.schedule import to_roman

    return to_roman(n)


def test_a_viewer_sees_no_edit_buttons_and_cannot_post(browser_for, malang):
    person = make_employee(malang)
    viewer = browser_for(malang, "viewer")
    assert "Tambah pegawai" not in viewer.get("/pegawai").text
    assert "Ubah data" not in viewer.get(f"/pegawai/{person['nip']}").text
    assert viewer.get("/pegawai/baru").status_code == 403
    assert viewer.post(f"/pegawai/{person['nip']}/ubah", {"name": "Diubah"}).status_code == 403


def test_a_scoped_operator_never_sees_another_opds_people(browser_for, malang):
    mine, other = make_opd(malang, "Kecamatan Lowokwaru"), make_opd(malang, "Kecamatan Sukun")
    ours, theirs = make_employee(malang, opd_id=mine["id"]), make_employee(malang, opd_id=other["id"])
    operator = browser_for(malang, "operator", opd_ids=[mine["id"]])
    listing = operator.get("/pegawai").text
    assert ours["nip"] in listing and theirs["nip"] not in listing
    assert "Kecamatan Sukun" not in listing  # not even in the OPD filter
    assert operator.get(f"/pegawai/{theirs['nip']}").status_code == 404
    assert operator.get(f"/pegawai/{theirs['nip']}/ubah").status_code == 404
    assert operator.post(f"/pegawai/{theirs['nip']}/ubah", {"name": "Diubah"}).status_code == 404


def test_adding_an_employee_shows_field_errors_in_indonesian(browser_for, malang):
    admin = browser_for(malang, "admin")
    resp = admin.post("/pegawai/baru", {"nip": "123", "name": "", "gender": "L", "employee_type": "PNS"})
    assert resp.status_code == 422
    assert 'id="name-error"' in resp.text and "Wajib diisi." in resp.text
    assert 'value="123"' in resp.text  # what was typed is kept
    bad_nip = admin.post("/pegawai/baru", {"nip": "123", "name": "Nama Lengkap", "gender": "L", "employee_type": "PNS"})
    assert bad_nip.status_code == 422 and 'id="nip-error"' in bad_nip.text and "18" in bad_nip.text


def test_adding_and_editing_an_employee_is_audited(browser_for, malang):
    opd = make_opd(malang, "Bappeda")
    admin = browser_for(malang, "admin")
    nip = fresh_nip("P")
    created = admin.post("/pegawai/baru", {"nip": nip, "name": "Dewi Lestari", "gender": "P",
                                           "employee_type": "PPPK", "golongan": "IX", "opd_id": str(opd["id"])})
    assert created.status_code == 303 and created.headers["Location"].endswith(f"/pegawai/{nip}")
    edit = admin.get(f"/pegawai/{nip}/ubah")
    assert 'value="Dewi Lestari"' in edit.text
    saved = admin.post(f"/pegawai/{nip}/ubah", {"name": "Dewi Lestari Putri", "golongan": "X", "active": "true"})
    assert saved.status_code == 303
    assert "Dewi Lestari Putri" in admin.get(f"/pegawai/{nip}").text
    with tenant_context(malang):
        actions = db.session.execute(sa.select(AuditEntry.action, AuditEntry.actor)
                                     .where(AuditEntry.entity == "employees").order_by(AuditEntry.id)).all()
    assert [a for a, _ in actions] == ["employee.create", "employee.update"]
    assert {actor for _, actor in actions} == {admin.user["username"]}


def test_an_edit_with_a_wrong_gender_for_the_nip_is_refused_next_to_the_field(browser_for, malang):
    person = make_employee(malang, gender="L")
    resp = browser_for(malang, "operator").post(f"/pegawai/{person['nip']}/ubah", {"gender": "P"})
    assert resp.status_code == 422 and 'id="gender-error"' in resp.text and "tidak sesuai dengan NIP" in resp.text


def test_a_form_without_its_csrf_token_is_refused(browser_for, malang):
    person = make_employee(malang)
    resp = browser_for(malang, "admin").post(f"/pegawai/{person['nip']}/ubah", {"name": "Tanpa Token"}, csrf=False)
    assert resp.status_code == 403


def test_an_employee_sees_their_own_record_and_no_one_elses(browser_for, malang):
    me, other = make_employee(malang, name="Agus Salim"), make_employee(malang)
    add_jp(malang, me["id"], 8, year=2024)
    employee = browser_for(malang, "employee", nip=me["nip"])
    own = text_of(employee.get("/saya").text)
    assert "Data saya: Agus Salim" in own and "2024 8" in own
    assert employee.get(f"/pegawai/{other['nip']}").status_code == 403
    assert employee.get("/pegawai").status_code == 403


def test_staff_add_certified_jp_outside_a_cohort_with_errors_next_to_fields(browser_for, malang):
    person = make_employee(malang)
    operator = browser_for(malang, "operator")
    bad = operator.post(f"/pegawai/{person['nip']}/jp", {"title": "MOOC Literasi Digital", "jp": "nol",
                                                        "completed_on": "2024-02-30"})
    assert bad.status_code == 422
    assert 'id="jp-error"' in bad.text and "Harus berupa bilangan bulat." in bad.text
    assert 'id="completed_on-error"' in bad.text and 'id="certificate_number-error"' in bad.text
    ok = operator.post(f"/pegawai/{person['nip']}/jp", {"title": "MOOC Literasi Digital", "jp": "12",
                                                       "completed_on": "2024-02-20", "certificate_number": "MOOC/1",
                                                       "source": "elearning"})
    assert ok.status_code == 303
    text = text_of(operator.get(f"/pegawai/{person['nip']}").text)
    assert "12 JP dari" in text and "MOOC/1" in text and "2024 12" in text
    again = operator.post(f"/pegawai/{person['nip']}/jp", {"title": "MOOC Literasi Digital", "jp": "12",
                                                          "completed_on": "2024-02-20", "certificate_number": "MOOC/1"})
    assert again.status_code == 409 and "sertifikat sudah tercatat" in again.text
    assert browser_for(malang, "viewer").post(f"/pegawai/{person['nip']}/jp", {"jp": "1"}).status_code == 403

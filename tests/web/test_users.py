"""User pages (admins only): list, invite with a one-time link shown once, edit role and scope, disable and
enable, reset password, sessions."""

from __future__ import annotations

import re

from tests.fixtures.auth import create_user
from tests.fixtures.factories import make_opd
from tests.web.conftest import text_of


def test_only_admins_open_the_user_pages(browser_for, malang):
    for role in ("operator", "viewer"):
        b = browser_for(malang, role)
        assert b.get("/pengguna").status_code == 403
        assert b.post("/pengguna/undang", {"username": "siapa", "full_name": "X", "role": "viewer"}).status_code == 403


def test_the_list_shows_users_with_role_and_scope(browser_for, malang):
    opd = make_opd(malang, "Dinas Sosial")
    create_user(malang, "operator", username="op.sosial", opd_ids=[opd["id"]])
    text = text_of(browser_for(malang, "admin").get("/pengguna?q=sosial").text)
    assert "op.sosial" in text and "Operator" in text and "Dinas Sosial" in text


def test_inviting_shows_the_link_once_and_the_link_sets_a_password(browser_for, malang, app):
    admin = browser_for(malang, "admin")
    resp = admin.post("/pengguna/undang", {"username": "rudi.h", "full_name": "Rudi Hartono", "role": "viewer"})
    assert resp.status_code == 200 and "hanya ditampilkan" in resp.text
    link = re.search(r'<code id="set-password-link">[^<]*(/t/kota-malang/set-password/[^<]+)</code>', resp.text)
    assert link
    user_page = admin.get("/pengguna?q=rudi")
    assert "menunggu sandi" in user_page.text and link.group(1) not in user_page.text  # never shown again
    anon = app.test_client()
    assert anon.get(link.group(1)).status_code == 200


def test_invite_errors_are_next_to_their_fields_in_indonesian(browser_for, malang):
    admin = browser_for(malang, "admin")
    resp = admin.post("/pengguna/undang", {"username": "A B", "full_name": "", "role": "employee"})
    assert resp.status_code == 422
    assert 'id="username-error"' in resp.text and "huruf kecil" in resp.text
    assert 'id="full_name-error"' in resp.text and "Wajib diisi." in resp.text
    needs_nip = admin.post("/pengguna/undang", {"username": "pegawai.a", "full_name": "Pegawai A", "role": "employee"})
    assert needs_nip.status_code == 422 and 'id="nip-error"' in needs_nip.text and "NIP wajib" in needs_nip.text
    taken = admin.post("/pengguna/undang", {"username": admin.user["username"], "full_name": "Dua", "role": "viewer"})
    assert taken.status_code == 409 and "nama pengguna sudah dipakai" in taken.text


def test_editing_role_and_opd_scope(browser_for, malang):
    opd = make_opd(malang, "Kecamatan Kedungkandang")
    target = create_user(malang, "viewer", username="calon.operator")
    admin = browser_for(malang, "admin")
    saved = admin.post(f"/pengguna/{target['id']}", {"full_name": "Calon Operator", "role": "operator",
                                                     "opd_ids": str(opd["id"])})
    assert saved.status_code == 303
    page = admin.get(f"/pengguna/{target['id']}").text
    assert "Operator" in page and f'value="{opd["id"]}" checked' in page and "Perubahan tersimpan" in page
    refused = admin.post(f"/pengguna/{target['id']}", {"full_name": "Calon Operator", "role": "viewer",
                                                       "opd_ids": str(opd["id"])})
    assert refused.status_code == 422 and 'id="opd_ids-error"' in refused.text and "hanya operator" in refused.text


def test_disable_enable_reset_and_sessions(browser_for, malang):
    other = browser_for(malang, "viewer")  # has a live session
    admin = browser_for(malang, "admin")
    uid = other.user["id"]
    assert "Akhiri semua sesi" in admin.get(f"/pengguna/{uid}").text
    reset = admin.post(f"/pengguna/{uid}/reset-sandi")
    assert reset.status_code == 200 and "/set-password/" in reset.text
    assert admin.post(f"/pengguna/{uid}/nonaktifkan").status_code == 303
    assert other.get("/").status_code == 302  # their session ended with the account
    page = text_of(admin.get(f"/pengguna/{uid}").text)
    assert "dinonaktifkan" in page and "Aktifkan kembali" in page
    refused = admin.post(f"/pengguna/{uid}/reset-sandi")
    assert refused.status_code == 303  # a disabled user gets no link: said on the page
    assert "aktifkan dahulu" in admin.get(f"/pengguna/{uid}").text
    assert admin.post(f"/pengguna/{uid}/aktifkan").status_code == 303
    assert "Nonaktifkan" in admin.get(f"/pengguna/{uid}").text


def test_the_last_admin_cannot_be_demoted_and_is_told_why(browser_for, malang):
    admin = browser_for(malang, "admin")
    resp = admin.post(f"/pengguna/{admin.user['id']}", {"full_name": "Satu-satunya", "role": "viewer"})
    assert resp.status_code == 409 and "setidaknya satu admin aktif" in resp.text


def test_an_admin_cannot_disable_themselves_while_the_other_admin_has_no_password(browser_for, malang):
    admin = browser_for(malang, "admin")
    create_user(malang, "admin", password=None)  # invited, has not set a password: cannot log in
    assert admin.post(f"/pengguna/{admin.user['id']}/nonaktifkan").status_code == 303
    page = admin.get(f"/pengguna/{admin.user['id']}")
    assert page.status_code == 200  # still active, still logged in
    assert "setidaknya satu admin aktif yang dapat masuk" in page.text  # and told why
    demoted = admin.post(f"/pengguna/{admin.user['id']}", {"full_name": "Admin Uji", "role": "viewer"})
    assert demoted.status_code == 409 and "sudah mengatur kata sandinya" in demoted.text


def test_a_user_of_another_region_is_not_found(browser_for, malang, serang):
    stranger = create_user(serang, "viewer")
    assert browser_for(malang, "admin").get(f"/pengguna/{stranger['id'] + 100000}").status_code == 404


def test_user_actions_without_the_csrf_token_are_refused(browser_for, malang):
    target = create_user(malang, "viewer")
    admin = browser_for(malang, "admin")
    assert admin.post(f"/pengguna/{target['id']}/nonaktifkan", csrf=False).status_code == 403
    assert "Nonaktifkan" in admin.get(f"/pengguna/{target['id']}").text  # still active


def test_an_employee_is_refused_every_staff_page(browser_for, malang):
    from tests.fixtures.factories import make_employee

    employee = browser_for(malang, "employee", nip=make_employee(malang)["nip"])
    for path in ("/pengguna", "/audit", "/pegawai", "/laporan", "/impor"):
        assert employee.get(path).status_code == 403, path
    assert employee.get("/saya").status_code == 200

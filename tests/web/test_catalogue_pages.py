"""The catalogue pages (/katalog): programs and partners listed, a program created and edited and a partner added
through the forms (checked in the database), Indonesian errors next to fields, and what each role sees."""

from __future__ import annotations

from tests.web.cohort_helpers import browser_as, has_post_forms, rows


def test_the_catalogue_lists_the_regions_programs_and_partners(app, malang):
    viewer = browser_as(app, malang, "viewer")
    resp = viewer.page("/katalog")
    assert resp.status_code == 200
    assert "Katalog pelatihan" in resp.text and 'id="programs"' in resp.text and 'id="mitra"' in resp.text
    code = rows(malang, "SELECT code FROM programs ORDER BY code LIMIT 1")[0].code
    assert f"<strong>{code}</strong>" in resp.text
    assert 'aria-current="page">Katalog<' in resp.text  # the menu marks where we are


def test_an_operator_creates_a_program_from_the_form(app, malang):
    operator = browser_as(app, malang, "operator")
    assert 'name="program_type"' in operator.page("/katalog/program/baru").text
    partner = rows(malang, "SELECT id FROM partners ORDER BY id LIMIT 1")[0].id
    resp = operator.submit("/katalog/program/baru", {
        "code": " teknis-sakip ", "name": "Pelatihan SAKIP", "program_type": "technical",
        "competency_type": "teknis", "jp": "24", "provider_partner_id": str(partner), "active_shown": "1",
        "active": "1"})
    assert resp.status_code == 303
    saved = rows(malang, "SELECT code, name, jp, provider_partner_id, active FROM programs WHERE code = 'TEKNIS-SAKIP'")
    assert [tuple(r) for r in saved] == [("TEKNIS-SAKIP", "Pelatihan SAKIP", 24, partner, True)]
    assert rows(malang, "SELECT count(*) AS n FROM audit_log WHERE action = 'program.create'")[0].n == 1


def test_program_errors_are_shown_next_to_each_field_in_indonesian(app, malang):
    admin = browser_as(app, malang, "admin")
    resp = admin.submit("/katalog/program/baru", {"code": "x", "name": "", "program_type": "seminar",
                                                  "competency_type": "teknis", "jp": "dua puluh"})
    assert resp.status_code == 422
    assert 'id="code-error"' in resp.text and "kode harus 2-40 huruf besar" in resp.text
    assert 'id="name-error">Wajib diisi.' in resp.text
    assert 'id="jp-error">Harus berupa bilangan bulat.' in resp.text
    assert 'id="program_type-error">Harus salah satu dari:' in resp.text
    assert 'value="dua puluh"' in resp.text  # what was typed comes back
    assert rows(malang, "SELECT count(*) AS n FROM programs WHERE code = 'X'")[0].n == 0


def test_a_duplicate_code_is_refused_next_to_the_code(app, malang):
    admin = browser_as(app, malang, "admin")
    code = rows(malang, "SELECT code FROM programs ORDER BY code LIMIT 1")[0].code
    resp = admin.submit("/katalog/program/baru", {"code": code, "name": "Lagi", "program_type": "technical",
                                                  "competency_type": "teknis", "jp": "10"})
    assert resp.status_code == 409 and 'id="code-error">sudah dipakai' in resp.text


def test_editing_a_program_changes_it_and_an_unticked_box_deactivates_it(app, malang):
    admin = browser_as(app, malang, "admin")
    program = rows(malang, "SELECT id, code, name, program_type, competency_type FROM programs ORDER BY id LIMIT 1")[0]
    form = admin.page(f"/katalog/program/{program.id}/ubah")
    assert form.status_code == 200 and f'value="{program.code}"' in form.text
    resp = admin.submit(f"/katalog/program/{program.id}/ubah", {
        "code": program.code, "name": "Nama Baru Program", "program_type": program.program_type,
        "competency_type": program.competency_type, "jp": "41", "provider_partner_id": "", "active_shown": "1"})
    assert resp.status_code == 303
    after = rows(malang, "SELECT name, jp, active, provider_partner_id FROM programs WHERE id = :id", id=program.id)[0]
    assert tuple(after) == ("Nama Baru Program", 41, False, None)


def test_a_partner_is_added_from_the_catalogue_page(app, malang):
    operator = browser_as(app, malang, "operator")
    resp = operator.submit("/katalog/mitra", {"code": "badiklat-jateng", "name": "Badiklat Jawa Tengah",
                                              "kind": "badiklat"})
    assert resp.status_code == 303 and resp.headers["Location"].endswith("/katalog#mitra")
    assert rows(malang, "SELECT kind FROM partners WHERE code = 'BADIKLAT-JATENG'")[0].kind == "badiklat"
    bad = operator.submit("/katalog/mitra", {"code": "badiklat-jateng", "name": "B", "kind": "kampus"})
    assert bad.status_code == 422
    assert 'id="name-error">Panjang harus 2 sampai 200 karakter.' in bad.text
    assert 'id="kind-error">Harus salah satu dari:' in bad.text


def test_a_viewer_sees_no_edit_buttons_and_may_not_post(app, malang):
    viewer = browser_as(app, malang, "viewer")
    page = viewer.page("/katalog")
    assert "Program baru" not in page.text and "Tambah mitra" not in page.text and "/ubah" not in page.text
    assert not has_post_forms(page.text)
    assert viewer.page("/katalog/program/baru").status_code == 403
    refused = viewer.submit("/katalog/mitra", {"code": "LAN-X", "name": "LAN X", "kind": "lan"})
    assert refused.status_code == 403
    assert rows(malang, "SELECT count(*) AS n FROM partners WHERE code = 'LAN-X'")[0].n == 0


def test_an_employee_cannot_open_the_catalogue(app, malang):
    assert browser_as(app, malang, "employee").page("/katalog").status_code == 403


def test_a_form_without_its_csrf_token_is_refused(app, malang):
    admin = browser_as(app, malang, "admin")
    resp = admin.submit("/katalog/mitra", {"code": "LAN-Y", "name": "LAN Y", "kind": "lan"}, csrf=False)
    assert resp.status_code == 403
    assert rows(malang, "SELECT count(*) AS n FROM partners WHERE code = 'LAN-Y'")[0].n == 0

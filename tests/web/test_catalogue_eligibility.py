"""The catalogue's program form edits the program's eligibility rules."""

from __future__ import annotations

import sqlalchemy as sa

from app.extensions import db
from app.tenancy import tenant_context


def test_the_program_form_edits_the_eligibility_rules(malang, browser_for):
    with tenant_context(malang):
        pka = db.session.execute(sa.text("SELECT id, code, name, program_type, competency_type, jp FROM programs "
                                         "WHERE code = 'PKA'")).one()
    admin = browser_for(malang, "admin")
    form = admin.get(f"/katalog/program/{pka.id}/ubah").get_data(as_text=True)
    assert "Syarat peserta" in form and 'name="eligible_jabatan_kinds"' in form and "III/c" in form
    resp = admin.client.post(f"/t/{malang.slug}/katalog/program/{pka.id}/ubah", data={
        "csrf_token": admin.csrf, "code": pka.code, "name": pka.name, "program_type": pka.program_type,
        "competency_type": pka.competency_type, "jp": str(pka.jp), "active_shown": "1", "active": "1",
        "eligibility_shown": "1", "eligible_jabatan_kinds": ["administrator", "pengawas"],
        "eligible_employee_types": ["PNS"], "min_golongan": "III/c", "not_if_passed": "1"})
    assert resp.status_code == 303, resp.get_data(as_text=True)
    with tenant_context(malang):
        rules = db.session.execute(sa.text("SELECT eligible_jabatan_kinds, eligible_employee_types, min_golongan, "
                                           "not_if_passed FROM programs WHERE id = :i"), {"i": pka.id}).one()
    assert tuple(rules) == (["administrator", "pengawas"], ["PNS"], "III/c", True)
    again = admin.get(f"/katalog/program/{pka.id}/ubah").get_data(as_text=True)
    assert 'value="administrator" checked' in again and '<option value="III/c" selected' in again

"""A region with a closed needs round comes back whole from its export: the trigger that freezes a closed round's
needs lets the restore put them back (and only the restore), and refuses again afterwards."""

from __future__ import annotations

import sqlalchemy as sa

from app.extensions import db
from app.services.admin.bundles import tenant_fingerprints
from app.tenancy import tenant_context
from tests.admin.conftest import api, fill, made, region_body, vendor  # noqa: F401 - the admin API's fixtures
from tests.admin.test_exports import export_now


def test_a_closed_round_survives_export_and_restore(app, api, made, run_worker):  # noqa: F811
    made.append("kab-uji-rencana")
    api.post("/tenants", json=region_body("kab-uji-rencana"))
    fill("kab-uji-rencana", people=3)
    with tenant_context("kab-uji-rencana"):
        opd_id, emp_id = db.session.execute(sa.text("SELECT opd_id, id FROM employees ORDER BY id LIMIT 1")).one()
        program = db.session.execute(sa.text("SELECT id FROM programs WHERE code = 'PKP'")).scalar_one()
        round_id = db.session.execute(sa.text(
            "INSERT INTO needs_rounds (year, status, deadline) VALUES (2025, 'open', '2025-03-31') RETURNING id")
        ).scalar_one()
        db.session.execute(sa.text(
            "INSERT INTO needs (round_id, opd_id, employee_id, people, gap, kind, program_id, priority, reason, "
            "status, source) VALUES (:r, :o, :e, 1, 'Kepemimpinan', 'manajerial', :p, 1, 'Pengawas baru', "
            "'verified', 'form')"), {"r": round_id, "o": opd_id, "e": emp_id, "p": program})
        db.session.execute(sa.text("UPDATE needs_rounds SET status = 'closed', closed_at = now() WHERE id = :r"),
                           {"r": round_id})
        db.session.commit()
    api.post("/tenants/kab-uji-rencana/archive")
    before = tenant_fingerprints("kab-uji-rencana")
    assert before["needs"]["rows"] == 1
    export = export_now(api, "kab-uji-rencana", run_worker)
    api.delete("/tenants/kab-uji-rencana", json={"confirm": "kab-uji-rencana"})
    resp = api.post("/tenants", json={"restore_from": export["id"]})
    assert resp.status_code == 201, resp.get_json()
    assert tenant_fingerprints("kab-uji-rencana") == before
    with tenant_context("kab-uji-rencana"):
        try:
            db.session.execute(sa.text("UPDATE needs SET gap = 'lain'"))
            db.session.flush()
            refused = None
        except sa.exc.IntegrityError as exc:
            refused = str(exc.orig)
        db.session.rollback()
    assert refused is not None and "ck_needs_round_open" in refused

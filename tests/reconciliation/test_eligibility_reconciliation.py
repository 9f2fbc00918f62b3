"""Taking a partner-only row enrols someone only if the program's eligibility rules allow; else the row stays open
with the rule's name."""

from __future__ import annotations

import sqlalchemy as sa

from app.extensions import db
from app.services.demo import malang_pka
from app.tenancy import tenant_context
from tests.reconciliation.conftest import all_rows, cohort_id, get_run, seed_demo, upload

SAMPLE = malang_pka.REPORT_CSV.encode()


def test_a_partner_only_person_the_program_refuses_is_not_enrolled(client, malang, run_worker):
    seed_demo()
    with tenant_context("kota-malang"):
        db.session.execute(sa.text("UPDATE programs SET eligible_jabatan_kinds = ARRAY['administrator'] "
                                   "WHERE code = 'PKA'"))
        db.session.execute(sa.text("UPDATE employees SET jabatan_kind = 'pelaksana' WHERE nip = :n"),
                           {"n": malang_pka.OTHER_COHORT_NIP})
        db.session.commit()
    pka = cohort_id("kota-malang", "PKA", 2024, 2)
    run_id = upload(client, "kota-malang", SAMPLE, partner="BPSDM-JATIM", cohort_id=pka).get_json()["id"]
    run_worker()
    resp = client.post(f"/t/kota-malang/api/v1/reconciliations/{run_id}/apply",
                       json={"classes": {"partner_only": "partner"}})
    assert resp.status_code == 202
    run_worker()
    rows = {r["nip"]: r for r in all_rows(client, "kota-malang", run_id, "partner_only")}
    assert "tidak memenuhi syarat program: jenis jabatan" in rows[malang_pka.OTHER_COHORT_NIP]["outcome"]
    assert get_run(client, "kota-malang", run_id)["details"]["last_apply"]["blocked"] == 1
    with tenant_context("kota-malang"):
        assert db.session.execute(sa.text(
            "SELECT count(*) FROM enrolments n JOIN employees e ON e.id = n.employee_id "
            "WHERE e.nip = :n AND n.cohort_id = :c"), {"n": malang_pka.OTHER_COHORT_NIP, "c": pka}).scalar_one() == 0

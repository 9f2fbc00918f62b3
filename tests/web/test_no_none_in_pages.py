"""With the demo data (which now obeys the database invariants), the cohort and person pages never print None."""

from __future__ import annotations

import sqlalchemy as sa

from app.extensions import db
from app.services.demo import malang_pka
from app.tenancy import tenant_context
from tests.reconciliation.conftest import cohort_id, seed_demo


def test_the_pka_ii_2024_pages_and_a_persons_page_print_no_none(malang, browser_for):
    seed_demo()
    pka = cohort_id("kota-malang", "PKA", 2024, 2)
    viewer = browser_for(malang, "viewer")
    for path in (f"/angkatan/{pka}", f"/angkatan/{pka}/peserta", f"/angkatan/{pka}/hasil",
                 f"/pegawai/{malang_pka.JP_333_LOCALLY}", f"/pegawai/{malang_pka.CERTIFICATE_ONLY_LOCAL}"):
        page = viewer.get(path)
        html = page.get_data(as_text=True)
        assert page.status_code == 200, path
        assert ">None<" not in html and " None " not in html and "None</" not in html, path
    with tenant_context(malang):
        assert db.session.execute(sa.text(
            "SELECT count(*) FROM enrolments WHERE status = 'passed' AND certificate_number IS NULL")).scalar_one() == 0

"""The cohort page and the dashboard show the reconciliation state: last report, when, open differences."""

import sqlalchemy as sa

from app.extensions import db
from app.services.demo import malang_pka
from app.tenancy import tenant_context
from tests.reconciliation.conftest import cohort_id, seed_demo, upload


def _any_opd(tenant) -> int:
    with tenant_context(tenant):
        return db.session.execute(sa.text("SELECT min(id) FROM opds")).scalar_one()


def test_the_cohort_page_and_the_dashboard_show_the_reconciliation_state(malang, client, run_worker, browser_for):
    seed_demo()
    pka = cohort_id("kota-malang", "PKA", 2024, 2)
    viewer = browser_for(malang, "viewer")
    empty = viewer.get(f"/angkatan/{pka}").get_data(as_text=True)
    assert "Belum ada laporan" in empty and "Unggah laporan mitra" not in empty  # a viewer may not upload

    upload(client, "kota-malang", malang_pka.REPORT_CSV.encode(), partner="BPSDM-JATIM", cohort_id=pka)
    run_worker()
    admin = browser_for(malang, "admin")
    html = admin.get(f"/angkatan/{pka}").get_data(as_text=True)
    assert "Perbedaan terbuka" in html and "<strong>7</strong>" in html and "BPSDM Provinsi Jawa Timur" in html
    assert "Unggah laporan mitra" in html
    home = admin.get("/").get_data(as_text=True)
    assert "perbedaan rekonsiliasi terbuka" in home and "/rekonsiliasi" in home

    scoped = browser_for(malang, "operator", opd_ids=[_any_opd(malang)])  # reports span every OPD: not theirs
    assert "Rekonsiliasi laporan mitra" not in scoped.get(f"/angkatan/{pka}").get_data(as_text=True)
    assert "perbedaan rekonsiliasi" not in scoped.get("/").get_data(as_text=True)

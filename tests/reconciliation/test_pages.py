"""The reconciliation pages: upload from a form, watch the run, open a class, decide and apply from the page."""

from __future__ import annotations

import io
import re

from app.services.demo import malang_pka
from tests.fixtures.auth import login
from tests.reconciliation.conftest import cohort_id, count, seed_demo


def test_an_operator_reconciles_the_sample_from_the_pages_and_applies_a_class(anon_client, malang, make_user,
                                                                              run_worker):
    seed_demo()
    pka = cohort_id("kota-malang", "PKA", 2024, 2)
    user = make_user(malang, "operator")
    csrf = login(anon_client, "kota-malang", user["username"]).get_json()["csrf_token"]
    form = anon_client.get(f"/t/kota-malang/rekonsiliasi/baru?cohort_id={pka}")
    assert form.status_code == 200 and "BPSDM-JATIM" in form.text and "PKA Angkatan II 2024" in form.text

    resp = anon_client.post("/t/kota-malang/rekonsiliasi/baru", content_type="multipart/form-data",
                            data={"csrf_token": csrf, "partner": "BPSDM-JATIM", "cohort_id": str(pka),
                                  "file": (io.BytesIO(malang_pka.REPORT_CSV.encode()), "laporan.csv")})
    assert resp.status_code == 303, resp.text
    page_url = resp.headers["Location"]
    assert "Menunggu antrean" in anon_client.get(page_url).text
    run_worker()
    done = anon_client.get(page_url).text
    assert "Selesai dicocokkan" in done and "Status berbeda" in done and "format=xlsx" in done

    for name, expected in (("invalid", "nip_start_before_age_15"), ("duplicate", "mengulang baris 6"),
                           ("certificate_missing", "sertifikat tidak ada di laporan mitra"),
                           ("partner_only", "NIP tidak dikenal"), ("local_only", "Hendro Purnomo"),
                           ("consistent", "STTPP/001")):
        shown = anon_client.get(f"{page_url}/kelas/{name}")
        assert shown.status_code == 200 and expected in shown.text, name
    assert anon_client.get(f"{page_url}/kelas/nope").status_code == 404
    klass = anon_client.get(f"{page_url}/kelas/status_differs").text
    assert malang_pka.STILL_ATTENDING in klass and "Ambil nilai mitra" in klass and "Mengikuti" in klass
    row_ids = re.findall(r'name="row-(\d+)"', klass)
    assert len(row_ids) == 2
    resp = anon_client.post(f"{page_url}/kelas/status_differs",
                            data={"csrf_token": csrf, "class_decision": "partner"})
    assert resp.status_code == 303
    run_worker()
    after = anon_client.get(page_url).text
    assert "2 diperbarui" in after
    assert count("kota-malang", "audit_log", "action = 'reconciliation.correct'") == 2

    listing = anon_client.get("/t/kota-malang/rekonsiliasi").text
    assert "PKA Angkatan II 2024" in listing and "Perbedaan yang masih terbuka" in listing


def test_a_form_without_partner_or_file_says_so_next_to_the_fields(anon_client, malang, make_user):
    user = make_user(malang, "admin")
    csrf = login(anon_client, "kota-malang", user["username"]).get_json()["csrf_token"]
    resp = anon_client.post("/t/kota-malang/rekonsiliasi/baru", data={"csrf_token": csrf})
    assert resp.status_code == 422 and 'id="partner-error"' in resp.text
    assert count("kota-malang", "reconciliation_runs") == 0

"""The person's page shows the history of corrections of their results."""

from __future__ import annotations

from datetime import date

from tests.api.enrolment_factories import PKA_PHASES, api, make_cohort, make_employee, make_enrolment


def test_the_persons_page_shows_the_history_of_corrections(client, malang, browser_for):
    cohort = make_cohort(malang, start_date=date(2024, 3, 9), end_date=date(2024, 7, 11), phases=PKA_PHASES)
    person = make_employee(malang, name="Gita Wulandari")
    enrolment = make_enrolment(malang, cohort["id"], person["id"], status="passed",
                               certificate_number="STTPP/001/PKA-II/BPSDM/2024")
    resp = client.patch(api(malang, f"/enrolments/{enrolment['id']}"),
                        json={"reason": "Nomor STTPP salah ketik", "certificate_number": "STTPP/099/PKA-II/2024"})
    assert resp.status_code == 200, resp.json
    page = browser_for(malang, "viewer").get(f"/pegawai/{person['nip']}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Riwayat koreksi" in html and "Nomor STTPP salah ketik" in html
    assert "STTPP/001/PKA-II/BPSDM/2024 → STTPP/099/PKA-II/2024" in html
    assert "None" not in html

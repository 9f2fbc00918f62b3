"""In a real browser: an admin issues PKA Angkatan II 2024's STTPPs, downloads the cohort's ZIP with their
session, one PDF's text holds the fields; a second, anonymous browser opens the URL the QR code carries and sees
the same fields; after a correction the admin issues again and the old code says it was replaced."""

from __future__ import annotations

import io
import re
import urllib.parse
import urllib.request
import zipfile
from datetime import date

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models.cohorts import Enrolment
from app.tenancy import tenant_context
from tests.api.enrolment_factories import PKA_PHASES, make_cohort, make_employee, make_enrolment, make_opd
from tests.certificates.test_certificates import pdf_text
from tests.e2e import harness

pytestmark = [pytest.mark.e2e, pytest.mark.committed]


def _post_with_session(driver, url: str, data: dict) -> tuple[int, str, bytes]:
    cookie = "; ".join(f"{c['name']}={c['value']}" for c in driver.get_cookies())
    body = urllib.parse.urlencode(data).encode()
    req = urllib.request.Request(url, data=body, headers={"Cookie": cookie})  # noqa: S310 - our live server
    with urllib.request.urlopen(req, timeout=60) as resp:  # noqa: S310
        return resp.status, resp.headers.get("Content-Type", ""), resp.read()


def test_an_admin_issues_a_cohorts_sttpp_and_anyone_verifies_the_qr_url(logged_in, live_server, malang):
    from selenium.webdriver.common.by import By

    opd = make_opd(malang, "Dinas Pendidikan")
    cohort = make_cohort(malang, program_code="PKA", number=2, year=2024, phases=PKA_PHASES)
    names = ("Ahmad Fauzi", "Budi Santoso", "Citra Dewi")
    enrolment_ids = []
    for n, name in enumerate(names, start=1):
        person = make_employee(malang, opd_id=opd["id"], name=name)
        e = make_enrolment(malang, cohort["id"], person["id"], status="passed")
        with tenant_context(malang):
            db.session.execute(sa.update(Enrolment).where(Enrolment.id == e["id"]).values(
                certificate_number=f"893/{n:03d}/PKA-II/BKPSDM/2024", certificate_date=date(2024, 7, 11),
                jp_earned=333))
            db.session.commit()
        enrolment_ids.append(e["id"])

    driver = logged_in(malang, "admin")
    page = f"{live_server}/t/kota-malang/angkatan/{cohort['id']}/sertifikat"
    driver.get(page)
    driver.find_element(By.ID, "issue-all").click()
    result = harness.wait_for(lambda: driver.find_elements(By.ID, "issue-result"))[0].text
    assert "Diterbitkan 3" in result
    assert len(driver.find_elements(By.CSS_SELECTOR, "#certificates tbody tr")) == 3

    token = driver.find_element(By.CSS_SELECTOR, "#download-zip").find_element(
        By.XPATH, "..").find_element(By.NAME, "csrf_token").get_attribute("value")
    status, kind, body = _post_with_session(driver, f"{page}/zip", {"csrf_token": token})
    assert status == 200 and kind == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(body))
    assert len(archive.namelist()) == 3
    ahmad = next(n for n in archive.namelist() if "Ahmad" in n)
    text = pdf_text(archive.read(ahmad))
    for expected in ("PEMERINTAH KOTA MALANG", "Pelatihan Kepemimpinan Administrator", "Angkatan II Tahun 2024",
                     "Ahmad Fauzi", "893/001/PKA-II/BKPSDM/2024", "333 JP"):
        assert expected in text
    url = re.search(r"(http://127\.0\.0\.1:\d+/t/kota-malang/verifikasi/[A-Za-z0-9_-]+)", text).group(1)

    anonymous = harness.new_driver()
    try:
        anonymous.get(url)
        shown = anonymous.find_element(By.ID, "printed").text
        assert "sah dan berlaku" in anonymous.find_element(By.ID, "verdict").text
        for expected in ("Ahmad Fauzi", "893/001/PKA-II/BKPSDM/2024", "Pelatihan Kepemimpinan Administrator",
                         "Angkatan II Tahun 2024", "333", "Pemerintah Kota Malang"):
            assert expected in shown
        assert "Budi" not in anonymous.page_source

        with tenant_context(malang):  # the result is corrected, as a partner report's correction does
            db.session.execute(sa.update(Enrolment).where(Enrolment.id == enrolment_ids[0]).values(
                certificate_number="893/001-R/PKA-II/BKPSDM/2024", jp_earned=300))
            db.session.commit()
        driver.get(page)
        driver.find_element(By.ID, "issue-all").click()
        assert "diganti 1" in harness.wait_for(lambda: driver.find_elements(By.ID, "issue-result"))[0].text

        anonymous.get(url)
        verdict = anonymous.find_element(By.ID, "verdict").text
        assert "telah diganti" in verdict and "893/001-R/PKA-II/BKPSDM/2024" in verdict
        anonymous.find_element(By.ID, "current-link").click()
        assert "sah dan berlaku" in harness.wait_for(lambda: anonymous.find_elements(By.ID, "verdict"))[0].text
        assert "300" in anonymous.find_element(By.ID, "printed").text
    finally:
        anonymous.quit()

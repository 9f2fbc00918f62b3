"""In a real browser: an employee, on a phone-width window, submits the certificate of a webinar they attended;
the operator of their OPD opens the queue, opens the file and verifies it with fewer JP than claimed, with a
note; back on the phone, the employee sees the decision and their JP for the year risen by exactly that."""

from __future__ import annotations

import re

import pytest

from app.domain.dates import today_wib
from tests.e2e import harness
from tests.fixtures.auth import TEST_PASSWORD
from tests.fixtures.factories import add_jp, make_employee, make_opd
from tests.submissions.files import pdf_bytes

pytestmark = [pytest.mark.e2e, pytest.mark.committed]


def _year_total(driver, year: int) -> int:
    """The JP of `year` on one's own record (/saya), 0 when the year has no row yet."""
    from selenium.webdriver.common.by import By

    for row in driver.find_elements(By.CSS_SELECTOR, "table.data tbody tr"):
        cells = row.find_elements(By.TAG_NAME, "td")
        if cells and cells[0].text.strip() == str(year):
            return int(cells[1].text.strip())
    return 0


def _fits_the_window(driver) -> bool:
    return driver.execute_script("return document.documentElement.scrollWidth <= window.innerWidth + 1;")


def test_an_employee_submits_a_webinar_from_a_phone_and_the_opds_operator_verifies_fewer_jp(
        logged_in, live_server, malang, tmp_path):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    opd = make_opd(malang, "Dinas Pendidikan")
    ani = make_employee(malang, opd_id=opd["id"], name="Ani Lestari")
    year = today_wib().year
    add_jp(malang, ani["id"], 10, year=year)  # already 10 JP this year
    certificate = tmp_path / "sertifikat-webinar.pdf"
    body = pdf_bytes("Sertifikat Webinar Literasi Digital ASN")
    certificate.write_bytes(body)
    base = f"{live_server}/t/kota-malang"

    driver = logged_in(malang, "employee", nip=ani["nip"])
    employee = driver.kompeten_user
    driver.set_window_size(*harness.PHONE)
    driver.get(f"{base}/saya")
    before = _year_total(driver, year)
    assert before == 10

    driver.get(f"{base}/saya/pengajuan")
    assert _fits_the_window(driver)
    driver.find_element(By.ID, "f-title").send_keys("Webinar Literasi Digital ASN")
    driver.find_element(By.ID, "f-organiser").send_keys("Kementerian Komunikasi dan Informatika")
    Select(driver.find_element(By.ID, "f-kind")).select_by_value("seminar")
    for name in ("start_date", "end_date"):  # a date input's typed form follows the browser's locale: set the value
        driver.execute_script("arguments[0].value = arguments[1];", driver.find_element(By.ID, f"f-{name}"),
                              today_wib().isoformat())
    driver.find_element(By.ID, "f-jp_claimed").send_keys("4")
    driver.find_element(By.ID, "f-file").send_keys(str(certificate))
    harness.click_and_wait_for_next_page(driver, driver.find_element(By.ID, "submit-learning"))
    item = driver.find_element(By.CSS_SELECTOR, "#my-submissions li[data-status]")
    assert "Webinar Literasi Digital ASN" in item.text and "Menunggu verifikasi" in item.text
    sub_id = int(re.search(r"\d+", item.get_attribute("id")).group())
    assert _fits_the_window(driver)

    operator = logged_in(malang, "operator", opd_ids=(opd["id"],))
    operator.get(f"{base}/pengajuan")
    row = operator.find_element(By.CSS_SELECTOR, f"#submissions tr[data-id='{sub_id}']")
    assert "Ani Lestari" in row.text and "Menunggu verifikasi" in row.text
    harness.click_and_wait_for_next_page(operator, row.find_element(By.LINK_TEXT, "Webinar Literasi Digital ASN"))
    link = operator.find_element(By.ID, "open-file").get_attribute("href")
    status, kind, opened = harness.fetch_with_session(operator, link)
    assert (status, kind, opened) == (200, "application/pdf", body)
    jp = operator.find_element(By.ID, "f-jp_granted")
    assert jp.get_attribute("value") == "4"  # what was claimed, to lower
    jp.clear()
    jp.send_keys("3")
    operator.find_element(By.CSS_SELECTOR, "#verify-form textarea[name=note]").send_keys(
        "Sertifikat mencantumkan 3 jam pelajaran")
    harness.click_and_wait_for_next_page(operator, operator.find_element(By.ID, "verify"))
    assert "Diverifikasi" in operator.find_element(By.ID, "status").text
    assert operator.find_element(By.ID, "jp-granted").text.startswith("3")

    harness.log_in(driver, live_server, "kota-malang", employee["username"], TEST_PASSWORD)
    driver.set_window_size(*harness.PHONE)
    driver.get(f"{base}/saya/pengajuan")
    decided = driver.find_element(By.ID, f"pengajuan-{sub_id}").text
    assert "Diverifikasi" in decided and "Diakui 3 JP" in decided
    assert "Sertifikat mencantumkan 3 jam pelajaran" in decided
    driver.get(f"{base}/saya")
    assert _year_total(driver, year) == before + 3

"""In a real browser: log in, upload Kab. Serang's PPPK file, watch the progress bar finish, check the counts
and download the error report."""

from __future__ import annotations

import pytest

from tests.data import PPPK_SAMPLE as SAMPLE
from tests.e2e.harness import fetch_with_session, wait_for
from tests.imports.conftest import add_opds

pytestmark = pytest.mark.e2e


def test_an_operator_uploads_the_serang_file_and_sees_34_imported_6_rejected_1_duplicate(
        logged_in, live_server, rq_worker, serang):
    from selenium.webdriver.common.by import By

    add_opds(serang)
    driver = logged_in(serang, "operator")
    driver.get(f"{live_server}/t/kab-serang/impor/baru")
    driver.find_element(By.CSS_SELECTOR, "input[type=file][name=file]").send_keys(str(SAMPLE))
    driver.find_element(By.CSS_SELECTOR, "main form button[type=submit]").click()

    wait_for(lambda: "/impor/" in driver.current_url and driver.find_elements(By.ID, "run-progress"))
    wait_for(lambda: driver.find_element(By.ID, "run-state").text == "Selesai", timeout=90)
    progress = driver.find_element(By.ID, "run-progress")
    assert float(progress.get_attribute("value")) == 1.0

    def counted(key: str) -> str:
        return driver.find_element(By.CSS_SELECTOR, f'[data-count="{key}"]').text

    assert (counted("created"), counted("invalid"), counted("duplicate")) == ("34", "6", "1")
    report = driver.find_element(By.ID, "run-report")
    assert report.is_displayed()
    csv_link = report.find_element(By.LINK_TEXT, "CSV").get_attribute("href")
    status, content_type, body = fetch_with_session(driver, csv_link)
    assert status == 200 and content_type.startswith("text/csv")
    lines = body.decode("utf-8-sig").strip().splitlines()
    assert lines[0].startswith("Baris") and len(lines) > 6  # a header and at least one line per rejected row
    xlsx_link = report.find_element(By.LINK_TEXT, "XLSX").get_attribute("href")
    assert "spreadsheetml" in fetch_with_session(driver, xlsx_link)[1]

    driver.get(f"{live_server}/t/kab-serang/impor")
    assert SAMPLE.name in driver.find_element(By.TAG_NAME, "table").text

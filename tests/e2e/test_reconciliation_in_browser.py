"""In a real browser: upload BPSDM Jatim's completion report for Kota Malang's PKA Angkatan II 2024, see the
classes with their counts, take the partner's status for one class and watch the differences close."""

from __future__ import annotations

import pytest

from app.services.demo.regions import EXPECTED_RECONCILIATION
from tests.data import PARTNER_REPORT_SAMPLE as SAMPLE
from tests.e2e.harness import wait_for
from tests.reconciliation.conftest import seed_demo

pytestmark = pytest.mark.e2e


def test_an_operator_reconciles_the_bpsdm_report_and_applies_the_partners_status(
        logged_in, live_server, rq_worker, malang):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    seed_demo("kota-malang")
    driver = logged_in(malang, "operator")
    driver.get(f"{live_server}/t/kota-malang/rekonsiliasi/baru")
    Select(driver.find_element(By.NAME, "partner")).select_by_value("BPSDM-JATIM")
    cohorts = Select(driver.find_element(By.NAME, "cohort_id"))
    cohorts.select_by_visible_text(next(o.text for o in cohorts.options if o.text.startswith("PKA Angkatan II 2024")))
    driver.find_element(By.CSS_SELECTOR, "input[type=file][name=file]").send_keys(str(SAMPLE))
    driver.find_element(By.CSS_SELECTOR, "main form button[type=submit]").click()

    wait_for(lambda: driver.find_elements(By.ID, "run-state")
             and driver.find_element(By.ID, "run-state").text == "Selesai dicocokkan", timeout=90)
    counts = {klass: int(driver.find_element(By.CSS_SELECTOR, f'[data-count="{klass}"]').text)
              for klass in EXPECTED_RECONCILIATION}
    assert counts == EXPECTED_RECONCILIATION
    open_before = int(driver.find_element(By.ID, "open-differences").text)

    driver.find_element(By.LINK_TEXT, "Status berbeda").click()
    driver.find_element(By.CSS_SELECTOR, 'input[name=class_decision][value=partner]').click()
    driver.find_element(By.CSS_SELECTOR, "main form button[type=submit]").click()
    wait_for(lambda: driver.find_elements(By.ID, "run-state")
             and driver.find_element(By.ID, "run-state").text == "Selesai dicocokkan"
             and int(driver.find_element(By.ID, "open-differences").text) == open_before - 2, timeout=90)

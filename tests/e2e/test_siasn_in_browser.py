"""In a real browser: Kota Malang's admin enters the SIASN connection (the test stand-in), checks it, sends one
PKA Angkatan II 2024 result, and sees the SIASN id of the record on the person's SIASN page."""

from __future__ import annotations

import pytest

from tests.e2e.harness import wait_for
from tests.siasn.conftest import certified_results, pka_cohort_id, seed_malang
from tests.siasn_standin import SiasnStandin

pytestmark = [pytest.mark.e2e, pytest.mark.committed]


def test_the_admin_connects_to_siasn_checks_sends_one_result_and_sees_its_siasn_id(
        logged_in, live_server, rq_worker, malang):
    from selenium.webdriver.common.by import By

    standin = SiasnStandin().start()
    try:
        seed_malang()
        cohort_id = pka_cohort_id()
        result = certified_results(cohort_id)[0]
        driver = logged_in(malang, "admin")
        driver.get(f"{live_server}/t/kota-malang/siasn/pengaturan")
        for name, value in (("base_url", standin.url), ("client_id", standin.client_id), ("instansi_id", "A5EB03E2"),
                            ("consumer_key", standin.consumer_key), ("consumer_secret", standin.consumer_secret),
                            ("username", standin.username), ("password", standin.password)):
            driver.find_element(By.NAME, name).send_keys(value)
        driver.find_element(By.CSS_SELECTOR, "#settings-form button[type=submit]").click()
        wait_for(lambda: driver.find_elements(By.ID, "check-button"))
        assert standin.password not in driver.page_source and standin.consumer_secret not in driver.page_source
        driver.find_element(By.ID, "check-button").click()
        wait_for(lambda: driver.find_elements(By.ID, "check-result")
                 and driver.find_element(By.ID, "check-result").text.startswith("Terhubung"))

        driver.get(f"{live_server}/t/kota-malang/siasn/angkatan/{cohort_id}")
        row = driver.find_element(By.CSS_SELECTOR, f'tr[data-enrolment="{result["id"]}"]')
        row.find_element(By.CSS_SELECTOR, "button.push-one").click()
        wait_for(lambda: len(standin.diklat) == 1, timeout=60)
        siasn_id = next(iter(standin.diklat))

        def shown() -> bool:
            driver.get(f"{live_server}/t/kota-malang/siasn/angkatan/{cohort_id}")
            cells = driver.find_element(By.CSS_SELECTOR, f'tr[data-enrolment="{result["id"]}"]').text
            return siasn_id in cells and "Terkirim" in cells
        wait_for(shown, timeout=30)
        driver.find_element(By.CSS_SELECTOR, f'tr[data-enrolment="{result["id"]}"] td[data-label="Nama"] a').click()
        wait_for(lambda: "Bandingkan dengan SIASN" in driver.page_source)
        assert siasn_id in driver.page_source and result["certificate_number"] in driver.page_source
        assert standin.diklat[siasn_id]["nomor"] == result["certificate_number"]
    finally:
        standin.stop()

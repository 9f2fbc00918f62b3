"""A person mistypes their password in a real browser: the form comes back with the Indonesian error (401), and
after the documented number of failures (app.services.auth.ACCOUNT_LIMIT, 5 in 15 minutes) the next try is a
429 page in Bahasa Indonesia, not JSON. Part of the embedded pass in CI (`-m embedded_suite`, no URLs set), where
the throttle runs on the embedded Redis 6.2."""

from __future__ import annotations

import pytest

from app.jobs import redis_connection
from app.services.accounts.login import ACCOUNT_LIMIT, WINDOW_SECONDS
from tests.e2e.harness import click_and_wait_for_next_page, document_status
from tests.fixtures.auth import TEST_PASSWORD, create_user

pytestmark = [pytest.mark.e2e, pytest.mark.embedded_suite]


def _submit(driver, base: str, username: str, password: str) -> None:
    from selenium.webdriver.common.by import By

    driver.get(f"{base}/t/kota-malang/login")
    driver.find_element(By.ID, "username").send_keys(username)
    driver.find_element(By.ID, "password").send_keys(password)
    button = driver.find_element(By.CSS_SELECTOR, "main form button[type=submit]")
    driver.get_log("performance")  # forget the form's own GET
    click_and_wait_for_next_page(driver, button)  # the answer to the POST is the page now


def test_a_wrong_password_shows_the_form_again_then_the_account_is_throttled(app, driver, live_server, malang):
    from selenium.webdriver.common.by import By

    user = create_user(malang, "viewer")
    driver.delete_all_cookies()
    driver.get_log("performance")
    try:
        for attempt in range(ACCOUNT_LIMIT):
            _submit(driver, live_server, user["username"], f"bukan-sandinya-{attempt}")
            assert document_status(driver, "/t/kota-malang/login") == 401
            assert driver.find_element(By.ID, "login-error").text == "Nama pengguna atau kata sandi salah."
            assert driver.find_element(By.ID, "username").get_attribute("value") == user["username"]
            assert driver.find_element(By.ID, "password").get_attribute("value") == ""

        _submit(driver, live_server, user["username"], TEST_PASSWORD)  # even the right password, now

        assert document_status(driver, "/t/kota-malang/login") == 429
        assert driver.find_element(By.TAG_NAME, "h1").text == "Terlalu banyak percobaan"
        message = driver.find_element(By.CSS_SELECTOR, "p.error").text
        assert message.startswith("Terlalu banyak percobaan masuk yang gagal. Coba lagi dalam ")
        assert 0 < int(message.split("dalam ")[1].split()[0]) <= WINDOW_SECONDS
        assert driver.find_element(By.LINK_TEXT, "Kembali ke halaman masuk")
        assert "{" not in driver.find_element(By.TAG_NAME, "body").text  # a page, not a problem+json body
    finally:
        with app.app_context():  # the browser's address (127.0.0.1) is shared by every browser test
            redis = redis_connection()
            for key in redis.scan_iter(f"{app.config['REDIS_KEY_PREFIX']}:login-fail:*"):
                redis.delete(key)

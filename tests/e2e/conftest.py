"""Fixtures of the browser tests (see tests/e2e/harness.py). They skip, saying why, where Chromium, its driver
or Selenium is missing."""

from __future__ import annotations

import pytest

from tests.e2e import harness
from tests.fixtures.auth import TEST_PASSWORD, create_user


@pytest.fixture(scope="session")
def live_server(app, tenants):
    """The base URL of the app served from a thread (the tests' database and Redis prefix)."""
    server = harness.LiveServer(app).start()
    yield server.url
    server.stop()


@pytest.fixture
def rq_worker(app):
    """A real RQ worker running in the background for this test (jobs run as soon as they are queued)."""
    worker = harness.BackgroundWorker(app).start()
    yield worker
    worker.stop()
    assert not worker.errors, worker.errors


@pytest.fixture(scope="session")
def driver():
    reason = harness.browser_missing()
    if reason:
        pytest.skip(f"browser tests skipped: {reason}")
    browser = harness.new_driver()
    yield browser
    browser.quit()


@pytest.fixture
def logged_in(driver, live_server):
    """`logged_in(tenant, role, **user_fields)` → the driver, logged in as a new user through the login form
    (the user dict is on `driver.kompeten_user`)."""

    def _login(tenant, role: str, **kw):
        driver.set_window_size(*harness.LAPTOP)
        user = create_user(tenant, role, **kw)
        harness.log_in(driver, live_server, tenant.slug, user["username"], TEST_PASSWORD)
        driver.kompeten_user = user
        return driver

    yield _login
    driver.delete_all_cookies()

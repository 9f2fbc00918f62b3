"""The browsable API docs render in the browser with no network: ReDoc is served by the app itself, and the
page lists the API's operations (a region's API and the vendors' admin API)."""

from __future__ import annotations

import pytest

from tests.e2e.harness import wait_for

pytestmark = pytest.mark.e2e


def _operations(app, path: str) -> list[dict]:
    spec = app.test_client().get(path).get_json()
    return [op for item in spec["paths"].values() for method, op in item.items()
            if method in ("get", "post", "put", "patch", "delete")]


@pytest.mark.parametrize(("docs", "spec"), [("/t/kota-malang/api/v1/docs", "/t/kota-malang/api/v1/openapi.json"),
                                            ("/admin/api/v1/docs", "/admin/api/v1/openapi.json")])
def test_the_api_docs_page_lists_the_operations_with_no_network(app, driver, live_server, malang, docs, spec):
    from selenium.webdriver.common.by import By

    operations = _operations(app, spec)
    assert len(operations) > 5
    driver.get_log("browser")  # forget what earlier pages logged
    driver.get(f"{live_server}{docs}")

    # ReDoc's menu: one entry per operation (data-item-id="tag/<tag>/paths/<path>/<method>").
    menu = wait_for(lambda: driver.find_elements(By.CSS_SELECTOR, "li[data-item-id*='/paths/']"), timeout=60)
    shown = {item.get_attribute("textContent") for item in menu}
    assert len(menu) == len(operations)
    for summary in (op["summary"] for op in operations if op.get("summary")):
        assert any(summary in text for text in shown), summary
    assert "Kompeten" in driver.find_element(By.CSS_SELECTOR, "h1").text
    # Everything came from the app (every other host is unresolvable here), and nothing was refused but ReDoc's
    # attempt at its maker's logo (cdn.redoc.ly; it hides the logo when that fails): the CSP blocks it unsent.
    logo = "https://cdn.redoc.ly/redoc/logo-mini.svg"
    loaded = driver.execute_script("return performance.getEntriesByType('resource').map(e => e.name)")
    assert loaded and all(url.startswith(live_server) for url in loaded if url != logo), loaded
    errors = [entry["message"] for entry in driver.get_log("browser")
              if entry["level"] == "SEVERE" and logo not in entry["message"]]
    assert errors == []

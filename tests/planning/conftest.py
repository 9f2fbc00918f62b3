from tests.web.conftest import browser_for  # noqa: F401 - the page tests' logged-in browser

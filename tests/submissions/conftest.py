"""The page tests' logged-in browser (tests/web/conftest.py) for this directory too."""

from tests.web.conftest import browser_for  # noqa: F401

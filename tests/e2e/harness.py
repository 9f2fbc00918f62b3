"""The browser harness for end-to-end tests: the app served from a thread on 127.0.0.1, a real RQ worker
running in the background, and Debian's headless Chromium driven by Selenium (never a downloaded browser).

Fixtures (tests/e2e/conftest.py): `live_server` (base URL), `rq_worker` (a background worker for one test),
`driver` (one Chromium for the run) and `logged_in(tenant, role, **user)` (the driver, logged in through the
real login form). A new browser test is then a few lines::

    @pytest.mark.e2e
    def test_something(logged_in, live_server, rq_worker, serang):
        driver = logged_in(serang, "operator")
        driver.get(f"{live_server}/t/kab-serang/...")
"""

from __future__ import annotations

import threading
import time
import urllib.parse
import urllib.request
from pathlib import Path

from rq.timeouts import TimerDeathPenalty
from werkzeug.serving import make_server

from app.jobs import QUEUES, SimpleWorker, queue, redis_connection

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
LAPTOP = (1366, 900)
PHONE = (390, 844)


def browser_missing() -> str | None:
    """Why the browser tests cannot run here, or None."""
    if not CHROMEDRIVER.exists() or not CHROMIUM.exists():
        return f"{CHROMEDRIVER} or {CHROMIUM} missing (apt-get install chromium chromium-driver)"
    try:
        import selenium  # noqa: F401
    except ImportError:
        return "selenium is not installed (pip install -e '.[dev]')"
    return None


class LiveServer:
    """The app on a free port of 127.0.0.1, one thread per request, until stop()."""

    def __init__(self, app) -> None:
        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, name="live-server", daemon=True)

    def start(self) -> LiveServer:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.thread.join(timeout=10)


class _ThreadWorker(SimpleWorker):
    """A SimpleWorker that can run outside the main thread: signals belong to the main thread, so no signal
    handlers, and job timeouts by a timer thread instead of SIGALRM."""

    death_penalty_class = TimerDeathPenalty

    def _install_signal_handlers(self) -> None:
        pass


class BackgroundWorker:
    """Drains the app's queues in burst rounds, a few times a second, until stop(): jobs run as they arrive,
    with the app configured, exactly as `kompeten worker` would run them."""

    def __init__(self, app, interval: float = 0.3) -> None:
        self.app = app
        self.interval = interval
        self.stopping = threading.Event()
        self.errors: list[BaseException] = []
        self.thread = threading.Thread(target=self._loop, name="rq-worker", daemon=True)

    def _loop(self) -> None:
        with self.app.app_context():
            while not self.stopping.is_set():
                try:
                    worker = _ThreadWorker([queue(name) for name in QUEUES], connection=redis_connection())
                    worker.work(burst=True, logging_level="WARNING")
                except Exception as exc:  # noqa: BLE001 - reported by the fixture at teardown
                    self.errors.append(exc)
                self.stopping.wait(self.interval)

    def start(self) -> BackgroundWorker:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.stopping.set()
        self.thread.join(timeout=30)
        with self.app.app_context():
            for name in QUEUES:
                queue(name).empty()


def new_driver(size: tuple[int, int] = LAPTOP):
    """Debian's Chromium, headless, through Debian's chromedriver (Selenium Manager never downloads); every host but
127.0.0.1 is unresolvable, as on an office network with no internet."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                f"--window-size={size[0]},{size[1]}", "--lang=id-ID", "--hide-scrollbars",
                # No network but the live server: a page that needs anything from elsewhere breaks in the tests.
                "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"):
        options.add_argument(arg)
    # Console errors (CSP refusals among them), and the network log (the HTTP status of each page: document_status).
    options.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    driver = webdriver.Chrome(service=Service(executable_path=str(CHROMEDRIVER)), options=options)
    driver.set_page_load_timeout(60)
    return driver


def log_in(driver, base_url: str, slug: str, username: str, password: str) -> None:
    """Through the real login form, as a person would."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    driver.delete_all_cookies()
    driver.get(f"{base_url}/t/{slug}/login")
    driver.find_element(By.ID, "username").send_keys(username)
    driver.find_element(By.ID, "password").send_keys(password)
    driver.find_element(By.CSS_SELECTOR, "main form button[type=submit]").click()
    WebDriverWait(driver, 20).until(ec.presence_of_element_located((By.CSS_SELECTOR, "nav.menu")))


def click_and_wait_for_next_page(driver, element, timeout: float = 20.0) -> None:
    """Click `element` (a submit button, a link) and return once the browser shows the next document. The old page
    carries a mark on `window` that the new one does not; checking the mark asks nothing of the clicked element,
    which Chromium may answer with "Node with given id does not belong to the document" (a WebDriverException,
    not a stale-element error) while it swaps documents."""
    from selenium.common.exceptions import WebDriverException

    driver.execute_script("window.__kompetenOldPage = true;")
    element.click()

    def arrived():
        try:
            return driver.execute_script(
                "return window.__kompetenOldPage === undefined && document.readyState === 'complete';"
            )
        except WebDriverException:  # the document is being replaced at this instant: not yet
            return False

    wait_for(arrived, timeout=timeout, interval=0.1)


def fetch_with_session(driver, url: str) -> tuple[int, str, bytes]:
    """GET a link with the browser's cookies (a download the browser would save): (status, type, body)."""
    cookie = "; ".join(f"{c['name']}={c['value']}" for c in driver.get_cookies())
    req = urllib.request.Request(url, headers={"Cookie": cookie})  # noqa: S310 - a URL of our live server
    with urllib.request.urlopen(req, timeout=30) as resp:  # noqa: S310
        return resp.status, resp.headers.get("Content-Type", ""), resp.read()


def document_status(driver, path: str) -> int:
    """The HTTP status of the last page the browser loaded from `path` (from Chromium's network log; reading the
    log empties it, so call it once per page)."""
    import json

    statuses = []
    for entry in driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message.get("method") == "Network.responseReceived" and message["params"].get("type") == "Document":
            response = message["params"]["response"]
            if urllib.parse.urlsplit(response["url"]).path == path:
                statuses.append(response["status"])
    assert statuses, f"no page from {path} in the network log"
    return statuses[-1]


def wait_for(predicate, timeout: float = 60.0, interval: float = 0.25):
    """Poll until `predicate()` is truthy (returns it) or fail after `timeout` seconds. An element that went stale
    meanwhile (the page reloaded itself between finding it and reading it) counts as not yet."""
    from selenium.common.exceptions import StaleElementReferenceException

    deadline = time.monotonic() + timeout
    while True:
        try:
            value = predicate()
        except StaleElementReferenceException:
            value = None
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up after {timeout} s waiting for {predicate}")
        time.sleep(interval)

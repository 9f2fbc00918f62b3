"""No code or Python value reaches a page a person reads: every page a region's admin can reach from the dashboard
over Kota Malang's demo data (with an import, a reconciliation and its decisions done through the pages) is read
for `None`, `True`, `False`, dict and list reprs."""

from __future__ import annotations

import re
from collections import deque
from urllib.parse import urlsplit

import pytest

from tests.data import PARTNER_REPORT_SAMPLE
from tests.reconciliation.conftest import cohort_id, seed_demo
from tests.web.conftest import text_of

pytestmark = pytest.mark.slow

REPR = re.compile(r"\b(None|True|False)\b|\{'|\['|datetime\.|Decimal\(|<built-in|object at 0x")
SKIP = re.compile(r"/logout$|/api/|/unduh|format=(csv|xlsx)|/download|\.(csv|xlsx)$")
MAX_PAGES = 160


def _links(html: str, prefix: str) -> list[str]:
    out = []
    for href in re.findall(r'href="([^"#]+)"', html):
        href = href.replace("&amp;", "&")
        if href.startswith(prefix) and not SKIP.search(urlsplit(href).path + "?" + urlsplit(href).query):
            out.append(href)
    return out


def test_no_python_value_or_repr_on_any_page_of_the_demo_region(browser_for, malang, run_worker):
    seed_demo("kota-malang")
    admin = browser_for(malang, "admin")
    pka = cohort_id("kota-malang", "PKA", 2024, 2)
    with PARTNER_REPORT_SAMPLE.open("rb") as report:
        uploaded = admin.post("/rekonsiliasi/baru", {"partner": "BPSDM-JATIM", "cohort_id": str(pka),
                                                     "file": (report, PARTNER_REPORT_SAMPLE.name)},
                              content_type="multipart/form-data")
    assert uploaded.status_code in (302, 303), uploaded.text
    run_worker()
    run_page = uploaded.headers["Location"]
    decided = admin.client.post(f"{run_page}/kelas/status_differs", data={"csrf_token": admin.csrf,
                                                                          "class_decision": "partner"})
    assert decided.status_code == 303, decided.text
    run_worker()

    prefix = "/t/kota-malang"
    seen, queue, problems = set(), deque([f"{prefix}/", run_page]), []
    while queue and len(seen) < MAX_PAGES:
        url = queue.popleft()
        if url in seen:
            continue
        seen.add(url)
        page = admin.client.get(url)
        if page.status_code != 200 or page.mimetype != "text/html":
            continue
        found = REPR.findall(text_of(page.text))
        if found:
            problems.append((url, sorted({"".join(f) if isinstance(f, tuple) else f for f in found})))
        queue.extend(_links(page.text, prefix))
    assert len(seen) > 40, seen  # the crawl reached the region's pages
    assert problems == []

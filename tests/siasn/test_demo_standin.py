"""`kompeten demo` starts the SIASN test stand-in and connects Kota Malang to it: the check succeeds against it."""

from __future__ import annotations

import os
import time

import pytest

from app.blueprints.demo.commands import _siasn_standin
from app.extensions import db
from app.services.siasn import connection
from app.tenancy import tenant_context
from tests.siasn.conftest import MALANG


@pytest.mark.committed
def test_the_demo_starts_the_standin_and_connects_kota_malang(malang, tmp_path):
    with open(tmp_path / "demo.log", "w") as log:
        started = _siasn_standin("127.0.0.1", dict(os.environ), log)
    assert started is not None
    proc, url = started
    try:
        deadline = time.monotonic() + 20
        with tenant_context(MALANG):
            assert connection.view()["base_url"] == url
            while True:
                view = connection.check()
                db.session.commit()
                if view["check_ok"] or time.monotonic() > deadline:
                    break
                time.sleep(0.3)  # the process is still starting
            assert view["check_ok"], view["check_message"]
    finally:
        proc.terminate()
        proc.wait(10)
    assert "SIASN test stand-in" in (tmp_path / "demo.log").read_text()  # its first line says what it is

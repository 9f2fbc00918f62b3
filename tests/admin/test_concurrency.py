"""Races and crashes: 20 concurrent POSTs of one new slug (the app in 20 threads, each request with its own
session and pooled connection) make exactly one schema; a provisioning process killed (SIGKILL) halfway is
completed by the next POST."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import sqlalchemy as sa

from app.config import REPO_ROOT
from app.extensions import db
from app.models.accounts import User
from app.tenancy import tenant_context
from tests.admin.conftest import API, region_body, registry_rows, schemas_named

# Threads and a subprocess: every test needs committed data and connections of its own.
pytestmark = pytest.mark.committed


def _fire(app, vendor, body, n=20, key=None):
    headers = {**vendor["headers"], **({"Idempotency-Key": key} if key else {})}

    def post(_):
        with app.test_client() as c:
            resp = c.post(f"{API}/tenants", json=body, headers=headers)
            return resp.status_code, resp.get_json()

    with ThreadPoolExecutor(max_workers=n) as pool:
        return list(pool.map(post, range(n)))


def _one_region(slug: str) -> None:
    schema = "t_" + slug.replace("-", "_")
    assert schemas_named(schema) == [schema]
    rows = registry_rows("slug = :s", s=slug)
    assert len(rows) == 1 and rows[0].status == "active"
    with tenant_context(slug):
        admins = db.session.execute(sa.select(User.username).where(User.role == "admin")).scalars().all()
    assert admins == ["admin-pertama"]


def test_twenty_concurrent_posts_of_one_new_slug_make_one_schema_one_201_and_409s(app, vendor, made):
    made.append("kab-uji-serbu")
    results = _fire(app, vendor, region_body("kab-uji-serbu"))
    statuses = sorted(s for s, _ in results)
    assert statuses.count(201) == 1, statuses
    assert set(statuses) == {201, 409}, [b for s, b in results if s not in (201, 409)]
    _one_region("kab-uji-serbu")


def test_twenty_concurrent_posts_with_one_idempotency_key_answer_one_result(app, vendor, made):
    made.append("kab-uji-kunci")
    results = _fire(app, vendor, region_body("kab-uji-kunci"), key="serbu-kunci-1")
    created = [b for s, b in results if s == 201]
    assert created and all(b["tenant"] == created[0]["tenant"] for b in created)  # replays of the one answer
    assert {s for s, _ in results} <= {201, 409}  # 409: the first was still running
    _one_region("kab-uji-kunci")


_KILLED_PROVISION = """
import json, os, sys, time
from app import create_app
from app.services.admin import reference_data
from app.services.admin.provisioning import TenantSpec, provision

config, spec, marker = json.loads(sys.argv[1]), json.loads(sys.argv[2]), sys.argv[3]
app = create_app(config)

def stall(conn, partners):  # schema and tables exist in the open transaction: die here
    open(marker, "w").close()
    time.sleep(600)

reference_data.seed = stall
import app.services.admin.provisioning as p
p.reference_data.seed = stall
with app.app_context():
    provision(TenantSpec.from_mapping(spec))
"""


def test_a_provisioning_killed_halfway_is_completed_by_a_retried_post(app, app_config, api, made, tmp_path):
    made.append("kab-uji-mati")
    body = region_body("kab-uji-mati")
    marker = tmp_path / "stalled"
    config = {k: v for k, v in app_config.items() if isinstance(v, str | int | bool)}
    proc = subprocess.Popen([sys.executable, "-c", _KILLED_PROVISION, json.dumps(config), json.dumps(body),
                             str(marker)], cwd=REPO_ROOT, env={**os.environ, "PYTHONPATH": str(REPO_ROOT)})
    try:
        for _ in range(300):
            if marker.exists() or proc.poll() is not None:
                break
            time.sleep(0.1)
        assert marker.exists(), "the provisioning process never reached the middle"
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.wait(timeout=30)
    # what a crash leaves: the registry row, still provisioning; the schema's transaction was rolled back
    rows = registry_rows("slug = 'kab-uji-mati'")
    assert len(rows) == 1 and rows[0].status == "provisioning"
    for _ in range(100):  # the server notices the dead client and rolls back
        if not schemas_named("t_kab_uji_mati"):
            break
        time.sleep(0.1)
    retry = api.post("/tenants", json=body)
    assert retry.status_code == 201, retry.get_json()
    _one_region("kab-uji-mati")
    assert Path(marker).exists()

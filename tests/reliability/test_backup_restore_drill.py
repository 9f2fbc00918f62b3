"""Backup and restore drill (issue 11), through the vendors' admin API and a real worker: export one region with
its demo data, drop it (archive → export → delete), restore it from the export, and compare every table's row
count and checksum; the other regions are untouched throughout (their fingerprints before == after)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from app.authz import ADMIN_SCOPES
from app.extensions import db
from app.services.admin.bundles import tenant_fingerprints
from app.services.admin.provisioning import provision
from app.services.demo import regions as demo
from app.tenancy import no_tenant, registry, tenant_context
from tests.admin.conftest import platform_token, platform_user
from tests.fixtures.tenants import MANIFESTS, drop_tenants

API = "/admin/api/v1"
DRILLED = "kab-tuban"


def _seed(slug: str) -> None:
    with tenant_context(slug):
        demo.seed_current_tenant()
        db.session.commit()


def _status(slug: str) -> str:
    with no_tenant(), db.engine.connect() as conn:
        return conn.execute(sa.text("SELECT status FROM platform.tenants WHERE slug = :s"), {"s": slug}).scalar_one()


@pytest.mark.slow
def test_export_drop_restore_gives_the_same_rows_and_leaves_the_others_alone(app, tenants, run_worker):
    for slug in (DRILLED, "kota-jambi"):
        _seed(slug)
    others = [slug for slug in tenants if slug != DRILLED]
    others_before = {slug: tenant_fingerprints(slug) for slug in others}
    before = tenant_fingerprints(DRILLED)
    assert before["employees"]["rows"] > 0 and before["enrolments"]["rows"] > 0

    token = platform_token(platform_user("vendor"), "vendor", ADMIN_SCOPES)
    client = app.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    export_id = None
    try:
        assert client.post(f"{API}/tenants/{DRILLED}/archive", headers=headers).status_code == 200
        queued = client.post(f"{API}/tenants/{DRILLED}/export", headers=headers)
        assert queued.status_code == 202
        export_id = queued.get_json()["id"]
        run_worker()
        export = client.get(f"{API}/exports/{export_id}", headers=headers).get_json()
        assert export["status"] == "done", export
        assert export["tables"] == before  # the export's own manifest agrees with the live region

        dropped = client.delete(f"{API}/tenants/{DRILLED}", headers=headers, json={"confirm": DRILLED})
        assert dropped.status_code == 200 and _status(DRILLED) == "deleted"
        assert {slug: tenant_fingerprints(slug) for slug in others} == others_before

        restored = client.post(f"{API}/tenants", headers=headers, json={"restore_from": export_id})
        assert restored.status_code == 201, restored.get_json()
        assert restored.get_json()["tenant"]["id"] == tenants[DRILLED].id  # the same registry row
        assert tenant_fingerprints(DRILLED) == before
        assert {slug: tenant_fingerprints(slug) for slug in others} == others_before
    finally:
        if _status(DRILLED) != "active":  # leave the session's regions as the other tests expect them
            drop_tenants([DRILLED])
            provision(MANIFESTS[DRILLED])
            registry.invalidate(DRILLED)

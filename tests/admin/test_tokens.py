"""Vendor tokens: made by `kompeten admin create-token` (secret shown once, stored hashed), limited to their
scopes, expiring, revocable; other callers are refused; the OpenAPI document is the admin API's own."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from app.auth import digest
from app.cli import cli
from app.extensions import db
from app.tenancy import no_tenant
from tests.admin.conftest import API, platform_audit, platform_token, platform_user, region_body


def _get(app, token, path="/tenants"):
    return app.test_client().get(API + path, headers={"Authorization": f"Bearer {token}"} if token else {})


@pytest.mark.committed  # reads the platform audit log on a connection of its own
def test_create_token_prints_the_secret_once_and_keeps_only_its_digest(app):
    platform_user("vendor")
    with no_tenant():
        username = db.session.execute(sa.text(
            "SELECT username FROM platform.users WHERE role = 'vendor' ORDER BY id DESC LIMIT 1")).scalar_one()
        db.session.rollback()
    runner = app.test_cli_runner()
    made = runner.invoke(cli, ["admin", "create-token", "--user", username, "--scope", "tenants:read",
                               "--expires-in-days", "7"])
    assert made.exit_code == 0, made.output
    secret = made.output.strip().splitlines()[-1]
    assert secret.startswith("kpt_")
    with no_tenant():
        row = db.session.execute(sa.text("SELECT id, token_hash, scopes FROM platform.api_tokens WHERE prefix = :p"),
                                 {"p": secret[:12]}).one()
        db.session.rollback()
    assert row.token_hash == digest(secret) and secret not in str(row) and row.scopes == ["tenants:read"]
    assert _get(app, secret).status_code == 200
    assert app.test_client().post(API + "/tenants/kota-malang/suspend",
                                  headers={"Authorization": f"Bearer {secret}"}).status_code == 403

    listed = runner.invoke(cli, ["admin", "tokens", "--user", username])
    assert secret[:12] in listed.output and secret not in listed.output
    revoked = runner.invoke(cli, ["admin", "revoke-token", secret[:12]])
    assert revoked.exit_code == 0, revoked.output
    assert _get(app, secret).status_code == 401
    assert [a.action for a in platform_audit(None, "token.")][-2:] == ["token.create", "token.revoke"]


def test_create_token_refuses_non_vendors_and_unknown_scopes(app):
    province = platform_user("province", province_code="35")
    with no_tenant():
        username = db.session.execute(sa.text("SELECT username FROM platform.users WHERE id = :i"),
                                      {"i": province}).scalar_one()
        db.session.rollback()
    runner = app.test_cli_runner()
    refused = runner.invoke(cli, ["admin", "create-token", "--user", username])
    assert refused.exit_code != 0 and "vendor" in refused.output
    unknown = runner.invoke(cli, ["admin", "create-token", "--user", username, "--scope", "tenants:everything"])
    assert unknown.exit_code != 0


def test_scopes_limit_what_a_vendor_token_may_do(app, made):
    vendor = platform_user("vendor")
    reader = platform_token(vendor, "vendor", ["tenants:read"])
    writer = platform_token(vendor, "vendor", ["tenants:read", "tenants:write"])
    client = app.test_client()
    made.append("kab-uji-lingkup")
    body = region_body("kab-uji-lingkup")
    assert client.post(API + "/tenants", json=body, headers={"Authorization": f"Bearer {reader}"}).status_code == 403
    assert client.post(API + "/tenants", json=body, headers={"Authorization": f"Bearer {writer}"}).status_code == 201
    for path in ("/tenants/kab-uji-lingkup/archive", "/tenants/kab-uji-lingkup/export"):
        resp = client.post(API + path, headers={"Authorization": f"Bearer {writer}"})
        assert resp.status_code == 403 and resp.get_json()["required"] in ("tenants:delete", "tenants:export")


def test_expired_tokens_anonymous_callers_and_non_vendors_are_refused(app, tenants, token_for):
    vendor = platform_user("vendor")
    expired = platform_token(vendor, "vendor", None, expires_in=timedelta(seconds=-1))
    assert _get(app, expired).status_code == 401
    assert _get(app, None).status_code == 401
    province = platform_token(platform_user("province", province_code="35"), "province")
    national = platform_token(platform_user("national"), "national")
    assert _get(app, province).status_code == 403 and _get(app, national).status_code == 403
    assert _get(app, token_for("kota-malang", "admin")).status_code == 401  # unknown outside its region
    calls = platform_audit(None, "admin.call")[-5:]  # every call is logged, refused ones too
    assert [c.after["status"] for c in calls] == [401, 401, 403, 403, 401]
    assert calls[2].actor.startswith("uji-province-") and calls[2].after["path"] == "/admin/api/v1/tenants"


def test_the_admin_api_has_its_own_openapi_document(app, tenants, anon_client):
    admin_doc = anon_client.get(API + "/openapi.json").get_json()
    assert admin_doc["info"]["title"] == "Kompeten admin"
    paths = set(admin_doc["paths"])
    assert {"/admin/api/v1/tenants", "/admin/api/v1/tenants/{slug}/export",
            "/admin/api/v1/exports/{export_id}/download"} <= paths
    assert all(p.startswith("/admin/api/v1/") for p in paths)
    assert admin_doc["components"]["securitySchemes"]["vendorToken"]["scheme"] == "bearer"
    tenant_doc = anon_client.get("/t/kota-malang/api/v1/openapi.json").get_json()
    assert not any(p.startswith("/admin") for p in tenant_doc["paths"])

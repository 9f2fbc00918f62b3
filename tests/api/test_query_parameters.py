"""Unknown query parameters are refused (the outside review: `/employees?jabatan_kind=pengawas` answered with
everyone, a filter silently not applied; jabatan_kind is now a real filter, issue 18). Every GET operation that
takes query parameters, read from the OpenAPI documents (so operations added later are covered), answers a 422
naming the unknown one."""

from __future__ import annotations

import re

import pytest

API = "/t/kota-malang/api/v1"
UNKNOWN = "eselon"


def _operations_with_query(document: dict) -> list[str]:
    paths = []
    for path, item in document["paths"].items():
        get = item.get("get")
        if not get:
            continue
        params = [*item.get("parameters", []), *get.get("parameters", [])]
        if any(p.get("in") == "query" for p in params):
            paths.append(path)
    return sorted(paths)


def _concrete(path: str) -> str:
    return re.sub(r"\{[^}]+\}", lambda m: "kota-malang" if m.group(0) == "{tenant_slug}" else "1", path)


def _refused(resp) -> None:
    assert resp.status_code == 422, (resp.request.path, resp.status_code, resp.get_data(as_text=True)[:300])
    assert resp.content_type == "application/problem+json"
    errors = resp.get_json()["errors"]
    assert [(e["field"], e.get("location")) for e in errors] == [(UNKNOWN, "query")], errors
    assert errors[0]["reason"].startswith("parameter tidak dikenal; yang dikenal: ")


def test_every_tenant_list_endpoint_refuses_an_unknown_query_parameter(client, tenants):
    document = client.get(f"{API}/openapi.json").get_json()
    paths = _operations_with_query(document)
    assert "/t/{tenant_slug}/api/v1/employees" in paths and len(paths) >= 10  # the check is not vacuous
    for path in paths:
        _refused(client.get(_concrete(path), query_string={UNKNOWN: "pengawas"}))


def test_the_reviewers_example_is_refused_and_names_the_known_filters(client, tenants):
    resp = client.get(f"{API}/employees", query_string={"eselon": "pengawas", "limit": 5})
    _refused(resp)
    assert client.get(f"{API}/employees", query_string={"jabatan_kind": "pengawas"}).status_code == 200
    reason = resp.get_json()["errors"][0]["reason"]
    assert "opd_id" in reason and "jabatan_kind" in reason and "limit" in reason  # what may be asked instead
    assert client.get(f"{API}/employees", query_string={"limit": 5}).status_code == 200


def test_every_admin_api_list_endpoint_refuses_an_unknown_query_parameter(app, tenants):
    from app.authz import ADMIN_SCOPES
    from tests.admin.conftest import API as ADMIN
    from tests.admin.conftest import platform_token, platform_user

    token = platform_token(platform_user("vendor"), "vendor", ADMIN_SCOPES)
    client = app.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    document = client.get(f"{ADMIN}/openapi.json").get_json()
    paths = _operations_with_query(document)
    assert "/admin/api/v1/tenants" in paths
    for path in paths:
        _refused(client.get(_concrete(path), query_string={UNKNOWN: "x"}, headers=headers))


@pytest.mark.parametrize("path", ["/national/api/v1/rollups", "/p/35/api/v1/rollups"])
def test_the_rollup_apis_refuse_an_unknown_query_parameter(app, tenants, path):
    from app.extensions import db
    from app.models.accounts import PlatformUser
    from app.services.accounts.hashing import hash_password
    from app.tenancy import no_tenant
    from tests.fixtures.auth import TEST_PASSWORD

    role, province = ("national", None) if path.startswith("/national") else ("province", "35")
    with no_tenant():
        user = PlatformUser(username=f"uji-param-{role}", full_name="Uji", role=role, province_code=province,
                            password_hash=hash_password(TEST_PASSWORD))
        db.session.add(user)
        db.session.commit()
        user_id = user.id
    try:
        client = app.test_client()
        assert client.post("/api/v1/auth/login", json={"username": f"uji-param-{role}",
                                                        "password": TEST_PASSWORD}).status_code == 200
        _refused(client.get(path, query_string={UNKNOWN: "x", "year": 2024}))
        assert client.get(path, query_string={"year": 2024}).status_code == 200
    finally:
        with no_tenant():
            db.session.execute(db.delete(PlatformUser).where(PlatformUser.id == user_id))
            db.session.commit()

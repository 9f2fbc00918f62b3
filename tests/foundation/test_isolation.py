"""Tenant isolation through the API: the seam routes every request to exactly one schema."""

from __future__ import annotations


def _create_opd(client, slug, name, code=None):
    resp = client.post(f"/t/{slug}/api/v1/opds", json={"name": name, "code": code})
    assert resp.status_code == 201, resp.get_json()
    return resp.get_json()


def test_each_tenant_lists_only_its_own_rows(client, malang, serang):
    _create_opd(client, "kota-malang", "Dinas Pendidikan Kota Malang")
    _create_opd(client, "kota-malang", "Kecamatan Klojen")
    _create_opd(client, "kab-serang", "Kecamatan Kramatwatu")

    malang_names = {o["name"] for o in client.get("/t/kota-malang/api/v1/opds").get_json()["items"]}
    serang_names = {o["name"] for o in client.get("/t/kab-serang/api/v1/opds").get_json()["items"]}

    assert malang_names == {"Dinas Pendidikan Kota Malang", "Kecamatan Klojen"}
    assert serang_names == {"Kecamatan Kramatwatu"}


def test_an_id_that_exists_only_in_another_tenant_is_404(client, malang, serang):
    in_malang = _create_opd(client, "kota-malang", "Bappeda Kota Malang")
    made_in_serang = [_create_opd(client, "kab-serang", f"Kecamatan {n}") for n in ("Ciruas", "Kramatwatu")]
    # Sequences are not rolled back between tests: of Kab. Serang's two ids, the one Kota Malang's only OPD lacks.
    only_in_serang = next(opd for opd in reversed(made_in_serang) if opd["id"] != in_malang["id"])

    assert client.get(f"/t/kab-serang/api/v1/opds/{only_in_serang['id']}").status_code == 200
    resp = client.get(f"/t/kota-malang/api/v1/opds/{only_in_serang['id']}")
    assert resp.status_code == 404
    assert resp.content_type == "application/problem+json"
    # Writes cannot reach it either.
    assert client.patch(f"/t/kota-malang/api/v1/opds/{only_in_serang['id']}", json={"name": "x" * 5}).status_code == 404


def test_the_same_id_in_two_tenants_returns_each_tenants_own_row(client, malang, serang):
    # Identities are per schema; earlier tests on this worker may have moved one region's sequence (sequences are
    # not rolled back), so create rows on the side that lags until both regions hold a row with the same id.
    a = _create_opd(client, "kota-malang", "Dinas Kesehatan Kota Malang")
    b = _create_opd(client, "kab-serang", "Dinas Kesehatan Kabupaten Serang")
    for n in range(500):
        if a["id"] == b["id"]:
            break
        if a["id"] < b["id"]:
            a = _create_opd(client, "kota-malang", f"Dinas Kesehatan Kota Malang {n}")
        else:
            b = _create_opd(client, "kab-serang", f"Dinas Kesehatan Kabupaten Serang {n}")
    assert a["id"] == b["id"]
    assert client.get(f"/t/kota-malang/api/v1/opds/{a['id']}").get_json()["name"] == "Dinas Kesehatan Kota Malang"
    assert client.get(f"/t/kab-serang/api/v1/opds/{b['id']}").get_json()["name"] == "Dinas Kesehatan Kabupaten Serang"


def test_unknown_tenant_is_a_404_problem_before_any_tenant_query(client, tenants):
    resp = client.get("/t/kota-atlantis/api/v1/opds")
    assert resp.status_code == 404
    assert resp.content_type == "application/problem+json"
    assert resp.get_json()["type"].endswith("tenant-not-found")


def test_slug_that_is_not_a_valid_slug_is_a_404_not_an_error(client, tenants):
    for bad in ("Kota%20Malang", "x;drop%20schema", "a" * 60):
        assert client.get(f"/t/{bad}/api/v1/opds").status_code == 404


def test_openapi_document_is_served_per_tenant(client, malang):
    resp = client.get("/t/kota-malang/api/v1/openapi.json")
    assert resp.status_code == 200
    assert "/t/{tenant_slug}/api/v1/opds" in resp.get_json()["paths"]


def test_a_suspended_region_answers_423_before_any_tenant_query_and_resumes(client, malang):
    import sqlalchemy as sa

    from app.extensions import db
    from app.tenancy import no_tenant, registry

    def set_status(status: str) -> None:
        with no_tenant(), db.engine.begin() as conn:
            conn.execute(sa.text("UPDATE platform.tenants SET status = :s WHERE slug = 'kota-malang'"), {"s": status})
        registry.invalidate("kota-malang")

    assert client.get("/t/kota-malang/api/v1/opds").status_code == 200
    set_status("suspended")
    try:
        resp = client.get("/t/kota-malang/api/v1/opds")
        assert resp.status_code == 423 and resp.content_type == "application/problem+json"
        assert resp.get_json()["tenant_status"] == "suspended"
    finally:
        set_status("active")
    assert client.get("/t/kota-malang/api/v1/opds").status_code == 200


def test_every_log_line_of_a_request_carries_the_tenant_and_the_request_id(database_url, redis_url, redis_prefix,
                                                                          tmp_path, malang, caplog):
    import logging

    from app import create_app
    from app.authz import PUBLIC, policy
    from app.extensions import db
    from app.logs import ContextFilter
    from tests.fixtures.app import make_config

    application = create_app(make_config(database_url, redis_url, redis_prefix, tmp_path))

    @application.get("/t/<tenant_slug>/_log")
    @policy(PUBLIC)
    def log_something():
        logging.getLogger("app.probe").warning("something worth a line")
        return {}

    caplog.handler.addFilter(ContextFilter())
    with application.app_context():
        resp = application.test_client().get("/t/kota-malang/_log", headers={"X-Request-ID": "req-uji-1"})
        db.engine.dispose()
    assert resp.headers["X-Request-ID"] == "req-uji-1"
    record = next(r for r in caplog.records if r.name == "app.probe")
    assert (record.tenant, record.request_id) == ("kota-malang", "req-uji-1")

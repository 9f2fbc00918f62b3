"""The seam's guarantees at the connection level: pool reuse, savepoints, errors, unbound access."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from app import create_app
from app.authz import PUBLIC, policy
from app.extensions import db
from app.models.employees import Opd
from app.tenancy import NoTenantBound, TenancyError, no_tenant, tenant_context
from tests.fixtures.app import make_config


@pytest.fixture
def one_connection_app(database_url, redis_url, redis_prefix, tmp_path, tenants):
    """An app whose pool holds exactly one connection, so every request reuses it."""
    application = create_app(make_config(database_url, redis_url, redis_prefix, tmp_path,
                                         SQLALCHEMY_ENGINE_OPTIONS={"pool_size": 1, "max_overflow": 0,
                                                                    "pool_pre_ping": True}))

    @application.get("/t/<tenant_slug>/_probe")

    @policy(PUBLIC)
    def probe():
        row = db.session.execute(sa.text("SELECT current_setting('search_path') AS sp, pg_backend_pid() AS pid, "
                                         "(SELECT array_agg(name ORDER BY name) FROM opds) AS names")).one()
        return {"search_path": row.sp, "pid": row.pid, "names": row.names or []}

    @application.post("/t/<tenant_slug>/_savepoint_then_fail")

    @policy(PUBLIC)
    def savepoint_then_fail():
        db.session.add(Opd(name="Leaked A", name_key="leaked a"))
        db.session.flush()
        nested = db.session.begin_nested()
        db.session.add(Opd(name="Leaked B", name_key="leaked b"))
        db.session.flush()
        nested.rollback()
        raise RuntimeError("boom after a rolled-back savepoint")

    @application.post("/t/<tenant_slug>/_fail_mid_transaction")

    @policy(PUBLIC)
    def fail_mid_transaction():
        db.session.add(Opd(name="Half written", name_key="half written"))
        db.session.flush()
        db.session.execute(sa.text("SELECT 1/0"))
        return {}

    @application.post("/t/<tenant_slug>/_commit")

    @policy(PUBLIC)
    def commit_one():
        db.session.add(Opd(name="Committed", name_key="committed"))
        db.session.commit()
        return {}

    with application.app_context():
        yield application
        db.session.remove()
        db.engine.dispose()


def _probe(client, slug):
    resp = client.get(f"/t/{slug}/_probe")
    assert resp.status_code == 200
    return resp.get_json()


def test_savepoint_rollback_and_error_in_a_do_not_leak_into_b(one_connection_app):
    client = one_connection_app.test_client()
    before = _probe(client, "kab-serang")
    assert client.post("/t/kota-malang/_savepoint_then_fail").status_code == 500
    after = _probe(client, "kab-serang")
    assert after["pid"] == before["pid"]  # the very same connection
    assert after["search_path"] == '"t_kab_serang"' or after["search_path"] == "t_kab_serang"
    assert after["names"] == []
    assert _probe(client, "kota-malang")["names"] == []  # A's failed request left nothing behind


def test_an_exception_mid_transaction_does_not_leak_into_b(one_connection_app):
    client = one_connection_app.test_client()
    assert client.post("/t/kota-malang/_fail_mid_transaction").status_code == 500
    seen = _probe(client, "kab-serang")
    assert "t_kab_serang" in seen["search_path"] and seen["names"] == []


def test_after_a_commit_in_a_the_next_request_in_b_sees_only_b(one_connection_app):
    client = one_connection_app.test_client()
    assert client.post("/t/kota-malang/_commit").status_code == 200
    seen_b = _probe(client, "kab-serang")
    seen_a = _probe(client, "kota-malang")
    assert seen_b["names"] == [] and seen_a["names"] == ["Committed"]
    assert seen_a["pid"] == seen_b["pid"]


def test_orm_access_to_tenant_tables_without_a_tenant_raises(app, tenants):
    with no_tenant(), pytest.raises(NoTenantBound):
        db.session.execute(sa.select(Opd)).all()
    db.session.remove()


def test_raw_sql_on_a_tenant_table_without_a_tenant_raises_not_empty(app, tenants):
    with no_tenant(), db.engine.connect() as conn, pytest.raises(NoTenantBound):
        conn.execute(sa.text("SELECT count(*) FROM opds"))


def test_public_schema_is_never_a_fallback(app, tenants):
    with no_tenant(), db.engine.begin() as conn:
        conn.execute(sa.text("CREATE TABLE IF NOT EXISTS public.opds (id int)"))
    try:
        with no_tenant(), db.engine.connect() as conn, pytest.raises(NoTenantBound):
            conn.execute(sa.text("SELECT count(*) FROM opds"))
    finally:
        with no_tenant(), db.engine.begin() as conn:
            conn.execute(sa.text("DROP TABLE public.opds"))


def test_switching_tenant_inside_an_open_transaction_is_refused(app, malang, serang):
    with tenant_context(malang):
        db.session.execute(sa.select(Opd)).all()
        with pytest.raises(TenancyError), tenant_context(serang):
            pass
    db.session.remove()


def test_a_transaction_cannot_be_used_after_the_bound_tenant_changed(app, malang, serang):
    with tenant_context(malang), db.engine.connect() as conn:
        conn.execute(sa.text("SELECT 1"))
        from app.tenancy import _current

        token = _current.set(serang)
        try:
            with pytest.raises(TenancyError):
                conn.execute(sa.text("SELECT count(*) FROM opds"))
        finally:
            _current.reset(token)


def test_auto_prepared_statements_follow_the_tenant_on_one_connection(one_connection_app):
    """psycopg prepares a query after a few runs; each run must still resolve tables in the bound schema."""
    client = one_connection_app.test_client()
    client.post("/t/kota-malang/_commit")
    pids = set()
    for i in range(12):
        slug = ("kota-malang", "kab-serang")[i % 2]
        seen = _probe(client, slug)
        pids.add(seen["pid"])
        assert seen["names"] == (["Committed"] if slug == "kota-malang" else [])
    assert len(pids) == 1


@pytest.mark.committed  # an app of its own, on connections of its own
def test_a_connection_is_closed_after_serving_its_quota_of_schemas(database_url, redis_url, redis_prefix, tmp_path,
                                                                    tenants):
    """Backend memory grows with every schema a connection touches: the pool recycles it past the limit."""
    application = create_app(make_config(database_url, redis_url, redis_prefix, tmp_path,
                                         TENANT_SCHEMAS_PER_CONNECTION=2,
                                         SQLALCHEMY_ENGINE_OPTIONS={"pool_size": 1, "max_overflow": 0}))

    @application.get("/t/<tenant_slug>/_pid")

    @policy(PUBLIC)
    def pid():
        return {"pid": db.session.execute(sa.text("SELECT pg_backend_pid()")).scalar_one()}

    client = application.test_client()
    with application.app_context():
        try:
            first = client.get("/t/kota-malang/_pid").get_json()["pid"]
            assert client.get("/t/kota-malang/_pid").get_json()["pid"] == first  # one schema so far
            assert client.get("/t/kab-serang/_pid").get_json()["pid"] == first  # second schema: closed on return
            assert client.get("/t/kab-tuban/_pid").get_json()["pid"] != first
        finally:
            db.session.remove()
            db.engine.dispose()

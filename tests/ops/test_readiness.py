"""/readyz: ready only when PostgreSQL and Redis answer and the platform and every active region are at the
migration head; 503 problem+json naming what is not; /healthz stays liveness."""

from __future__ import annotations

import sqlalchemy as sa
from psycopg import sql

from app import create_app
from app.extensions import db
from app.services.admin import migrations
from app.services.ops import readiness
from app.tenancy import no_tenant
from tests.fixtures.app import make_config


def _set_version(schema: str, version: str) -> None:
    with no_tenant(), db.engine.begin() as conn:
        conn.connection.dbapi_connection.execute(
            sql.SQL("UPDATE {} SET version_num = %s").format(sql.Identifier(schema, "alembic_version")), (version,))


def test_ready_when_everything_is_at_head(app, tenants):
    readiness.forget()
    resp = app.test_client().get("/readyz")
    assert resp.status_code == 200, resp.get_json()
    body = resp.get_json()
    assert body["status"] == "ready"
    assert body["checks"] == {"database": "ok", "platform_schema": "ok", "regions": "ok", "redis": "ok"}


def test_a_region_behind_the_head_makes_the_instance_not_ready(app, tenants, make_tenant):
    behind = make_tenant("uji-tertinggal")
    older = migrations.script("tenant").get_revision(migrations.head("tenant")).down_revision
    _set_version(behind.schema, older)
    readiness.forget()
    try:
        resp = app.test_client().get("/readyz")
        assert resp.status_code == 503
        assert resp.mimetype == "application/problem+json"
        body = resp.get_json()
        assert body["regions_behind"] == ["uji-tertinggal"]
        assert [e["field"] for e in body["errors"]] == ["regions"]
        assert "wilayah aktif belum di versi skema" in body["errors"][0]["reason"]
        assert body["checks"]["database"] == "ok" and body["checks"]["redis"] == "ok"
        assert app.test_client().get("/healthz").status_code == 200  # alive all the same
    finally:
        _set_version(behind.schema, migrations.head("tenant"))
        readiness.forget()


def test_a_suspended_region_behind_does_not_count(app, tenants, make_tenant):
    region = make_tenant("uji-tidur")
    older = migrations.script("tenant").get_revision(migrations.head("tenant")).down_revision
    _set_version(region.schema, older)
    with no_tenant(), db.engine.begin() as conn:
        conn.execute(sa.text("UPDATE platform.tenants SET status = 'suspended' WHERE id = :id"), {"id": region.id})
    readiness.forget()
    assert app.test_client().get("/readyz").status_code == 200


def test_the_answer_is_cached_for_a_few_seconds(app, tenants, make_tenant):
    readiness.forget()
    assert app.test_client().get("/readyz").status_code == 200
    region = make_tenant("uji-cache")
    older = migrations.script("tenant").get_revision(migrations.head("tenant")).down_revision
    _set_version(region.schema, older)
    try:
        assert app.test_client().get("/readyz").status_code == 200  # within the cache window: not asked again
        readiness.forget()
        assert app.test_client().get("/readyz").status_code == 503
    finally:
        _set_version(region.schema, migrations.head("tenant"))
        readiness.forget()


def test_redis_down_means_not_ready(app_config, tenants):
    other = create_app({**app_config, "REDIS_URL": "redis://127.0.0.1:1/0"})
    with other.app_context():
        resp = other.test_client().get("/readyz")
        assert resp.status_code == 503
        body = resp.get_json()
        assert [e["field"] for e in body["errors"]] == ["redis"]
        assert body["checks"]["database"] == "ok"
        db.engine.dispose()


def test_postgres_down_means_not_ready(database_url, redis_url, redis_prefix, tmp_path):
    url = "postgresql://postgres@127.0.0.1:1/postgres"
    other = create_app(make_config(url, redis_url, redis_prefix, tmp_path))
    with other.app_context():
        resp = other.test_client().get("/readyz")
        assert resp.status_code == 503
        body = resp.get_json()
        assert body["checks"]["database"].startswith("PostgreSQL tidak dapat dihubungi")
        assert body["checks"]["redis"] == "ok"
        assert other.test_client().get("/healthz").status_code == 503

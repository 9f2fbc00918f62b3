"""Spare schemas: provisioning renames a spare at head, never one at an old revision, never one twice; refill."""

from __future__ import annotations

import threading

import pytest
import sqlalchemy as sa
from psycopg import sql

from app.extensions import db
from app.services.admin import spares
from app.services.admin.migrations import head
from app.services.admin.provisioning import PartnerSpec, TenantSpec, provision
from app.tenancy import no_tenant
from tests.fixtures.tenants import drop_tenants

# Spares and provisioning run DDL on connections of their own and commit.
pytestmark = pytest.mark.committed


def _spec(slug: str, code: str, partners=()) -> TenantSpec:
    return TenantSpec(slug=slug, name=slug.title(), kind="kabupaten", region_code=code, province_code="98",
                      province_name="Provinsi Cadangan", agency="BKPSDM Cadangan", partners=tuple(partners))


def _drop_all_spares() -> None:
    for spare in spares.list_spares():
        with no_tenant(), db.engine.begin() as conn:
            conn.connection.dbapi_connection.execute(
                sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(spare.schema)))


@pytest.fixture
def pool(app):
    _drop_all_spares()
    made: list[str] = []
    yield made
    drop_tenants(made)
    _drop_all_spares()


def _schemas() -> set[str]:
    with no_tenant(), db.engine.connect() as conn:
        return set(conn.execute(sa.text("SELECT nspname FROM pg_namespace")).scalars())


def test_provisioning_takes_a_spare_and_the_region_works(app, pool, client):
    assert spares.fill(2) == 2
    names = {s.schema for s in spares.list_spares()}
    assert len(names) == 2 and all(n.startswith(spares.PREFIX) for n in names)

    pool.append("kab-cadangan-satu")
    result = provision(_spec("kab-cadangan-satu", "98.01", [PartnerSpec("BPSDM-UJI", "BPSDM Uji", "bpsdm")]))

    assert result.created and result.spare in names
    after = _schemas()
    assert result.spare not in after and "t_kab_cadangan_satu" in after
    with no_tenant(), db.engine.connect() as conn:
        row = conn.execute(sa.text("SELECT status, schema_version FROM platform.tenants WHERE slug = :s"),
                           {"s": "kab-cadangan-satu"}).one()
    assert (row.status, row.schema_version) == ("active", head("tenant"))

    partners = client.get("/t/kab-cadangan-satu/api/v1/partners").get_json()["items"]
    assert {p["code"] for p in partners} == {"LAN-RI", "BPSDM-UJI"}
    programs = client.get("/t/kab-cadangan-satu/api/v1/programs").get_json()["items"]
    assert "PKA" in {p["code"] for p in programs}
    resp = client.post("/t/kab-cadangan-satu/api/v1/opds", json={"name": "Dinas Cadangan", "code": None})
    assert resp.status_code == 201, resp.get_json()
    assert [o["name"] for o in client.get("/t/kab-cadangan-satu/api/v1/opds").get_json()["items"]] == [
        "Dinas Cadangan"]


def test_a_spare_at_an_old_revision_is_dropped_not_used(app, pool):
    spares.fill(1)
    (stale,) = spares.list_spares()
    with no_tenant(), db.engine.begin() as conn:
        conn.connection.dbapi_connection.execute(
            sql.SQL("UPDATE {}.alembic_version SET version_num = 'old0revision'").format(sql.Identifier(stale.schema)))

    pool.append("kab-cadangan-lama")
    result = provision(_spec("kab-cadangan-lama", "98.02"))

    assert result.created and result.spare is None
    assert stale.schema not in _schemas()
    with no_tenant(), db.engine.connect() as conn:
        version = conn.execute(sa.text("SELECT version_num FROM t_kab_cadangan_lama.alembic_version")).scalar_one()
    assert version == head("tenant")


def test_two_concurrent_provisions_take_different_spares(app, pool):
    spares.fill(2)
    slugs = ["kab-cadangan-kiri", "kab-cadangan-kanan"]
    pool.extend(slugs)
    results, errors = {}, []
    barrier = threading.Barrier(2)

    def run(slug, code):
        with app.app_context():
            try:
                barrier.wait()
                results[slug] = provision(_spec(slug, code))
            except Exception as exc:  # noqa: BLE001 - reported below
                errors.append(exc)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run, args=(s, f"98.1{i}")) for i, s in enumerate(slugs)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert errors == []
    taken = [results[s].spare for s in slugs]
    assert all(taken) and taken[0] != taken[1]
    assert spares.list_spares() == []
    assert {"t_kab_cadangan_kiri", "t_kab_cadangan_kanan"} <= _schemas()


def test_refill_creates_up_to_the_pool_size_and_prunes_stale(app, pool):
    app.config["SPARE_SCHEMAS"] = 2
    try:
        assert spares.refill() == 2
        assert spares.refill() == 0
        first = spares.list_spares()[0]
        with no_tenant(), db.engine.begin() as conn:
            conn.connection.dbapi_connection.execute(sql.SQL("UPDATE {}.alembic_version SET version_num = 'old0'")
                                                     .format(sql.Identifier(first.schema)))
        assert spares.prune() == [first.schema]
        assert spares.refill() == 1
        pool_now = spares.list_spares()
        assert len(pool_now) == 2 and all(s.version == head("tenant") for s in pool_now)
        assert first.schema not in {s.schema for s in pool_now}
    finally:
        app.config["SPARE_SCHEMAS"] = 0


def test_refill_job_runs_on_a_worker_after_a_take(app, pool, run_worker):
    app.config["SPARE_SCHEMAS"] = 1
    try:
        spares.fill()
        pool.append("kab-cadangan-isi")
        assert provision(_spec("kab-cadangan-isi", "98.03")).spare is not None
        assert spares.list_spares() == []
        run_worker()
        (refilled,) = spares.list_spares()
        assert refilled.version == head("tenant")
    finally:
        app.config["SPARE_SCHEMAS"] = 0


def test_commands_fill_list_and_migrate_drops_spares_behind_head(app, pool):
    runner = app.test_cli_runner()
    out = runner.invoke(args=["tenants", "spares", "--fill", "2"])
    assert out.exit_code == 0, out.output
    assert "spares: 2 created" in out.output and "2 spare(s), 2 at head" in out.output
    stale = spares.list_spares()[0]
    with no_tenant(), db.engine.begin() as conn:
        conn.connection.dbapi_connection.execute(sql.SQL("UPDATE {}.alembic_version SET version_num = 'old0'")
                                                 .format(sql.Identifier(stale.schema)))
    listed = runner.invoke(args=["tenants", "spares"])
    assert "(not at head)" in listed.output and "2 spare(s), 1 at head" in listed.output

    migrated = runner.invoke(args=["tenants", "migrate", "--tenant", "kab-tidak-ada"])
    assert migrated.exit_code == 0, migrated.output
    assert "spares: 1 not at head dropped" in migrated.output
    assert [s.schema for s in spares.list_spares()] != [] and stale.schema not in _schemas()

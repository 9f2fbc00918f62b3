"""Provisioning: validated input only, one schema under concurrency, a killed provision is finished later."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.services.admin.migrations import head
from app.services.admin.provisioning import SpecError, TenantSpec, provision
from app.tenancy import no_tenant, schema_for
from tests.fixtures.tenants import drop_tenants

BASE = {"name": "Kabupaten Uji", "kind": "kabupaten", "region_code": "99.01", "province_code": "99",
        "province_name": "Provinsi Uji", "agency": "BKPSDM Uji", "partners": []}


# Provisioning runs DDL and commits on connections of its own: every test needs committed data.
pytestmark = pytest.mark.committed


def _schemas_and_rows() -> tuple[set[str], int]:
    with no_tenant(), db.engine.connect() as conn:
        schemas = set(conn.execute(sa.text("SELECT nspname FROM pg_namespace")).scalars())
        rows = conn.execute(sa.text("SELECT count(*) FROM platform.tenants")).scalar_one()
    return schemas, rows


@pytest.mark.parametrize("slug", ["x; drop schema platform cascade", "Kota Malang", "a" * 200, "kota-málang",
                                  "1kota", "k", "kota_malang", 'x"; drop', "", None])
def test_bad_slugs_are_refused_and_create_nothing(app, slug):
    before = _schemas_and_rows()
    with pytest.raises(SpecError) as err:
        provision(TenantSpec.from_mapping({**BASE, "slug": slug}))
    assert any(e["field"] == "slug" for e in err.value.errors)
    assert _schemas_and_rows() == before


@pytest.mark.parametrize("code", ["35.7", "3573", "35.73; drop", "99.0a", "٣٥.٧٣"])
def test_bad_region_codes_are_refused(app, code):
    with pytest.raises(SpecError) as err:
        TenantSpec.from_mapping({**BASE, "slug": "kab-uji", "region_code": code})
    assert any(e["field"] == "region_code" for e in err.value.errors)


def test_schema_names_only_come_from_valid_slugs():
    assert schema_for("kota-malang") == "t_kota_malang"
    with pytest.raises(ValueError):
        schema_for('x"; drop schema platform cascade; --')


def test_a_new_region_gets_schema_tables_reference_data_and_head(app):
    spec = TenantSpec.from_mapping({**BASE, "slug": "kab-uji-baru", "region_code": "99.02"})
    try:
        result = provision(spec)
        assert result.created
        again = provision(spec)
        assert not again.created
        with no_tenant(), db.engine.connect() as conn:
            row = conn.execute(sa.text("SELECT status, schema_version FROM platform.tenants WHERE slug = :s"),
                               {"s": spec.slug}).one()
            programs = conn.execute(sa.text("SELECT count(*) FROM t_kab_uji_baru.programs")).scalar_one()
            version = conn.execute(sa.text("SELECT version_num FROM t_kab_uji_baru.alembic_version")).scalar_one()
        assert tuple(row) == ("active", head("tenant"))
        assert version == head("tenant") and programs >= 6
    finally:
        drop_tenants([spec.slug])


@pytest.mark.committed  # threads / a subprocess: each needs committed data and its own connection
def test_two_concurrent_provisions_of_one_slug_leave_one_schema_and_one_row(app):
    spec = TenantSpec.from_mapping({**BASE, "slug": "kab-kembar", "region_code": "99.03"})
    results, errors = [], []
    barrier = threading.Barrier(2)

    def run():
        with app.app_context():
            barrier.wait()
            try:
                results.append(provision(spec))
            except Exception as exc:  # noqa: BLE001 - collected and asserted below
                errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(2)]
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
        assert errors == []
        assert sorted(r.created for r in results) == [False, True]
        with no_tenant(), db.engine.connect() as conn:
            schemas = conn.execute(sa.text("SELECT count(*) FROM pg_namespace WHERE nspname = 't_kab_kembar'")).scalar()
            rows = conn.execute(sa.text("SELECT count(*) FROM platform.tenants WHERE slug = 'kab-kembar'")).scalar()
        assert (schemas, rows) == (1, 1)
    finally:
        drop_tenants([spec.slug])


_CHILD = """
import sys
from app import create_app
from app.services.admin.provisioning import TenantSpec, provision
app = create_app({"SQLALCHEMY_DATABASE_URI": sys.argv[1], "SECRET_KEY": "t", "REDIS_URL": "redis://unused",
                  "LOG_LEVEL": "WARNING"})
with app.app_context():
    provision(TenantSpec.from_mapping(%r))
"""


@pytest.mark.committed  # threads / a subprocess: each needs committed data and its own connection
def test_a_provision_killed_halfway_is_finished_by_the_next_call(app, app_config):
    spec_data = {**BASE, "slug": "kab-terputus", "region_code": "99.04"}
    spec = TenantSpec.from_mapping(spec_data)
    with no_tenant(), db.engine.begin() as conn:  # an earlier claim of the slug
        conn.execute(sa.text(
            "INSERT INTO platform.tenants (slug, name, kind, region_code, province_code, province_name, agency_name, "
            "schema_name, status) VALUES ('kab-terputus', 'Kabupaten Uji', 'kabupaten', '99.04', '99', "
            "'Provinsi Uji', 'BKPSDM Uji', 't_kab_terputus', 'provisioning')"))
    try:
        # Hold the registry row so the child blocks on its final UPDATE, after creating schema and tables.
        with no_tenant(), db.engine.connect() as holder:
            holder_tx = holder.begin()
            holder.execute(sa.text("SELECT 1 FROM platform.tenants WHERE slug = 'kab-terputus' FOR UPDATE"))
            child = subprocess.Popen(  # noqa: S603 - our own interpreter and script
                [sys.executable, "-c", _CHILD % spec_data, app_config["SQLALCHEMY_DATABASE_URI"]], cwd=os.getcwd())
            pid = _wait_for_blocked_update()
            os.kill(child.pid, signal.SIGKILL)
            child.wait(10)
            holder_tx.rollback()
            _wait_for_backend_gone(pid)
        with no_tenant(), db.engine.connect() as conn:
            status = conn.execute(sa.text("SELECT status FROM platform.tenants WHERE slug = 'kab-terputus'")).scalar()
            schema = conn.execute(
                sa.text("SELECT count(*) FROM pg_namespace WHERE nspname = 't_kab_terputus'")).scalar()
        assert (status, schema) == ("provisioning", 0)  # the schema transaction died with the process

        assert provision(spec).created
        with no_tenant(), db.engine.connect() as conn:
            assert conn.execute(sa.text("SELECT status FROM platform.tenants WHERE slug = 'kab-terputus'")).scalar() \
                == "active"
            assert conn.execute(sa.text("SELECT version_num FROM t_kab_terputus.alembic_version")).scalar() \
                == head("tenant")
    finally:
        drop_tenants([spec.slug])


def _wait_for_blocked_update() -> int:
    """Poll from fresh transactions: pg_stat_activity is a snapshot within one transaction."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        with no_tenant(), db.engine.connect() as conn:
            pid = conn.execute(sa.text(
                "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' "
                "AND query LIKE 'UPDATE platform.tenants SET status = ''active''%'")).scalar()
        if pid:
            return pid
        time.sleep(0.05)
    raise AssertionError("the child never reached its final UPDATE")


def _wait_for_backend_gone(pid: int) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        with no_tenant(), db.engine.connect() as conn:
            if not conn.execute(sa.text("SELECT 1 FROM pg_stat_activity WHERE pid = :p"), {"p": pid}).scalar():
                return
        time.sleep(0.05)
    raise AssertionError("the killed child's backend did not go away")

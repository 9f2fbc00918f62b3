"""Exports (a job writes a bundle; app/services/admin/bundles.py) and restores (a new region from a bundle)."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from app.extensions import db
from app.jobs import enqueue, tenant_job
from app.models.admin import TenantExport
from app.models.platform import Tenant
from app.problems import Problem
from app.services.admin import bundles
from app.services.admin.provisioning import SpecError, TenantSpec
from app.services.admin.tenants import ENTITY, audited_view, get_tenant, tenant_view
from app.services.audit import log as audit
from app.tenancy import TenantInfo, current_tenant, no_tenant, registry

log = logging.getLogger(__name__)

EXPORTABLE = ("active", "suspended", "archived")


def export_view(row: TenantExport) -> dict:
    done = row.status == "done"
    return {"id": row.id, "tenant": row.slug, "status": row.status, "tenant_status": row.tenant_status,
            "size_bytes": row.size_bytes, "sha256": row.sha256, "error": row.error, "requested_by": row.requested_by,
            "created_at": row.created_at, "finished_at": row.finished_at,
            "tables": bundles.manifest_summary(row.manifest)["tables"] if row.manifest else None,
            "schema_version": (row.manifest or {}).get("schema_version"),
            "links": {"self": f"/admin/api/v1/exports/{row.id}",
                      "download": f"/admin/api/v1/exports/{row.id}/download" if done else None}}


def get_export(export_id: int) -> TenantExport:
    row = db.session.get(TenantExport, export_id)
    if row is None:
        raise Problem.not_found(f"Ekspor {export_id} tidak ditemukan.")
    return row


def request_export(slug: str, requested_by: str | None) -> TenantExport:
    """Record an export as queued (the caller commits, then calls `start_export`)."""
    tenant = get_tenant(slug)
    if tenant.status not in EXPORTABLE:
        raise Problem.conflict(field="status", reason=f"cannot export a region that is {tenant.status}")
    row = TenantExport(tenant_id=tenant.id, slug=tenant.slug, status="queued", requested_by=requested_by)
    db.session.add(row)
    db.session.flush()
    audit.record("tenant.export", ENTITY, tenant.id, after={"export_id": row.id}, platform=True)
    return row


def start_export(export: TenantExport) -> str:
    job = enqueue(export_job, export.id, tenant=export.tenant_id)
    return job.id


def _mark_failed(error: Exception, export_id: int) -> None:
    db.session.execute(sa.update(TenantExport).where(TenantExport.id == export_id)
                       .values(status="failed", error=f"{type(error).__name__}: {error}"[:2000],
                               finished_at=datetime.now(UTC)))


@tenant_job("default", retries=2, retry_intervals=(10, 60), timeout=3600, on_final_failure=_mark_failed,
            allow_status=EXPORTABLE)
def export_job(export_id: int) -> dict:
    """Write the bound region's bundle in one REPEATABLE READ snapshot; a re-run writes a fresh file."""
    return write_export(export_id)


def write_export(export_id: int) -> dict:
    """The export itself, in the bound region (the export job's, and each nightly backup's)."""
    with db.engine.begin() as marking:  # visible at once to whoever polls the export
        marking.execute(sa.update(TenantExport).where(TenantExport.id == export_id, TenantExport.status == "queued")
                        .values(status="running"))
    conn = db.session.connection(execution_options={"isolation_level": "REPEATABLE READ"})
    tenant = current_tenant()
    row = db.session.execute(sa.select(Tenant).where(Tenant.id == tenant.id)).scalar_one()
    export = db.session.get(TenantExport, export_id)
    if export is None or export.status == "done":
        return {"export_id": export_id, "skipped": True}
    registry_data = {k: v for k, v in audited_view(row).items()
                     if k not in ("id", "archived_at", "last_migration_error")}
    path, manifest = bundles.write_bundle(conn.connection.dbapi_connection, registry_data, export_id)
    export.status = "done"
    export.tenant_status = row.status
    export.file_name = path.name
    export.size_bytes = path.stat().st_size
    export.sha256 = bundles.file_sha256(path)
    export.manifest = manifest
    export.finished_at = datetime.now(UTC)
    export.error = None
    log.info("exported %s to %s (%d bytes)", tenant.slug, path.name, export.size_bytes)
    return {"export_id": export_id, "file": path.name}


def export_path(row: TenantExport) -> Path:
    if row.status != "done" or not row.file_name:
        raise Problem.conflict(field="status", reason=f"export {row.id} is {row.status}")
    path = bundles.export_dir() / row.file_name
    if not path.is_file():
        raise Problem(410, "Gone", f"Berkas ekspor {row.id} sudah tidak ada.")
    return path


# --- restore ----------------------------------------------------------------------------------------------


_CLAIMED_COLUMNS = "status, name, kind, region_code, province_code, province_name, agency_name, updated_at"


def _claim_for_restore(spec: TenantSpec) -> tuple[int, dict | None]:
    """A `provisioning` registry row for the restore: a new slug, the tombstone of a deleted region (same
    slug), or a restore that was interrupted. Anything live with that slug or region code is a 409.
    Returns (id, the row as it was before: None when inserted), for `_release_claim`."""
    values = {**spec.__dict__, "schema": spec.schema}
    with no_tenant():
        try:
            with db.engine.begin() as conn:
                existing = conn.execute(sa.text(f"SELECT id, {_CLAIMED_COLUMNS} FROM platform.tenants "  # noqa: S608
                                                "WHERE slug = :slug FOR UPDATE"), values).first()
                if existing is None:
                    return conn.execute(sa.text(
                        "INSERT INTO platform.tenants (slug, name, kind, region_code, province_code, province_name, "
                        "agency_name, schema_name, status) VALUES (:slug, :name, :kind, :region_code, :province_code, "
                        ":province_name, :agency, :schema, 'provisioning') RETURNING id"), values).scalar_one(), None
                if existing.status not in ("deleted", "provisioning"):
                    raise Problem.conflict(field="slug", reason=f"region {spec.slug} exists ({existing.status}); "
                                                                "restore into a new slug or delete it first")
                conn.execute(sa.text(
                    "UPDATE platform.tenants SET status = 'provisioning', name = :name, kind = :kind, "
                    "region_code = :region_code, province_code = :province_code, province_name = :province_name, "
                    "agency_name = :agency, updated_at = now() WHERE id = :id"), {**values, "id": existing.id})
                return existing.id, dict(existing._mapping)
        except IntegrityError as exc:
            raise Problem.conflict(field="region_code", reason=f"{spec.region_code} belongs to a live region") from exc


def _release_claim(tenant_id: int, slug: str, before: dict | None) -> None:
    """A refused or failed restore leaves the registry as it found it: a row it inserted is deleted, a tombstone
    it claimed is a tombstone again (the restore's own transaction rolled its schema back)."""
    with no_tenant(), db.engine.begin() as conn:
        if before is None:
            conn.execute(sa.text("DELETE FROM platform.tenants WHERE id = :id AND status = 'provisioning'"),
                         {"id": tenant_id})
        else:
            conn.execute(sa.text(
                "UPDATE platform.tenants SET status = :status, name = :name, kind = :kind, region_code = :region_code, "
                "province_code = :province_code, province_name = :province_name, agency_name = :agency_name, "
                "updated_at = :updated_at WHERE id = :id AND status = 'provisioning'"), {**before, "id": tenant_id})
    registry.invalidate(slug)


def restore_spec(export: TenantExport, overrides: dict) -> TenantSpec:
    """The new region's registry data: the export's, with any field the caller gives instead."""
    source = dict((export.manifest or {}).get("tenant") or {})
    data = {"slug": source.get("slug"), "name": source.get("name"), "kind": source.get("kind"),
            "region_code": source.get("region_code"), "province_code": source.get("province_code"),
            "province_name": source.get("province_name"), "agency": source.get("agency")}
    data.update({k: v for k, v in overrides.items() if v is not None and k in data})
    try:
        return TenantSpec.from_mapping(data)
    except SpecError as exc:
        raise Problem.invalid(str(exc), errors=exc.errors) from exc


def _refused(exc: bundles.BundleError) -> Problem:
    log.warning("restore refused: %s", exc)
    return Problem.invalid(str(exc), field="restore_from")


def restore(export_id: int, overrides: dict) -> dict:
    """Create a region from an export (a new slug, or the same slug after it was deleted). Not in a request
    transaction: it claims the registry row, then builds the schema in one transaction of its own."""
    with no_tenant():
        export = get_export(export_id)
        db.session.expunge(export)  # kept loaded: the restore runs in transactions of its own
        db.session.rollback()
    if export.status != "done":
        raise Problem.conflict(field="restore_from", reason=f"export {export_id} is {export.status}")
    spec = restore_spec(export, overrides)
    try:
        bundle = bundles.open_bundle(export_path(export), export.sha256)
    except bundles.BundleError as exc:
        raise _refused(exc) from exc
    tenant_id, before = _claim_for_restore(spec)
    info = TenantInfo(id=tenant_id, slug=spec.slug, name=spec.name, schema=spec.schema, status="provisioning",
                      province_code=spec.province_code)
    registry.invalidate(spec.slug)
    try:
        bundles.restore_into(info, bundle)
    except bundles.BundleError as exc:
        _release_claim(tenant_id, spec.slug, before)
        raise _refused(exc) from exc
    except BaseException:
        db.session.remove()
        _release_claim(tenant_id, spec.slug, before)
        raise
    with no_tenant():
        row = get_tenant(spec.slug)
        audit.record("tenant.restore", ENTITY, row.id, after={**audited_view(row), "export_id": export_id},
                     platform=True)
        view = {"tenant": tenant_view(row), "restored_from": export_id,
                "tables": bundles.manifest_summary(bundle.manifest)["tables"]}
        db.session.commit()
    return view

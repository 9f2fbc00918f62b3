"""Provisioning a region: registry row, schema, tables, reference data and version stamp.

One service, used by `tenants sync`, the demo and the vendors' admin API. Safe to repeat and to run
twice at once for the same slug: the registry row is claimed with INSERT … ON CONFLICT, and the schema
work runs in one transaction under a per-slug advisory lock, so a second caller waits and then finds the
region active. The schema is a spare renamed (app/services/admin/spares.py) when one at head is waiting, else
built from the models. A provision killed halfway leaves only the `provisioning` registry row (the schema
transaction rolls back), and the next call finishes it.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field

import sqlalchemy as sa
from psycopg import sql

from app.extensions import db
from app.models import tenant_tables
from app.services.admin import reference_data, spares
from app.services.admin.migrations import head, stamp_tenant_head
from app.tenancy import (
    REGION_CODE_RE,
    SLUG_RE,
    TenantInfo,
    no_tenant,
    registry,
    schema_for,
    tenant_context,
)

log = logging.getLogger(__name__)

KINDS = ("kota", "kabupaten")
PARTNER_KINDS = ("bpsdm", "badiklat", "lan", "other")


class SpecError(ValueError):
    """Invalid region data: `errors` is [{field, reason}]."""

    def __init__(self, errors: list[dict]) -> None:
        super().__init__("; ".join(f"{e['field']}: {e['reason']}" for e in errors))
        self.errors = errors


class ProvisionConflict(Exception):
    """The slug or region code is taken by a region with different data."""

    def __init__(self, field_name: str, reason: str) -> None:
        super().__init__(f"{field_name}: {reason}")
        self.field = field_name
        self.reason = reason


@dataclass(frozen=True)
class PartnerSpec:
    code: str
    name: str
    kind: str


@dataclass(frozen=True)
class TenantSpec:
    slug: str
    name: str
    kind: str
    region_code: str
    province_code: str
    province_name: str
    agency: str
    partners: tuple[PartnerSpec, ...] = field(default_factory=tuple)

    @classmethod
    def from_mapping(cls, data: dict) -> TenantSpec:
        """Build and validate from a manifest or an API body; raises SpecError listing every bad field."""
        errors: list[dict] = []

        def text(name: str, max_len: int = 300) -> str:
            value = data.get(name)
            if not isinstance(value, str) or not value.strip():
                errors.append({"field": name, "reason": "required, non-empty text"})
                return ""
            if len(value) > max_len:
                errors.append({"field": name, "reason": f"at most {max_len} characters"})
            return value.strip()

        slug = data.get("slug")
        if not isinstance(slug, str) or not SLUG_RE.fullmatch(slug):
            errors.append({"field": "slug", "reason": "must match ^[a-z][a-z0-9-]{1,40}$"})
        region_code = data.get("region_code")
        if not isinstance(region_code, str) or not REGION_CODE_RE.fullmatch(region_code):
            errors.append({"field": "region_code", "reason": r"must match ^\d{2}\.\d{2}$ (e.g. 35.73)"})
        province_code = data.get("province_code")
        if not isinstance(province_code, str) or not province_code.isdigit() or len(province_code) != 2:
            errors.append({"field": "province_code", "reason": "two digits (e.g. 35)"})
        elif isinstance(region_code, str) and not region_code.startswith(province_code + "."):
            errors.append({"field": "region_code", "reason": "must start with the province code"})
        kind = data.get("kind")
        if kind not in KINDS:
            errors.append({"field": "kind", "reason": f"one of {', '.join(KINDS)}"})
        partners = []
        for i, p in enumerate(data.get("partners") or []):
            if not isinstance(p, dict) or not p.get("code") or not p.get("name") or p.get("kind") not in PARTNER_KINDS:
                errors.append({"field": f"partners[{i}]", "reason": f"needs code, name and kind ({PARTNER_KINDS})"})
                continue
            partners.append(PartnerSpec(str(p["code"]).strip().upper(), str(p["name"]).strip(), p["kind"]))
        spec = cls(slug=slug if isinstance(slug, str) else "", name=text("name", 200), kind=kind or "",
                   region_code=region_code if isinstance(region_code, str) else "",
                   province_code=province_code if isinstance(province_code, str) else "",
                   province_name=text("province_name", 100), agency=text("agency"), partners=tuple(partners))
        if errors:
            raise SpecError(errors)
        return spec

    @property
    def schema(self) -> str:
        return schema_for(self.slug)


@dataclass
class ProvisionResult:
    tenant_id: int
    slug: str
    created: bool
    seconds: float
    spare: str | None = None  # the spare schema renamed into the region's, when one was taken


_IDENTITY = ("kind", "region_code", "province_code")


def _claim_registry_row(spec: TenantSpec) -> int:
    """Insert the registry row as `provisioning` (committed at once), or find the existing one."""
    with no_tenant(), db.engine.begin() as conn:
        row = conn.execute(
            sa.text(
                "INSERT INTO platform.tenants (slug, name, kind, region_code, province_code, province_name, "
                "agency_name, schema_name, status) VALUES (:slug, :name, :kind, :region_code, :province_code, "
                ":province_name, :agency, :schema, 'provisioning') "
                "ON CONFLICT DO NOTHING RETURNING id"
            ),
            {**spec.__dict__, "schema": spec.schema},
        ).first()
        if row is not None:
            return row.id
        existing = conn.execute(
            sa.text("SELECT id, slug, kind, region_code, province_code, status FROM platform.tenants "
                    "WHERE slug = :slug OR (region_code = :region_code AND status <> 'deleted') "
                    "ORDER BY slug = :slug DESC"),
            {"slug": spec.slug, "region_code": spec.region_code},
        ).first()
    if existing is None:  # the conflicting row vanished between the two statements: retry once
        return _claim_registry_row(spec)
    if existing.slug != spec.slug:
        raise ProvisionConflict("region_code", f"already used by region {existing.slug}")
    for name in _IDENTITY:
        if getattr(existing, name) != getattr(spec, name):
            raise ProvisionConflict(name, f"region {spec.slug} exists with {name} {getattr(existing, name)!r}")
    if existing.status in ("archived", "deleted"):
        raise ProvisionConflict("slug", f"region {spec.slug} is {existing.status}")
    return existing.id


def provision(spec: TenantSpec) -> ProvisionResult:
    """Create the region's schema at head with its reference data; idempotent."""
    start = time.perf_counter()
    tenant_id = _claim_registry_row(spec)
    info = TenantInfo(id=tenant_id, slug=spec.slug, name=spec.name, schema=spec.schema, status="provisioning",
                      province_code=spec.province_code)
    created = False
    spare = None
    with tenant_context(info, allow_status=("provisioning",)), db.engine.connect() as conn, conn.begin():
        conn.execute(sa.text("SELECT pg_advisory_xact_lock(hashtext('kompeten.provision'), hashtext(:slug))"),
                     {"slug": spec.slug})
        status = conn.execute(sa.text("SELECT status FROM platform.tenants WHERE id = :id"),
                              {"id": tenant_id}).scalar_one()
        if status == "provisioning":
            dbapi = conn.connection.dbapi_connection
            exists = conn.execute(sa.text("SELECT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = :s)"),
                                  {"s": spec.schema}).scalar()
            spare = None if exists else spares.take(conn, spec.schema)
            if spare is not None:  # a spare at head, renamed: only the region's own partners are missing
                version = head("tenant")
                reference_data.seed_partners(conn, spec.partners)
            else:
                dbapi.execute(sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(sql.Identifier(spec.schema)))
                db.metadata.create_all(conn, tables=tenant_tables(), checkfirst=False)
                version = stamp_tenant_head(conn)
                reference_data.seed(conn, spec.partners)
            conn.execute(
                sa.text("UPDATE platform.tenants SET status = 'active', schema_version = :v, updated_at = now() "
                        "WHERE id = :id"),
                {"v": version, "id": tenant_id},
            )
            created = True
    registry.invalidate(spec.slug)
    if spare is not None:
        spares.request_refill()
    seconds = time.perf_counter() - start
    log.info("provisioned %s in %.3fs (created=%s, spare=%s)", spec.slug, seconds, created, spare)
    return ProvisionResult(tenant_id, spec.slug, created, seconds, spare)


def update_names(spec: TenantSpec) -> bool:
    """Sync the display names of an existing region from its manifest; returns whether anything changed."""
    with no_tenant(), db.engine.begin() as conn:
        changed = conn.execute(
            sa.text("UPDATE platform.tenants SET name = :name, province_name = :province_name, "
                    "agency_name = :agency, updated_at = now() WHERE slug = :slug AND (name, province_name, "
                    "agency_name) IS DISTINCT FROM (:name, :province_name, :agency)"),
            {"slug": spec.slug, "name": spec.name, "province_name": spec.province_name, "agency": spec.agency},
        ).rowcount
    if changed:
        registry.invalidate(spec.slug)
    return bool(changed)


def ensure_partners(spec: TenantSpec) -> None:
    """Add partners named in the manifest that the region does not have yet (never removes any)."""
    with tenant_context(spec.slug, allow_status=("active", "suspended")), db.engine.begin() as conn:
        reference_data.seed_partners(conn, spec.partners)

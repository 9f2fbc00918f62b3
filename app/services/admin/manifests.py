"""Region manifests in tenants/*.toml, and `tenants sync`: make the registry match them (never delete)."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa

from app.extensions import db
from app.services.admin.provisioning import (
    ProvisionResult,
    SpecError,
    TenantSpec,
    ensure_partners,
    provision,
    update_names,
)
from app.tenancy import no_tenant


def load_manifests(directory: str | Path) -> list[TenantSpec]:
    specs = []
    for path in sorted(Path(directory).glob("*.toml")):
        with path.open("rb") as fh:
            data = tomllib.load(fh)
        try:
            spec = TenantSpec.from_mapping(data)
        except SpecError as exc:
            raise SpecError([{**e, "field": f"{path.name}: {e['field']}"} for e in exc.errors]) from exc
        if spec.slug != path.stem:
            raise SpecError([{"field": f"{path.name}: slug", "reason": "must equal the file name"}])
        specs.append(spec)
    return specs


@dataclass
class SyncLine:
    slug: str
    action: str  # provisioned | renamed | unchanged | archived | deleted (the last two: left as the vendor set them)
    seconds: float


def sync(directory: str | Path, on_line=None) -> list[SyncLine]:
    lines = []
    for spec in load_manifests(directory):
        status = _status(spec.slug)
        if status in ("archived", "deleted"):  # the admin API took it out of service: sync never brings it back
            lines.append(SyncLine(spec.slug, status, 0.0))
            if on_line:
                on_line(lines[-1])
            continue
        result: ProvisionResult = provision(spec)
        renamed = update_names(spec)
        ensure_partners(spec)
        action = "provisioned" if result.created else ("renamed" if renamed else "unchanged")
        lines.append(SyncLine(spec.slug, action, result.seconds))
        if on_line:
            on_line(lines[-1])
    return lines


def _status(slug: str) -> str | None:
    with no_tenant(), db.engine.connect() as conn:
        return conn.execute(sa.text("SELECT status FROM platform.tenants WHERE slug = :s"), {"s": slug}).scalar()

"""Region manifests in tenants/*.toml, and `tenants sync`: make the registry match them (never delete)."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

from app.services.provisioning import ProvisionResult, SpecError, TenantSpec, ensure_partners, provision, update_names


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
    action: str  # provisioned | renamed | unchanged
    seconds: float


def sync(directory: str | Path, on_line=None) -> list[SyncLine]:
    lines = []
    for spec in load_manifests(directory):
        result: ProvisionResult = provision(spec)
        renamed = update_names(spec)
        ensure_partners(spec)
        action = "provisioned" if result.created else ("renamed" if renamed else "unchanged")
        lines.append(SyncLine(spec.slug, action, result.seconds))
        if on_line:
            on_line(lines[-1])
    return lines

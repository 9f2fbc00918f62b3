"""Demo data for the four first regions, built from the seed articles (seeds/000-004), not lorem ipsum.

One module per region (with `SLUG`, `MARKER` and `build() -> Plan`) registers in `REGIONS`.
`seed_current_tenant()` inserts the bound tenant's plan in the open transaction (the caller commits: the
`tenants seed-demo` command, once per region). Seeding is idempotent: a region whose marker cohort exists is
skipped, so a second run adds nothing. A region that already holds employees but no marker is skipped too:
demo people are never mixed into real data.

Every generated person has a valid NIP (app.domain.nip) whose gender digit and birth date are the person's;
each region draws from its own `random.Random(seed)`, so runs are reproducible.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import NamedTuple

import sqlalchemy as sa

from app.extensions import db
from app.models.catalogue import Program
from app.models.cohorts import Cohort
from app.models.employees import Employee
from app.models.reports import TrainingTarget
from app.services.demo import jambi, malang, serang, tuban
from app.services.demo.malang_pka import (
    CERTIFICATE_MISSING_SIDE,
    EXPECTED_RECONCILIATION,
    EXPECTED_ROW_CLASSES,
    REPORT_CSV,
)
from app.services.demo.plan import CohortKey, Plan, apply_plan, roman
from app.tenancy import current_tenant

log = logging.getLogger(__name__)



class Region(NamedTuple):
    marker: CohortKey  # the cohort whose presence means "already seeded"
    build: Callable[[], Plan]
    targets: dict[int, tuple[int, str]]  # year -> (people to train, why), set as the region's admin would


REGIONS: dict[str, Region] = {m.SLUG: Region(m.MARKER, m.build, getattr(m, "TARGETS", {}))
                              for m in (malang, tuban, jambi, serang)}
"""Region slug -> its marker cohort and demo data builder."""

__all__ = ["REGIONS", "CERTIFICATE_MISSING_SIDE", "EXPECTED_RECONCILIATION", "EXPECTED_ROW_CLASSES", "REPORT_CSV",
           "SeedResult", "UnknownDemoRegion", "seed_current_tenant"]


class UnknownDemoRegion(LookupError):
    """No demo data is defined for this region."""


@dataclass
class SeedResult:
    slug: str
    status: str  # seeded | skipped
    reason: str = ""
    counts: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0


def _marker_exists(key: CohortKey) -> bool:
    code, year, number = key
    return db.session.execute(
        sa.select(Cohort.id).join(Program, Program.id == Cohort.program_id)
        .where(Program.code == code, Cohort.year == year, Cohort.number == number)
    ).first() is not None


def seed_current_tenant() -> SeedResult:
    """Insert the bound region's demo data (flushes, never commits); skipped when already seeded or not empty."""
    slug = current_tenant().slug
    region = REGIONS.get(slug)
    if region is None:
        raise UnknownDemoRegion(f"no demo data for {slug} (known: {', '.join(sorted(REGIONS))})")
    started = time.perf_counter()
    code, year, number = region.marker
    if _marker_exists(region.marker):
        return SeedResult(slug, "skipped", f"already seeded ({code} Angkatan {roman(number)} {year} exists)",
                          seconds=time.perf_counter() - started)
    employees = db.session.execute(sa.select(sa.func.count()).select_from(Employee)).scalar_one()
    if employees:
        return SeedResult(slug, "skipped", f"region already has {employees} employees and no demo marker",
                          seconds=time.perf_counter() - started)
    counts = apply_plan(db.session.connection(), region.build())
    for target_year, (people, note) in region.targets.items():
        db.session.add(TrainingTarget(year=target_year, people=people, note=note))
    counts["targets"] = len(region.targets)
    seconds = time.perf_counter() - started
    log.info("demo data seeded in %.2f s: %s", seconds, counts)
    return SeedResult(slug, "seeded", counts=counts, seconds=seconds)

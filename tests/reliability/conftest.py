"""Data in several regions for the reliability suite, made the way a region really gets it: a PPPK import run
by a real worker. Every region gets its own people (distinct NIPs and names) and its own OPD names, so a
value seen in a response can be traced back to the one region it belongs to."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.tenancy import TenantInfo, tenant_context
from tests.imports.conftest import add_opds, csv_bytes, generated_rows, upload

# Three regions take part; each gets rows from its own slice of the generator (distinct NIPs and names).
REGIONS = ("kota-malang", "kab-serang", "kota-jambi")
ROWS_PER_REGION = 12


@dataclass
class RegionData:
    """What one region holds after seeding: the values that must never show up in another region's answers."""

    slug: str
    opd_ids: list[int] = field(default_factory=list)
    opd_names: set[str] = field(default_factory=set)
    nips: set[str] = field(default_factory=set)
    names: set[str] = field(default_factory=set)
    cohort_ids: list[int] = field(default_factory=list)
    enrolment_ids: list[int] = field(default_factory=list)
    employee_ids: list[int] = field(default_factory=list)

    @property
    def private_values(self) -> set[str]:
        """Strings unique to this region (NIPs, people's names, OPD names)."""
        return self.nips | self.names | self.opd_names


def unit_name(slug: str) -> str:
    return f"Dinas Uji {slug.replace('-', ' ').title()}"


def _collect(tenant: TenantInfo) -> RegionData:
    data = RegionData(tenant.slug)
    with tenant_context(tenant):
        s = db.session
        for row in s.execute(sa.text("SELECT id, name FROM opds ORDER BY id")):
            data.opd_ids.append(row.id)
            data.opd_names.add(row.name)
        for row in s.execute(sa.text("SELECT id, nip, name FROM employees ORDER BY id")):
            data.employee_ids.append(row.id)
            data.nips.add(row.nip)
            data.names.add(row.name)
        data.cohort_ids = list(s.execute(sa.text("SELECT id FROM cohorts ORDER BY id")).scalars())
        data.enrolment_ids = list(s.execute(sa.text("SELECT id FROM enrolments ORDER BY id")).scalars())
        s.commit()
    return data


@pytest.fixture
def seeded(tenants, client, run_worker) -> dict[str, RegionData]:
    """Kota Malang, Kab. Serang and Kota Jambi with their own OPD, people, cohorts and enrolments (imported)."""
    for n, slug in enumerate(REGIONS):
        add_opds(tenants[slug], [unit_name(slug), f"Kecamatan Uji {slug}"])
        rows = generated_rows(ROWS_PER_REGION, start=10_000 * (n + 1), unit=unit_name(slug))
        resp = upload(client, slug, csv_bytes(rows))
        assert resp.status_code == 202, resp.get_json()
    run_worker()
    out = {slug: _collect(tenants[slug]) for slug in REGIONS}
    for slug, data in out.items():
        assert len(data.nips) == ROWS_PER_REGION and data.enrolment_ids, slug
    return out

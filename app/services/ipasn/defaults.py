"""The IP ASN data every region starts with: the default weights (of DEFAULT_WEIGHTS_YEAR) and the exemption
keywords. Provisioning seeds them (app.services.admin.reference_data.seed); the tenant migration e5a7c3d91f20 seeded
the regions that existed then."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert

from app.models.ipasn import DEFAULT_EXEMPTIONS, DEFAULT_WEIGHTS, DEFAULT_WEIGHTS_YEAR, IpasnExemption, IpasnWeight

DEFAULT_SOURCE = "Peraturan BKN Nomor 8 Tahun 2019 Pasal 8 (bobot default; periksa)"


def seed(conn: sa.Connection) -> None:
    """Idempotent: what is there stays."""
    conn.execute(insert(IpasnWeight.__table__).values([
        {"year": DEFAULT_WEIGHTS_YEAR, "post_kind": kind, "leadership": w[0], "functional": w[1],
         "technical": w[2], "seminar": w[3], "source": DEFAULT_SOURCE} for kind, w in DEFAULT_WEIGHTS.items()
    ]).on_conflict_do_nothing())
    conn.execute(insert(IpasnExemption.__table__).values(
        [{"item": "functional", "keyword": k} for k in DEFAULT_EXEMPTIONS]).on_conflict_do_nothing())

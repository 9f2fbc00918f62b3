"""Reference data every region starts with: LAN RI and its own partners, and the standard catalogue.

JP values are the product's defaults (a region's admin can edit its catalogue); PKA is 333 JP, as in
BPSDM Jatim's reports.
"""

from __future__ import annotations

from collections.abc import Iterable

import sqlalchemy as sa

from app.models.catalogue import Partner, Program

LAN_RI = {"code": "LAN-RI", "name": "Lembaga Administrasi Negara Republik Indonesia", "kind": "lan"}

# (code, name, program_type, competency_type, provider partner code or None = the region itself, JP)
STANDARD_PROGRAMS: tuple[tuple[str, str, str, str, str | None, int], ...] = (
    ("PKN-I", "Pelatihan Kepemimpinan Nasional Tingkat I", "pkn", "manajerial", "LAN-RI", 519),
    ("PKN-II", "Pelatihan Kepemimpinan Nasional Tingkat II", "pkn", "manajerial", "LAN-RI", 439),
    ("PKA", "Pelatihan Kepemimpinan Administrator", "pka", "manajerial", None, 333),
    ("PKP", "Pelatihan Kepemimpinan Pengawas", "pkp", "manajerial", None, 300),
    ("LATSAR-CPNS", "Pelatihan Dasar CPNS", "latsar", "sosial_kultural", None, 286),
    ("ORIENTASI-PPPK", "Orientasi Pegawai Pemerintah dengan Perjanjian Kerja", "pppk_orientation",
     "sosial_kultural", "LAN-RI", 40),
)


def seed_partners(conn: sa.Connection, partners: Iterable) -> None:
    rows = [LAN_RI, *({"code": p.code, "name": p.name, "kind": p.kind} for p in partners)]
    stmt = sa.dialects.postgresql.insert(Partner.__table__).values(rows).on_conflict_do_nothing(index_elements=["code"])
    conn.execute(stmt)


def seed(conn: sa.Connection, partners: Iterable) -> None:
    """Idempotent: re-running adds nothing that is there."""
    seed_partners(conn, partners)
    partner_ids = dict(conn.execute(sa.select(Partner.code, Partner.id)).all())
    rows = [
        {"code": code, "name": name, "program_type": ptype, "competency_type": ctype,
         "provider_partner_id": partner_ids.get(provider) if provider else None, "jp": jp}
        for code, name, ptype, ctype, provider, jp in STANDARD_PROGRAMS
    ]
    conn.execute(sa.dialects.postgresql.insert(Program.__table__).values(rows)
                 .on_conflict_do_nothing(index_elements=["code"]))
    from app.services.ipasn import defaults as ipasn_defaults

    ipasn_defaults.seed(conn)  # IP ASN weights and exemption keywords

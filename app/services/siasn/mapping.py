"""How each program is written at SIASN: a riwayat diklat (latihanStrukturalId) or a riwayat kursus
(jenisDiklatId). The reference lists ship as data (reference.json, next to this file); a program without its own
mapping row uses the default for its program type (PKN/PKA/PKP/Latsar -> diklat, the others -> kursus)."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

import sqlalchemy as sa

from app.extensions import db
from app.models.catalogue import Program
from app.models.siasn import SiasnProgramMap
from app.problems import Problem
from app.services.audit import log as audit

REFERENCE_FILE = Path(__file__).with_name("reference.json")
AUDITED = ("kind", "latihan_struktural_id", "jenis_diklat_id")


@cache
def reference() -> dict:
    return json.loads(REFERENCE_FILE.read_text(encoding="utf-8"))


def jenis_diklat() -> dict[int, str]:
    return {item["id"]: item["nama"] for item in reference()["jenis_diklat"]}


def latihan_struktural() -> dict[str, str]:
    return {item["id"]: item["nama"] for item in reference()["latihan_struktural"]}


def mapping_for(program: Program, row: SiasnProgramMap | None = None) -> dict:
    """{"kind", "latihan_struktural_id", "jenis_diklat_id", "source": "program" | "default"}."""
    if row is None:
        row = db.session.get(SiasnProgramMap, program.id)
    if row is not None:
        return {"kind": row.kind, "latihan_struktural_id": row.latihan_struktural_id,
                "jenis_diklat_id": row.jenis_diklat_id, "source": "program"}
    default = reference()["defaults"][program.program_type]
    return {"kind": default["kind"], "latihan_struktural_id": default.get("latihan_struktural_id"),
            "jenis_diklat_id": default.get("jenis_diklat_id"), "source": "default"}


def list_mappings() -> list[dict]:
    programs = db.session.execute(sa.select(Program).order_by(Program.code)).scalars().all()
    rows = {r.program_id: r for r in db.session.execute(sa.select(SiasnProgramMap)).scalars()}
    out = []
    for program in programs:
        m = mapping_for(program, rows.get(program.id))
        m["reference_name"] = (latihan_struktural().get(m["latihan_struktural_id"]) if m["kind"] == "diklat"
                               else jenis_diklat().get(m["jenis_diklat_id"]))
        out.append({"program_id": program.id, "program_code": program.code, "program_name": program.name,
                    "program_type": program.program_type, **m})
    return out


def set_mapping(program_id: int, *, kind: str, latihan_struktural_id: str | None = None,
                jenis_diklat_id: int | None = None) -> dict:
    program = db.session.get(Program, program_id)
    if program is None:
        raise Problem.not_found(f"Program {program_id} tidak ditemukan.")
    if kind == "diklat":
        if latihan_struktural_id not in latihan_struktural():
            raise Problem.invalid("latihanStrukturalId tidak ada dalam daftar referensi SIASN.",
                                  field="latihan_struktural_id", reason="bukan id latihan struktural SIASN")
        jenis_diklat_id = None
    elif kind == "kursus":
        if jenis_diklat_id not in jenis_diklat():
            raise Problem.invalid("jenisDiklatId tidak ada dalam daftar referensi SIASN.", field="jenis_diklat_id",
                                  reason="harus salah satu dari 1..10")
        latihan_struktural_id = None
    else:
        raise Problem.invalid("Jenis riwayat SIASN harus diklat atau kursus.", field="kind",
                              reason="harus 'diklat' atau 'kursus'")
    row = db.session.get(SiasnProgramMap, program_id)
    before = audit.snapshot(row, AUDITED) if row else None
    if row is None:
        row = SiasnProgramMap(program_id=program_id)
        db.session.add(row)
    row.kind, row.latihan_struktural_id, row.jenis_diklat_id = kind, latihan_struktural_id, jenis_diklat_id
    db.session.flush()
    audit.record("siasn.mapping", "siasn_program_maps", program_id, before=before, after=audit.snapshot(row, AUDITED))
    return mapping_for(program, row)

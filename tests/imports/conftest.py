"""Shared by the import tests: Kab. Serang's OPDs as the sample file names them, uploads, and files."""

from __future__ import annotations

import io
from datetime import date

import pytest
import sqlalchemy as sa
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from app.domain.nip import make_nip
from app.extensions import db
from app.models.employees import Opd
from app.services.text import name_key
from app.tenancy import tenant_context
from tests.data import PPPK_SAMPLE

SAMPLE = PPPK_SAMPLE
SERANG_UNITS = ("Badan Kepegawaian dan Pengembangan SDM", "Bappeda", "Dinas Kesehatan",
                "Dinas Pendidikan dan Kebudayaan", "Dinas Sosial", "Kecamatan Ciruas", "Kecamatan Kramatwatu",
                "RSUD dr. Drajat Prawiranegara")
HEADER = ("NIP;NAMA;JENIS_KELAMIN;TANGGAL_LAHIR;JABATAN;UNIT_KERJA;GOLONGAN;PELATIHAN;ANGKATAN;TAHUN;TGL_MULAI;"
          "TGL_SELESAI")


def add_opds(tenant, names=SERANG_UNITS) -> None:
    with tenant_context(tenant):
        db.session.add_all([Opd(name=n, name_key=name_key(n)) for n in names])
        db.session.commit()


@pytest.fixture
def serang_units(serang):
    add_opds(serang)
    return serang


def generated_rows(n: int, *, start: int = 0, unit: str = "Dinas Kesehatan") -> list[str]:
    """n valid PPPK rows with distinct NIPs (deterministic)."""
    rows = []
    for i in range(start, start + n):
        born = date(1970 + i % 20, 1 + i % 12, 1 + i % 28)
        gender = "L" if i % 2 else "P"
        # (sequence, TMT month, TMT year) differ for every i below 120,000: NIPs never collide.
        nip = make_nip(born, 2022 - (i // 12_000) % 10, 1 + (i // 1000) % 12, gender, i % 1000)
        rows.append(f"{nip};Pegawai {i};{gender};{born:%d/%m/%Y};Guru Ahli Pertama;{unit};IX;ORIENTASI-PPPK;"
                    f"{1 + i % 12};2022;2022-11-01;2022-11-30")
    return rows


def csv_bytes(rows: list[str]) -> bytes:
    return ("\n".join([HEADER, *rows]) + "\n").encode()


def upload(client, slug: str, data: bytes, *, name: str = "pppk.csv", mode: str = "valid-only", dry_run=False):
    """POST a file as a browser would (the multipart body built in memory: werkzeug's test client would spool a
    large one to a temporary file it never closes)."""
    boundary, body = encode_multipart({"file": FileStorage(io.BytesIO(data), name), "mode": mode,
                                       "dry_run": "true" if dry_run else "false"})
    return client.post(f"/t/{slug}/api/v1/imports/pppk-enrolments", data=body,
                       content_type=f"multipart/form-data; boundary={boundary}")


def count(tenant, table: str) -> int:
    with tenant_context(tenant):
        return db.session.execute(sa.text(f"SELECT count(*) FROM {table}")).scalar_one()  # noqa: S608 - test tables

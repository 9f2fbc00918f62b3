"""Validating one row of a PPPK enrolment file (DOMAIN.md "PPPK enrolment import"). Pure: the tenant's
programs and OPDs come in as look-up dicts, so a chunk of rows costs no query per row."""

from __future__ import annotations

from dataclasses import dataclass, field

from app.domain.nip import check_nip_agrees
from app.services.files.rows import CellError, Row
from app.services.text import name_key

COLUMNS = ("nip", "nama", "jenis_kelamin", "tanggal_lahir", "jabatan", "unit_kerja", "golongan", "pelatihan",
           "angkatan", "tahun", "tgl_mulai", "tgl_selesai")
REQUIRED = ("nip", "nama", "jenis_kelamin", "unit_kerja", "pelatihan", "angkatan", "tahun", "tgl_mulai", "tgl_selesai")
_GENDERS = {"l": "L", "laki-laki": "L", "laki laki": "L", "pria": "L", "p": "P", "perempuan": "P", "wanita": "P"}


@dataclass(frozen=True)
class Lookups:
    """The tenant's catalogue and OPDs, keyed the way files name them."""

    programs: dict[str, int]  # upper-case code and name_key(name) → program id
    opds: dict[str, int]  # code and name_key(name) of active OPDs → opd id
    _seen: dict = field(default_factory=dict, compare=False)

    def _find(self, table: dict[str, int], raw: str) -> int | None:
        key = (id(table), raw)
        if key not in self._seen:  # a file names the same few units and programs again and again
            self._seen[key] = table.get(raw.upper()) or table.get(name_key(raw))
        return self._seen[key]

    def opd(self, raw: str) -> int | None:
        return self._find(self.opds, raw)

    def program(self, raw: str) -> int | None:
        return self._find(self.programs, raw)


def validate_row(values: dict, lookups: Lookups) -> tuple[dict | None, list[CellError]]:
    """(the staged row, []) for a good row; (None, errors) naming every bad cell of a bad one."""
    row = Row(values)
    row.required(*REQUIRED)
    nip = row.nip()
    raw_gender = row.text("jenis_kelamin")
    gender = _GENDERS.get(raw_gender.casefold())
    if raw_gender and gender is None:
        row.bad("jenis_kelamin", "gender_invalid", "jenis kelamin harus L atau P")
    birth_date = row.date("tanggal_lahir")
    if nip is not None:
        for mismatch in check_nip_agrees(nip, gender, birth_date):
            column = "jenis_kelamin" if mismatch.code == "nip_gender_mismatch" else "tanggal_lahir"
            row.bad(column, mismatch.code, mismatch.message)
    golongan = row.golongan("golongan", "PPPK")
    opd_id = row.lookup("unit_kerja", lookups.opd, "opd_unknown", "unit kerja (OPD) tidak dikenal di wilayah ini")
    program_id = row.lookup("pelatihan", lookups.program, "program_unknown",
                            "pelatihan tidak ada di katalog wilayah ini")
    cohort_number = row.angkatan()
    year = row.year()
    start, end = row.date("tgl_mulai"), row.date("tgl_selesai")
    if start and end and end < start:
        row.bad("tgl_selesai", "dates_order", "TGL_SELESAI sebelum TGL_MULAI")
    if row.errors:
        return None, row.errors
    name = row.name()
    return {
        "nip": nip.value, "name": name[:200], "name_key": name_key(name)[:200], "gender": nip.gender,
        "birth_date": nip.birth_date, "jabatan": row.text("jabatan")[:200] or None, "golongan": golongan,
        "opd_id": opd_id, "program_id": program_id, "cohort_number": cohort_number, "year": year,
        "start_date": start, "end_date": end,
    }, []


STAGED_COLUMNS = ("nip", "name", "name_key", "gender", "birth_date", "jabatan", "golongan", "opd_id", "program_id",
                  "cohort_number", "year", "start_date", "end_date")


def as_copy_row(run_id: int, row_number: int, staged: dict) -> tuple:
    return (run_id, row_number, *(staged[c] for c in STAGED_COLUMNS))

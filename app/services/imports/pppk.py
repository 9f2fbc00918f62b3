"""Validating one row of a PPPK enrolment file (DOMAIN.md "PPPK enrolment import"). Pure: the tenant's
programs and OPDs come in as look-up dicts, so a chunk of rows costs no query per row."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

from app.domain.dates import parse_file_date
from app.domain.golongan import GolonganError, normalise_golongan
from app.domain.nip import NipError, check_nip_agrees, parse_nip
from app.services.cohorts.schedule import parse_angkatan
from app.services.text import name_key

COLUMNS = ("nip", "nama", "jenis_kelamin", "tanggal_lahir", "jabatan", "unit_kerja", "golongan", "pelatihan",
           "angkatan", "tahun", "tgl_mulai", "tgl_selesai")
REQUIRED = ("nip", "nama", "jenis_kelamin", "unit_kerja", "pelatihan", "angkatan", "tahun", "tgl_mulai", "tgl_selesai")
_GENDERS = {"l": "L", "laki-laki": "L", "laki laki": "L", "pria": "L", "p": "P", "perempuan": "P", "wanita": "P"}


@dataclass(frozen=True)
class CellError:
    column: str | None
    value: object
    code: str
    reason: str


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


@lru_cache(maxsize=4096)
def _date(text: str):
    return parse_file_date(text)


@lru_cache(maxsize=1024)
def _golongan(text: str) -> str:
    return normalise_golongan(text, "PPPK")


@lru_cache(maxsize=1024)
def _angkatan(text: str) -> int:
    return parse_angkatan(text)


def _parse_date(value: object):
    """Dates repeat across a file (every row of a cohort): parse each distinct text once."""
    return _date(value.strip()) if isinstance(value, str) else parse_file_date(value)


def validate_row(values: dict, lookups: Lookups) -> tuple[dict | None, list[CellError]]:
    """(the staged row, []) for a good row; (None, errors) naming every bad cell of a bad one."""
    errors: list[CellError] = []
    texts = {k: ("" if v is None else str(v).strip()) for k, v in values.items()}

    def text(column: str) -> str:
        return texts.get(column, "")

    def bad(column: str, code: str, reason: str) -> None:
        errors.append(CellError(column.upper(), values.get(column), code, reason))

    for column in REQUIRED:
        if not text(column):
            bad(column, "required", "wajib diisi")
    nip = None
    if text("nip") or isinstance(values.get("nip"), int | float):
        try:
            nip = parse_nip(values.get("nip"))
        except NipError as exc:
            bad("nip", exc.code, exc.message)
    gender = _GENDERS.get(text("jenis_kelamin").casefold())
    if text("jenis_kelamin") and gender is None:
        bad("jenis_kelamin", "gender_invalid", "jenis kelamin harus L atau P")
    birth_date = None
    if text("tanggal_lahir") or values.get("tanggal_lahir") is not None:
        try:
            birth_date = _parse_date(values.get("tanggal_lahir"))
        except ValueError as exc:
            bad("tanggal_lahir", "date_invalid", str(exc))
    if nip is not None:
        for mismatch in check_nip_agrees(nip, gender, birth_date):
            column = "jenis_kelamin" if mismatch.code == "nip_gender_mismatch" else "tanggal_lahir"
            bad(column, mismatch.code, mismatch.message)
    golongan = None
    if text("golongan"):
        try:
            golongan = _golongan(text("golongan"))
        except GolonganError as exc:
            bad("golongan", exc.code, exc.message)
    opd_id = None
    if text("unit_kerja"):
        raw = text("unit_kerja")
        opd_id = lookups.opd(raw)
        if opd_id is None:
            bad("unit_kerja", "opd_unknown", "unit kerja (OPD) tidak dikenal di wilayah ini")
    program_id = None
    if text("pelatihan"):
        raw = text("pelatihan")
        program_id = lookups.program(raw)
        if program_id is None:
            bad("pelatihan", "program_unknown", "pelatihan tidak ada di katalog wilayah ini")
    cohort_number = None
    if text("angkatan"):
        try:
            cohort_number = _angkatan(text("angkatan"))
        except ValueError as exc:
            bad("angkatan", "angkatan_invalid", str(exc))
    year = None
    if text("tahun"):
        try:
            year = int(float(text("tahun")))
            if not 2000 <= year <= 2100 or float(text("tahun")) != year:
                raise ValueError
        except ValueError:
            bad("tahun", "year_invalid", "tahun harus berupa tahun, mis. 2022")
            year = None
    start = end = None
    for column in ("tgl_mulai", "tgl_selesai"):
        if text(column) or values.get(column) is not None:
            try:
                parsed = _parse_date(values.get(column))
            except ValueError as exc:
                bad(column, "date_invalid", str(exc))
                continue
            if column == "tgl_mulai":
                start = parsed
            else:
                end = parsed
    if start and end and end < start:
        bad("tgl_selesai", "dates_order", "TGL_SELESAI sebelum TGL_MULAI")
    if errors:
        return None, errors
    name = " ".join(text("nama").split())
    return {
        "nip": nip.value, "name": name[:200], "name_key": name_key(name)[:200], "gender": nip.gender,
        "birth_date": nip.birth_date, "jabatan": text("jabatan")[:200] or None, "golongan": golongan,
        "opd_id": opd_id, "program_id": program_id, "cohort_number": cohort_number, "year": year,
        "start_date": start, "end_date": end,
    }, []


STAGED_COLUMNS = ("nip", "name", "name_key", "gender", "birth_date", "jabatan", "golongan", "opd_id", "program_id",
                  "cohort_number", "year", "start_date", "end_date")


def as_copy_row(run_id: int, row_number: int, staged: dict) -> tuple:
    return (run_id, row_number, *(staged[c] for c in STAGED_COLUMNS))

"""Reading one row of a partner's completion report (DOMAIN.md "Partner completion report"). Pure: the scope's
program and cohorts come in as a look-up, so a report costs no query per row. A bad row is not dropped: it is
staged with class `invalid` and the reasons (code + Indonesian message, as the imports' row errors)."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from functools import lru_cache

from app.domain.dates import parse_file_date
from app.domain.nip import NipError, parse_nip
from app.services.cohorts.schedule import parse_angkatan
from app.services.text import name_key

COLUMNS = ("nip", "nama", "pelatihan", "angkatan", "tahun", "status", "jp", "no_sertifikat", "tgl_sertifikat", "nilai")
REQUIRED = ("nip", "nama", "status")
# A partner's words -> our enrolment status.
PARTNER_STATUSES = {"LULUS": "passed", "TIDAK LULUS": "failed", "MENGUNDURKAN DIRI": "withdrawn"}
STAGED_COLUMNS = ("row_number", "nip", "name", "name_key", "gender", "birth_date", "cohort_id", "partner_status",
                  "partner_jp", "partner_certificate_number", "partner_certificate_date", "partner_score",
                  "error_column", "error_code", "error_reason")


@dataclass(frozen=True)
class Scope:
    """What a report may speak about: one program in one year, and its cohorts (number -> cohort id). With a
    `cohort_id`, every row belongs to that cohort (ANGKATAN, when given, must name it)."""

    program_id: int
    program_codes: frozenset[str]  # upper-case code and name_key(name) of the program
    year: int
    cohorts: dict[int, int]
    cohort_id: int | None = None
    cohort_number: int | None = None
    _seen: dict = field(default_factory=dict, compare=False, hash=False, repr=False)

    def place(self, program: str, year: str, angkatan: object) -> tuple[int | None, tuple]:
        """(cohort id, errors) for a row's PELATIHAN, TAHUN and ANGKATAN: a report repeats the same few, so
        each distinct combination is checked once."""
        key = (program, year, angkatan if not isinstance(angkatan, str) else angkatan.strip())
        if key not in self._seen:
            self._seen[key] = self._place(*key)
        return self._seen[key]

    def _place(self, program: str, year: str, angkatan: object) -> tuple[int | None, tuple]:
        errors = []
        if program and program.upper() not in self.program_codes and name_key(program) not in self.program_codes:
            errors.append(("PELATIHAN", "program_unknown",
                           "pelatihan bukan program laporan ini (atau tidak ada di katalog)"))
        if year and year != str(self.year):
            errors.append(("TAHUN", "year_mismatch", f"tahun harus {self.year} (cakupan laporan ini)"))
        cohort_id = self.cohort_id
        if _text(angkatan):
            try:
                number = parse_angkatan(angkatan)
            except ValueError as exc:
                errors.append(("ANGKATAN", "angkatan_invalid", str(exc)))
            else:
                if self.cohort_id is not None and number != self.cohort_number:
                    errors.append(("ANGKATAN", "angkatan_mismatch", "angkatan lain dari angkatan laporan ini"))
                elif self.cohort_id is None:
                    cohort_id = self.cohorts.get(number)
                    if cohort_id is None:
                        errors.append(("ANGKATAN", "angkatan_unknown",
                                       f"angkatan {number} tahun {self.year} tidak ada di wilayah ini"))
        elif self.cohort_id is None:
            errors.append(("ANGKATAN", "required", "wajib diisi (laporan mencakup beberapa angkatan)"))
        return cohort_id, tuple(errors)


@lru_cache(maxsize=1)
def _today_for(hour: int) -> date:  # noqa: ARG001 - the cache key: looked up again every hour
    return date.today()


def _today() -> date:
    return _today_for(int(time.time() // 3600))


@lru_cache(maxsize=1024)
def _date(text: str) -> date:
    return parse_file_date(text)


@lru_cache(maxsize=4096)
def _jp(text: str) -> int:
    jp = int(text)
    if not 0 <= jp <= 10_000:
        raise ValueError(text)
    return jp


def _text(value: object) -> str:
    """A cell as trimmed text (NUL characters, which PostgreSQL text cannot hold, dropped)."""
    if type(value) is str:  # CSV cells: the common case first
        text = value.strip()
    elif value is None:
        return ""
    elif isinstance(value, float) and value.is_integer():
        return str(int(value))
    else:
        text = str(value).strip()
    return text.replace("\x00", "") if "\x00" in text else text


def parse_row(number: int, values: dict, scope: Scope) -> tuple:
    """The row as a tuple of STAGED_COLUMNS; a bad row carries its first error's column and code, and every
    reason (`KOLOM: alasan; ...`)."""
    errors: list[tuple[str, str, str]] = []
    raw_nip = values.get("nip")
    nip_text = _text(raw_nip)
    nip = None
    if not nip_text:
        errors.append(("NIP", "required", "wajib diisi"))
    else:
        try:
            nip = parse_nip(raw_nip, today=_today())
        except NipError as exc:
            errors.append(("NIP", exc.code, exc.message))
    name = " ".join(_text(values.get("nama")).split())
    if not name:
        errors.append(("NAMA", "required", "wajib diisi"))
    status_text = _text(values.get("status"))
    status = PARTNER_STATUSES.get(status_text) or PARTNER_STATUSES.get(" ".join(status_text.upper().split()))
    if status is None:
        errors.append(("STATUS", "required", "wajib diisi") if not status_text else
                      ("STATUS", "status_invalid", "status harus LULUS, TIDAK LULUS atau MENGUNDURKAN DIRI"))
    cohort_id, place_errors = scope.place(_text(values.get("pelatihan")), _text(values.get("tahun")),
                                          values.get("angkatan"))
    errors.extend(place_errors)
    jp = None
    jp_text = _text(values.get("jp"))
    if jp_text:
        try:
            jp = _jp(jp_text)
        except ValueError:
            errors.append(("JP", "jp_invalid", "JP harus bilangan bulat 0 atau lebih"))
    cert_number = _text(values.get("no_sertifikat"))[:100] or None
    cert_date = None
    raw_date = values.get("tgl_sertifikat")
    if isinstance(raw_date, str):
        raw_date = raw_date.strip() or None
    if raw_date is not None:
        try:
            cert_date = _date(raw_date) if isinstance(raw_date, str) else parse_file_date(raw_date)
        except ValueError as exc:
            errors.append(("TGL_SERTIFIKAT", "date_invalid", str(exc)))
    score = None
    score_text = _text(values.get("nilai"))
    if score_text:
        try:
            score = Decimal(score_text.replace(",", "."))
            if not 0 <= score <= 100:
                raise InvalidOperation
        except InvalidOperation:
            errors.append(("NILAI", "score_invalid", "nilai harus angka 0-100 (koma atau titik desimal)"))
            score = None
    if errors:
        column, code, _ = errors[0]
        reason = "; ".join(f"{c}: {r}" for c, _, r in errors).replace("\x00", "")[:500]
        return (number, (nip.value if nip else nip_text)[:60], name[:200] or None, None, None, None, cohort_id,
                status, jp, cert_number, cert_date, score, column, code, reason)
    return (number, nip.value, name[:200], name_key(name)[:200], nip.gender, nip.birth_date, cohort_id, status, jp,
            cert_number, cert_date, score, None, None, None)

"""Reading one row of a partner's completion report (DOMAIN.md "Partner completion report"). Pure: the scope's
program and cohorts come in as a look-up, so a report costs no query per row. A bad row is not dropped: it is
staged with class `invalid` and the reasons (code + Indonesian message, as the imports' row errors)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from functools import lru_cache

from app.domain.dates import parse_file_date
from app.domain.nip import NipError, parse_nip
from app.services.cohorts import parse_angkatan
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


@lru_cache(maxsize=1024)
def _date(text: str) -> date:
    return parse_file_date(text)


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def parse_row(number: int, values: dict, scope: Scope) -> tuple:
    """The row as a tuple of STAGED_COLUMNS; a bad row carries its first error's column and code, and every
    reason (`KOLOM: alasan; ...`)."""
    errors: list[tuple[str, str, str]] = []

    def bad(column: str, code: str, reason: str) -> None:
        errors.append((column.upper(), code, reason))

    raw_nip = values.get("nip")
    nip_text = _text(raw_nip)
    nip = None
    if not nip_text:
        bad("nip", "required", "wajib diisi")
    else:
        try:
            nip = parse_nip(raw_nip)
        except NipError as exc:
            bad("nip", exc.code, exc.message)
    name = " ".join(_text(values.get("nama")).split())
    if not name:
        bad("nama", "required", "wajib diisi")
    status_text = " ".join(_text(values.get("status")).upper().split())
    status = PARTNER_STATUSES.get(status_text)
    if status is None:
        bad("status", "required" if not status_text else "status_invalid",
            "wajib diisi" if not status_text else "status harus LULUS, TIDAK LULUS atau MENGUNDURKAN DIRI")
    program_text = _text(values.get("pelatihan"))
    if program_text and program_text.upper() not in scope.program_codes \
            and name_key(program_text) not in scope.program_codes:
        bad("pelatihan", "program_unknown", "pelatihan bukan program laporan ini (atau tidak ada di katalog)")
    year_text = _text(values.get("tahun"))
    if year_text and year_text != str(scope.year):
        bad("tahun", "year_mismatch", f"tahun harus {scope.year} (cakupan laporan ini)")
    cohort_id = scope.cohort_id
    angkatan_text = _text(values.get("angkatan"))
    if angkatan_text:
        try:
            number_ = parse_angkatan(values.get("angkatan") if not isinstance(values.get("angkatan"), str)
                                     else angkatan_text)
        except ValueError as exc:
            bad("angkatan", "angkatan_invalid", str(exc))
        else:
            if scope.cohort_id is not None and number_ != scope.cohort_number:
                bad("angkatan", "angkatan_mismatch", "angkatan lain dari angkatan laporan ini")
            elif scope.cohort_id is None:
                cohort_id = scope.cohorts.get(number_)
                if cohort_id is None:
                    bad("angkatan", "angkatan_unknown",
                        f"angkatan {number_} tahun {scope.year} tidak ada di wilayah ini")
    elif scope.cohort_id is None:
        bad("angkatan", "required", "wajib diisi (laporan mencakup beberapa angkatan)")
    jp = None
    jp_text = _text(values.get("jp"))
    if jp_text:
        try:
            jp = int(jp_text)
            if not 0 <= jp <= 10_000:
                raise ValueError
        except ValueError:
            bad("jp", "jp_invalid", "JP harus bilangan bulat 0 atau lebih")
            jp = None
    cert_number = _text(values.get("no_sertifikat"))[:100] or None
    cert_date = None
    raw_date = values.get("tgl_sertifikat")
    if _text(raw_date):
        try:
            cert_date = _date(_text(raw_date)) if isinstance(raw_date, str) else parse_file_date(raw_date)
        except ValueError as exc:
            bad("tgl_sertifikat", "date_invalid", str(exc))
    score = None
    score_text = _text(values.get("nilai"))
    if score_text:
        try:
            score = Decimal(score_text.replace(",", "."))
            if not 0 <= score <= 100:
                raise InvalidOperation
        except InvalidOperation:
            bad("nilai", "score_invalid", "nilai harus angka 0-100 (koma atau titik desimal)")
            score = None
    if errors:
        column, code, _ = errors[0]
        reason = "; ".join(f"{c}: {r}" for c, _, r in errors)[:500]
        return (number, (nip.value if nip else nip_text)[:60], name[:200] or None, None, None, None, cohort_id,
                status, jp, cert_number, cert_date, score, column, code, reason)
    return (number, nip.value, name[:200], name_key(name)[:200], nip.gender, nip.birth_date, cohort_id, status, jp,
            cert_number, cert_date, score, None, None, None)

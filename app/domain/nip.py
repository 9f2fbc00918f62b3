"""NIP: the 18-digit identifier of a PNS, and (same shape) the NI PPPK of a PPPK.

Layout, left to right::

    1985 03 12   2010 01   1   003
    YYYY MM DD   YYYY MM   G   SSS
    birth date   start     |   sequence (3 digits)
                 (TMT)     gender: 1 = male (L, laki-laki), 2 = female (P, perempuan)

The start is the TMT CPNS for a PNS and the TMT PPPK for a PPPK. Rules checked by `parse_nip`:
exactly 18 ASCII digits; the birth date is a real date and not in the future; the start month is
01-12; the start year is at least the birth year + 15 and at most the current year + 1; the gender
digit is 1 or 2.

Spreadsheets damage NIPs. `clean_nip` removes only what is safe to remove (surrounding and inner
whitespace, one leading apostrophe) and rejects everything else - scientific notation, a trailing
``.0``, a float value - with a `NipError`: a damaged NIP is never guessed back.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime

from app.domain.errors import RuleError

NIP_LENGTH = 18
MIN_START_AGE = 15
MAX_START_YEARS_AHEAD = 1

_GENDER_BY_DIGIT = {"1": "L", "2": "P"}
_DIGIT_BY_GENDER = {"L": "1", "P": "2"}

# How Excel / LibreOffice (either decimal separator) or Python print a large number: 1.98503E+17, 2E+17.
_SCIENTIFIC = re.compile(r"[0-9](?:[.,][0-9]*)?[eE][+-]?[0-9]{1,3}")
# A whole number written as a decimal: 198503122010011003.0
_DECIMAL_SUFFIX = re.compile(r"[0-9]+[.,]0+")
_ASCII_DIGITS = re.compile(r"[0-9]+")


class NipError(RuleError):
    """An unusable NIP."""


@dataclass(frozen=True)
class Nip:
    """A NIP that passed `parse_nip`, with the parts it encodes."""

    value: str
    birth_date: date
    start_year: int
    start_month: int
    gender: str  # "L" or "P"
    sequence: str  # 3 digits, kept as text


# --- cleaning -------------------------------------------------------------------------------------


def clean_nip(raw: str | int | float | None) -> str:
    """Return the digits of a NIP as given by a spreadsheet, CSV or JSON, or raise `NipError`.

    Removes surrounding and inner whitespace and one leading apostrophe (Excel's "store as text").
    Does not check the length or the meaning of the digits; `parse_nip` does.
    """
    if raw is None:
        raise NipError("nip_empty", "NIP kosong")
    if isinstance(raw, bool):
        raise NipError("nip_not_digits", f"NIP harus berupa angka, bukan {raw}")
    if isinstance(raw, int):
        return _clean_int(raw)
    if isinstance(raw, float):
        raise NipError(
            "nip_float",
            f"NIP terbaca sebagai angka pecahan ({raw!r}), sehingga digitnya bisa sudah berubah; "
            "simpan kolom NIP sebagai teks dan isi ulang NIP lengkap",
        )
    if not isinstance(raw, str):
        raise NipError("nip_not_digits", f"NIP harus berupa teks angka, bukan {type(raw).__name__}")
    if raw.isascii() and raw.isdigit():  # the common case, nothing to clean (what _clean_text returns for it)
        return raw
    return _clean_text(raw)


def _clean_int(raw: int) -> str:
    if raw < 0:
        raise NipError("nip_not_digits", f"NIP hanya boleh berisi angka 0-9 (ditemukan {raw})")
    return str(raw)


def _clean_text(raw: str) -> str:
    text = raw.strip()
    if text.startswith("'"):
        text = text[1:]
    text = "".join(text.split())
    if not text:
        raise NipError("nip_empty", "NIP kosong")
    if _SCIENTIFIC.fullmatch(text):
        raise NipError(
            "nip_scientific_notation",
            f"NIP tertulis dalam notasi ilmiah ({text}), sehingga digitnya sudah hilang; "
            "simpan kolom NIP sebagai teks dan isi ulang NIP lengkap 18 digit",
        )
    if _DECIMAL_SUFFIX.fullmatch(text):
        raise NipError(
            "nip_decimal_suffix",
            f"NIP tertulis sebagai angka desimal ({text}); simpan kolom NIP sebagai teks tanpa '.0'",
        )
    if not _ASCII_DIGITS.fullmatch(text):
        raise NipError("nip_not_digits", f"NIP hanya boleh berisi angka 0-9 (ditemukan '{text}')")
    return text


# --- parsing --------------------------------------------------------------------------------------


def parse_nip(raw: str | int | float | None, *, today: date | None = None) -> Nip:
    """Clean and validate a NIP (or NI PPPK) and return its parts, or raise `NipError`.

    `today` (default: the current date) bounds the birth date and the start.
    """
    value = clean_nip(raw)
    if len(value) != NIP_LENGTH:
        raise NipError("nip_length", f"NIP harus {NIP_LENGTH} digit (ditemukan {len(value)})")
    today = today or date.today()
    birth_date = _birth_date(value[0:8], today)
    start_year, start_month = _start(value[8:14], birth_date, today)
    return Nip(
        value=value,
        birth_date=birth_date,
        start_year=start_year,
        start_month=start_month,
        gender=_gender(value[14]),
        sequence=value[15:18],
    )


def _birth_date(digits: str, today: date) -> date:
    try:
        birth_date = date(int(digits[0:4]), int(digits[4:6]), int(digits[6:8]))
    except ValueError:
        raise NipError(
            "nip_birth_date", f"Tanggal lahir pada NIP ({digits}) bukan tanggal yang valid (format YYYYMMDD)"
        ) from None
    if birth_date > today:
        raise NipError("nip_birth_date", f"Tanggal lahir pada NIP ({_format_date(birth_date)}) ada di masa depan")
    return birth_date


def _start(digits: str, birth_date: date, today: date) -> tuple[int, int]:
    year, month = int(digits[0:4]), int(digits[4:6])
    if not 1 <= month <= 12:
        raise NipError("nip_start_month", f"Bulan TMT pada NIP harus 01-12 (ditemukan {digits[4:6]})")
    if year < birth_date.year + MIN_START_AGE:
        raise NipError(
            "nip_start_before_age_15",
            f"Tahun TMT pada NIP ({year}) kurang dari {MIN_START_AGE} tahun setelah tahun lahir ({birth_date.year})",
        )
    if year > today.year + MAX_START_YEARS_AHEAD:
        raise NipError("nip_start_future", f"Tahun TMT pada NIP ({year}) terlalu jauh di masa depan")
    return year, month


def _gender(digit: str) -> str:
    gender = _GENDER_BY_DIGIT.get(digit)
    if gender is None:
        raise NipError(
            "nip_gender_digit",
            f"Digit jenis kelamin pada NIP (digit ke-15) harus 1 (laki-laki) atau 2 (perempuan), ditemukan {digit}",
        )
    return gender


# --- agreement with other columns -----------------------------------------------------------------


def check_nip_agrees(nip: Nip, gender: str | None, birth_date: date | None) -> list[NipError]:
    """Compare what the NIP encodes with the gender (L/P) and birth date given elsewhere in the row.

    A value that is None (or an empty gender) is not checked. Returns one `NipError` per disagreement
    (codes ``nip_gender_mismatch``, ``nip_birth_date_mismatch``), an empty list when all agree.
    Raises ValueError for a gender other than L or P (case and surrounding spaces are ignored).
    """
    errors: list[NipError] = []
    gender_error = _gender_mismatch(nip, gender)
    if gender_error:
        errors.append(gender_error)
    birth_date_error = _birth_date_mismatch(nip, birth_date)
    if birth_date_error:
        errors.append(birth_date_error)
    return errors


def _gender_mismatch(nip: Nip, gender: str | None) -> NipError | None:
    given = (gender or "").strip().upper()
    if not given:
        return None
    if given not in _DIGIT_BY_GENDER:
        raise ValueError(f"gender must be 'L' or 'P', got {gender!r}")
    if given == nip.gender:
        return None
    return NipError(
        "nip_gender_mismatch",
        f"Jenis kelamin {given} tidak sesuai dengan NIP (digit ke-15 menunjukkan {nip.gender})",
    )


def _birth_date_mismatch(nip: Nip, birth_date: date | None) -> NipError | None:
    if birth_date is None:
        return None
    if isinstance(birth_date, datetime):  # an Excel date cell arrives as a datetime at midnight
        birth_date = birth_date.date()
    if birth_date == nip.birth_date:
        return None
    return NipError(
        "nip_birth_date_mismatch",
        f"Tanggal lahir {_format_date(birth_date)} tidak sesuai dengan NIP ({_format_date(nip.birth_date)})",
    )


def _format_date(value: date) -> str:
    return f"{value.day:02d}/{value.month:02d}/{value.year:04d}"


# --- generation -----------------------------------------------------------------------------------


def make_nip(birth_date: date, start_year: int, start_month: int, gender: str, sequence: int) -> str:
    """Build an 18-digit NIP from its parts (for demo data and tests).

    Only checks that each part fits its field; `parse_nip` judges the result (e.g. the age-15 rule).
    """
    if not 1000 <= start_year <= 9999:
        raise ValueError(f"start_year must have 4 digits, got {start_year}")
    if not 1 <= start_month <= 12:
        raise ValueError(f"start_month must be 1-12, got {start_month}")
    if gender not in _DIGIT_BY_GENDER:
        raise ValueError(f"gender must be 'L' or 'P', got {gender!r}")
    if not 0 <= sequence <= 999:
        raise ValueError(f"sequence must be 0-999, got {sequence}")
    return (
        f"{birth_date.year:04d}{birth_date.month:02d}{birth_date.day:02d}"
        f"{start_year:04d}{start_month:02d}{_DIGIT_BY_GENDER[gender]}{sequence:03d}"
    )

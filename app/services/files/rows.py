"""Reading the cells of one row of an incoming file (an import or a partner's report): one parser for NIPs, dates,
angkatan, years and numbers, and one error type (`CellError`: the column as the file names it, the value, a code
and an Indonesian reason). Pure and cheap: files repeat the same few dates, programs and angkatan, so each distinct
text is parsed once."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from functools import lru_cache

from app.domain.dates import parse_file_date
from app.domain.golongan import GolonganError, normalise_golongan
from app.domain.nip import Nip, NipError, parse_nip
from app.services.cohorts.schedule import parse_angkatan

MIN_YEAR, MAX_YEAR = 2000, 2100


@dataclass(frozen=True)
class CellError:
    column: str  # as the file names it: NIP, TGL_MULAI, ...
    value: object
    code: str
    reason: str


def text(value: object) -> str:
    """A cell as trimmed text: a whole float (an Excel number) without its `.0`, NUL characters (which PostgreSQL
    text cannot hold) dropped."""
    if type(value) is str:  # CSV cells: the common case first
        out = value.strip()
    elif value is None:
        return ""
    elif isinstance(value, float) and value.is_integer():
        return str(int(value))
    else:
        out = str(value).strip()
    return out.replace("\x00", "") if "\x00" in out else out


@lru_cache(maxsize=1)
def _today_for(hour: int) -> date:  # noqa: ARG001 - the cache key: looked up again every hour
    return date.today()


def _today() -> date:
    return _today_for(int(time.time() // 3600))


@lru_cache(maxsize=65_536)  # birth dates differ from row to row: a century of days fits
def _date(value: str) -> date:
    return parse_file_date(value)


@lru_cache(maxsize=1024)
def _angkatan(value: str) -> int:
    return parse_angkatan(value)


@lru_cache(maxsize=1024)
def _golongan(value: str, employee_type: str) -> str:
    return normalise_golongan(value, employee_type)


@lru_cache(maxsize=4096)
def _jp(value: str) -> int:
    jp = int(value)
    if not 0 <= jp <= 10_000:
        raise ValueError(value)
    return jp


class Row:
    """The cells of one row (`values`: lower-case column -> cell) and the errors found in them so far. Each reader
    returns the parsed value, or None for an empty optional cell or a bad one (whose error is recorded)."""

    def __init__(self, values: dict) -> None:
        self.values = values
        self.errors: list[CellError] = []

    def text(self, column: str) -> str:
        return text(self.values.get(column))

    def bad(self, column: str, code: str, reason: str) -> None:
        self.errors.append(CellError(column.upper(), self.values.get(column), code, reason))

    def required(self, *columns: str) -> None:
        for column in columns:
            if not self.text(column):
                self.bad(column, "required", "wajib diisi")

    def name(self, column: str = "nama") -> str:
        return " ".join(self.text(column).split())

    def nip(self, column: str = "nip") -> Nip | None:
        if not self.text(column):
            return None
        try:
            return parse_nip(self.values.get(column), today=_today())
        except NipError as exc:
            self.bad(column, exc.code, exc.message)
            return None

    def date(self, column: str) -> date | None:
        raw = self.values.get(column)
        if isinstance(raw, str):
            raw = raw.strip() or None
        if raw is None:
            return None
        try:
            return _date(raw) if isinstance(raw, str) else parse_file_date(raw)
        except ValueError as exc:
            self.bad(column, "date_invalid", str(exc))
            return None

    def angkatan(self, column: str = "angkatan") -> int | None:
        value = self.text(column)
        if not value:
            return None
        try:
            return _angkatan(value)
        except ValueError as exc:
            self.bad(column, "angkatan_invalid", str(exc))
            return None

    def year(self, column: str = "tahun") -> int | None:
        value = self.text(column)
        if not value:
            return None
        try:
            year = int(float(value))
            if not MIN_YEAR <= year <= MAX_YEAR or float(value) != year:
                raise ValueError(value)
        except ValueError:
            self.bad(column, "year_invalid", "tahun harus berupa tahun, mis. 2022")
            return None
        return year

    def golongan(self, column: str, employee_type: str) -> str | None:
        value = self.text(column)
        if not value:
            return None
        try:
            return _golongan(value, employee_type)
        except GolonganError as exc:
            self.bad(column, exc.code, exc.message)
            return None

    def jp(self, column: str = "jp") -> int | None:
        value = self.text(column)
        if not value:
            return None
        try:
            return _jp(value)
        except ValueError:
            self.bad(column, "jp_invalid", "JP harus bilangan bulat 0 atau lebih")
            return None

    def score(self, column: str = "nilai") -> Decimal | None:
        value = self.text(column)
        if not value:
            return None
        try:
            score = Decimal(value.replace(",", "."))
            if not 0 <= score <= 100:
                raise InvalidOperation
        except InvalidOperation:
            self.bad(column, "score_invalid", "nilai harus angka 0-100 (koma atau titik desimal)")
            return None
        return score

    def lookup(self, column: str, find, code: str, reason: str) -> int | None:
        """The id `find(text)` gives for the cell (an OPD, a program), or an error when it gives none."""
        value = self.text(column)
        if not value:
            return None
        found = find(value)
        if found is None:
            self.bad(column, code, reason)
        return found

"""Dates: the regions' time zone, and dates as files write them (`YYYY-MM-DD`, `DD/MM/YYYY`, or an Excel cell)."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta, timezone

# Times people read, and the days of date filters, are in Western Indonesia Time (all the first regions are in WIB).
WIB = timezone(timedelta(hours=7), "WIB")


def today_wib() -> date:
    return datetime.now(WIB).date()

_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
_DMY = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")


def parse_file_date(value: object) -> date:
    """Raise ValueError (Indonesian message) for anything that is not one of the accepted forms."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = str(value).strip() if value is not None else ""
    if not text:
        raise ValueError("tanggal kosong")
    match = _ISO.match(text)
    if match:
        year, month, day = (int(g) for g in match.groups())
    else:
        match = _DMY.match(text)
        if not match:
            raise ValueError(f"format tanggal tidak dikenal: '{text}' (pakai YYYY-MM-DD atau DD/MM/YYYY)")
        day, month, year = (int(g) for g in match.groups())
    try:
        return date(year, month, day)
    except ValueError as exc:
        raise ValueError(f"tanggal tidak ada: '{text}'") from exc

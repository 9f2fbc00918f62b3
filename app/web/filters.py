"""What every template can use: times in WIB, Indonesian dates and numbers, the areas' labels (code -> Bahasa
Indonesia), the region's name in the header, and the year pickers' default."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC
from decimal import Decimal
from types import MappingProxyType

from app.domain.dates import WIB, today_wib
from app.tenancy import current_tenant_or_none


def this_year() -> int:
    return today_wib().year


FIRST_YEAR = 2017  # the year pickers reach back to the oldest records the regions brought (Kab. Tuban's 2017)


def opening_year(latest_with_data: Callable[[int], int | None]) -> int:
    """The year a page opens on when its address names none: the latest year, up to this one, in which JP was
    earned (`latest_with_data(this_year)`), so the first screen shows figures, not zeros; this year when none."""
    now = this_year()
    return latest_with_data(now) or now


def year_choices(selected: int) -> list[int]:
    """The years of a year picker, newest first: from this year (or the selected one) back to FIRST_YEAR."""
    return list(range(max(this_year(), selected), min(FIRST_YEAR, selected) - 1, -1))


def label_set(name: str):
    """One of the areas' label sets (code -> Bahasa Indonesia), e.g. label_set("attendance")."""
    from app.areas import labels

    return labels()[name]


def install(app) -> None:
    from app.areas import labels

    table = MappingProxyType(labels())
    app.context_processor(lambda: {"place": _place()})
    app.jinja_env.globals["labels"] = table
    # The one set of filters for every page a person reads, the province and national ones included.
    app.jinja_env.filters["wib"] = wib
    app.jinja_env.filters["tanggal"] = tanggal
    app.jinja_env.filters["angka"] = angka
    app.jinja_env.filters["persen"] = persen
    app.jinja_env.filters["rupiah"] = rupiah
    app.jinja_env.filters["label"] = lambda code, kind: table[kind].get(code, code) if code is not None else "–"


def _place() -> str | None:
    """The region's name in the header of every page of a region (a view may pass its own `place`)."""
    tenant = current_tenant_or_none()
    return tenant.name if tenant else None


def wib(value) -> str:
    """A timestamp in Western Indonesia Time: 09-03-2024 14:05 WIB (a naive one is taken as UTC)."""
    if not value:
        return "–"
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(WIB).strftime("%d-%m-%Y %H:%M") + " WIB"


def tanggal(value) -> str:
    """A date: 09-03-2024."""
    return value.strftime("%d-%m-%Y") if value else "–"


def angka(value) -> str:
    """1.234 (Indonesian thousands separator); a share or average (float) with a decimal comma and one digit
    (27,3); a Decimal (a score, JP) with the digits it has (75,29; 812,5; 812.00 as 812)."""
    if value is None:
        return "–"
    if isinstance(value, Decimal):
        if value == value.to_integral_value():
            value = int(value)
        else:
            return _indonesian(f"{value.normalize():,f}")
    if isinstance(value, float):
        return _indonesian(f"{value:,.1f}")
    return f"{value:,}".replace(",", ".")


def _indonesian(formatted: str) -> str:
    """1,234.5 → 1.234,5"""
    return formatted.replace(",", "x").replace(".", ",").replace("x", ".")


def persen(value) -> str:
    """A share in per cent: 32,5%."""
    return "–" if value is None else f"{angka(float(value))}%"


def rupiah(value) -> str:
    """Money the Indonesian way, in whole rupiah: Rp 12.500.000."""
    if value is None:
        return "–"
    return "Rp " + f"{int(Decimal(value).to_integral_value()):,}".replace(",", ".")

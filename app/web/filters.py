"""What every template can use: times in WIB, Indonesian dates and numbers, the areas' labels (code -> Bahasa
Indonesia), the region's name in the header, and the year pickers' default."""

from __future__ import annotations

from types import MappingProxyType

from app.domain.dates import WIB, today_wib
from app.tenancy import current_tenant_or_none


def this_year() -> int:
    return today_wib().year


def label_set(name: str):
    """One of the areas' label sets (code -> Bahasa Indonesia), e.g. label_set("attendance")."""
    from app.areas import labels

    return labels()[name]


def install(app) -> None:
    from app.areas import labels

    table = MappingProxyType(labels())
    app.context_processor(lambda: {"place": _place()})
    app.jinja_env.globals["labels"] = table
    app.jinja_env.filters["wib"] = wib
    app.jinja_env.filters["tanggal"] = tanggal
    app.jinja_env.filters["angka"] = angka
    app.jinja_env.filters["label"] = lambda code, kind: table[kind].get(code, code) if code is not None else "–"


def _place() -> str | None:
    """The region's name in the header of every page of a region (a view may pass its own `place`)."""
    tenant = current_tenant_or_none()
    return tenant.name if tenant else None


def wib(value) -> str:
    """A timestamp in Western Indonesia Time: 09-03-2024 14:05 WIB."""
    if not value:
        return "–"
    return value.astimezone(WIB).strftime("%d-%m-%Y %H:%M") + " WIB"


def tanggal(value) -> str:
    return value.strftime("%d-%m-%Y") if value else "–"


def angka(value) -> str:
    """1.234 (Indonesian thousands separator); floats with a decimal comma."""
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:,.1f}".replace(",", "x").replace(".", ",").replace("x", ".")
    return f"{value:,}".replace(",", ".")

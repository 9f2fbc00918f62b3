"""Areas: one feature of the product, in one place on each side of the layout.

An area `x` is `app/blueprints/x/` (its API, pages and commands), `app/services/x/` (its logic),
`app/models/x.py` (its tables) and `app/templates/x/`. Its package `app/blueprints/x/__init__.py` declares
what it adds to the app as one `AREA = Area(...)`; `create_app` and the `kompeten` command discover every
area in `app/blueprints/` and wire what they declare. No other list of blueprints, menu entries, commands,
labels or signal subscribers is kept anywhere: adding an area touches its own packages and a migration only.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import Any


@dataclass(frozen=True)
class NavItem:
    """An entry of a region's menu: shown when the principal holds `permission` (see app.web.nav)."""

    endpoint: str
    label: str
    permission: str
    order: int  # position in the menu (Beranda 10, …, Log audit 100)
    needs_nip: bool = False  # only for principals who are themselves an ASN (employees' own record)
    unscoped: bool = False  # not for operators limited to some OPDs (imports and partner reports span every OPD)


@dataclass(frozen=True)
class DigestWindow:
    """The week a staff digest covers: from `start` (inclusive) to `end` (exclusive), aware datetimes."""

    start: Any
    end: Any


@dataclass(frozen=True)
class DigestSection:
    """An area's part of the weekly digest to the region's BKPSDM staff (app.services.notifications.digest):
    `fn(window)` runs in the bound region and returns (count, lines): how many things wait for the staff and a few
    lines of Indonesian text naming them. A section with count 0 is left out; no section with a count, no digest."""

    name: str
    title: str  # the section's heading in the mail, e.g. "Selisih rekonsiliasi yang belum diputuskan"
    fn: Callable[[DigestWindow], tuple[int, list[str]]]
    order: int = 50


@dataclass(frozen=True)
class Area:
    name: str
    api: tuple = ()  # tenant API blueprints (flask-smorest), documented in /t/<slug>/api/v1/openapi.json
    admin_api: tuple = ()  # the vendors' admin API blueprints, documented in /admin/api/v1/openapi.json
    platform_api: tuple = ()  # platform JSON APIs (platform logins, rollups), in /api/v1/openapi.json
    web: tuple = ()  # plain Flask blueprints: pages, health
    nav: tuple[NavItem, ...] = ()
    commands: tuple = ()  # click commands added to `kompeten`; ("group", command) adds to another area's group
    subscribers: tuple[tuple[Any, Callable], ...] = ()  # (blinker signal, receiver) connected at start
    labels: Mapping[str, Mapping[str, str]] = field(default_factory=dict)  # code -> Indonesian text, for pages
    # How the audit page words what the area records: {"actions": {action: text}, "groups": {prefix: text},
    # "entities": {table: text}, "fields": {field: text}, "values": {field: label set name or {code: text}}}
    audit_labels: Mapping[str, Mapping] = field(default_factory=dict)
    schedules: tuple = ()  # app.schedules.Schedule: periodic jobs run by `kompeten scheduler` (RQ's cron)
    digest_sections: tuple[DigestSection, ...] = ()  # the area's part of the weekly digest to BKPSDM staff


@cache
def areas() -> tuple[Area, ...]:
    """Every area under app/blueprints, in name order."""
    package = importlib.import_module("app.blueprints")
    found = []
    for info in sorted(pkgutil.iter_modules(package.__path__), key=lambda i: i.name):
        if info.ispkg:
            module = importlib.import_module(f"app.blueprints.{info.name}")
            area = getattr(module, "AREA", None)
            if not isinstance(area, Area):
                raise TypeError(f"app/blueprints/{info.name}/__init__.py must declare AREA = Area(...)")
            found.append(area)
    return tuple(found)


def nav_items() -> list[NavItem]:
    return sorted((item for area in areas() for item in area.nav), key=lambda item: item.order)


def digest_sections() -> list[DigestSection]:
    """Every area's digest sections, in their order; a name declared twice is a mistake."""
    found = [s for area in areas() for s in area.digest_sections]
    names = [s.name for s in found]
    if len(names) != len(set(names)):
        raise ValueError(f"digest section declared twice: {sorted(n for n in names if names.count(n) > 1)}")
    return sorted(found, key=lambda s: (s.order, s.name))


def labels() -> dict[str, Mapping[str, str]]:
    """Every label set the areas declare, by name; a name declared twice is a mistake."""
    out: dict[str, Mapping[str, str]] = {}
    for area in areas():
        for name, table in area.labels.items():
            if name in out:
                raise ValueError(f"label set {name!r} declared twice")
            out[name] = table
    return out


def audit_labels() -> dict[str, dict]:
    """The areas' audit vocabularies merged: actions, groups, entities, fields; and values by field, each a table
    (label set names resolved; two areas wording the same field's codes add up)."""
    sets = labels()
    out: dict[str, dict] = {"actions": {}, "groups": {}, "entities": {}, "fields": {}, "values": {}}
    for area in areas():
        for kind, table in area.audit_labels.items():
            if kind == "values":
                for name, codes in table.items():
                    out["values"].setdefault(name, {}).update(sets[codes] if isinstance(codes, str) else codes)
            else:
                out[kind].update(table)
    return out


def commands() -> tuple[list, list[tuple[str, Any]]]:
    """(top-level commands, (group name, command) pairs to add to another area's group)."""
    top, nested = [], []
    for area in areas():
        for entry in area.commands:
            (nested if isinstance(entry, tuple) else top).append(entry)
    return top, nested

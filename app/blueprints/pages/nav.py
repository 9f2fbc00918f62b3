"""The region's navigation menu, in one place: every page blueprint adds its entry here.

An entry shows when its endpoint is registered (a blueprint may be absent, e.g. during development) and the
logged-in principal holds its permission, so a viewer never sees a link to a page that would refuse them.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app, request, url_for
from flask_login import current_user

from app.authz import permissions_of


@dataclass(frozen=True)
class NavItem:
    endpoint: str
    label: str
    permission: str
    needs_nip: bool = False  # only for principals who are themselves an ASN (employees' own record)


NAV: tuple[NavItem, ...] = (
    NavItem("pages.home", "Beranda", "self"),
    NavItem("employee_pages.list_employees", "Pegawai", "training:read"),
    NavItem("cohort_pages.list_cohorts", "Angkatan", "training:read"),
    NavItem("cohort_pages.list_programs", "Katalog", "training:read"),
    NavItem("import_pages.list_imports", "Impor", "training:read"),
    NavItem("reconciliation_pages.list_runs", "Rekonsiliasi", "training:read"),
    NavItem("report_pages.compliance", "Laporan", "training:read"),
    NavItem("employee_pages.my_record", "Data saya", "self", needs_nip=True),
    NavItem("user_pages.list_users", "Pengguna", "users:manage"),
    NavItem("audit_pages.audit_log", "Log audit", "audit:read"),
)


def nav_items() -> list[dict]:
    """The menu for the current request: [{label, url, active}], empty unless a region's user is logged in."""
    principal = current_user
    if not principal or not principal.is_authenticated or principal.kind != "tenant":
        return []
    held = permissions_of(principal)
    here = request.endpoint or ""
    items = []
    for item in NAV:
        if item.endpoint not in current_app.view_functions or item.permission not in held:
            continue
        if item.needs_nip and not principal.nip:
            continue
        blueprint = item.endpoint.split(".")[0]
        active = here == item.endpoint or (item.endpoint != "pages.home" and here.split(".")[0] == blueprint
                                           and not _more_specific_match(here, item))
        items.append({"label": item.label, "url": url_for(item.endpoint), "active": active})
    return items


def _more_specific_match(here: str, item: NavItem) -> bool:
    """Another entry of the same blueprint names this endpoint exactly (e.g. Katalog vs Angkatan)."""
    return any(other.endpoint == here and other is not item for other in NAV)


def register(app) -> None:
    app.context_processor(lambda: {"nav_items": nav_items})

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
    unscoped: bool = False  # not for operators limited to some OPDs (imports and partner reports span every OPD)


NAV: tuple[NavItem, ...] = (
    NavItem("pages.home", "Beranda", "self"),
    NavItem("employee_pages.list_employees", "Pegawai", "training:read"),
    NavItem("cohort_pages.list_cohorts", "Angkatan", "training:read"),
    NavItem("cohort_pages.list_programs", "Katalog", "training:read"),
    NavItem("import_pages.list_imports", "Impor", "training:read", unscoped=True),
    NavItem("reconciliation_pages.list_runs", "Rekonsiliasi", "training:read", unscoped=True),
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
    items = []
    for item in NAV:
        if item.endpoint not in current_app.view_functions or item.permission not in held:
            continue
        if item.needs_nip and not principal.nip:
            continue
        if item.unscoped and principal.opd_ids:
            continue
        url = url_for(item.endpoint)
        items.append({"label": item.label, "url": url, "active": _is_here(url)})
    return items


def _is_here(url: str) -> bool:
    """The entry's page or a page below it (`/angkatan` for `/angkatan/7/peserta`); the home page only itself."""
    path = request.path
    if url.endswith("/"):  # the region's home: /t/<slug>/
        return path == url
    return path == url or path.startswith(url + "/")


def register(app) -> None:
    app.context_processor(lambda: {"nav_items": nav_items})

"""The region's navigation menu, built from the entries the areas declare (app.areas.NavItem).

An entry shows when its endpoint is registered (a blueprint may be absent, e.g. during development) and the
logged-in principal holds its permission, so a viewer never sees a link to a page that would refuse them.
"""

from __future__ import annotations

from flask import current_app, request, url_for
from flask_login import current_user

from app.areas import nav_items as area_nav_items
from app.authz import permissions_of


def nav_items() -> list[dict]:
    """The menu for the current request: [{label, url, active}], empty unless a region's user is logged in."""
    principal = current_user
    if not principal or not principal.is_authenticated or principal.kind != "tenant":
        return []
    held = permissions_of(principal)
    items = []
    for item in area_nav_items():
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


def install(app) -> None:
    app.context_processor(lambda: {"nav_items": nav_items})

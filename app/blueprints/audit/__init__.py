"""The region's append-only audit log: who changed what, when, from where (admins)."""

from app.areas import Area, NavItem
from app.blueprints.audit import api, pages

AREA = Area(
    name="audit",
    api=(api.blp,),
    web=(pages.bp,),
    nav=(NavItem("audit_pages.audit_log", "Log audit", "audit:read", order=100),),
    audit_labels={"fields": {"id": "ID", "created_at": "Dibuat pada"}},
)

"""Reconciliation of partner completion reports (BPSDM, Badiklat, LAN) with the region's enrolments."""

from app.areas import Area, NavItem
from app.blueprints.reconciliation import api, commands, pages
from app.services.reconciliation.runs import CLASS_LABELS

AREA = Area(
    name="reconciliation",
    api=(api.blp,),
    web=(pages.bp,),
    nav=(NavItem("reconciliation_pages.list_runs", "Rekonsiliasi", "training:read", order=60),),
    commands=(commands.reconcile,),
    labels={"reconciliation_classes": CLASS_LABELS},
)

"""Reconciliation of partner completion reports (BPSDM, Badiklat, LAN) with the region's enrolments."""

from app.areas import Area, DigestSection, NavItem
from app.blueprints.reconciliation import api, commands, pages
from app.services.reconciliation.digest import open_differences
from app.services.reconciliation.runs import CLASS_LABELS, STATE_LABELS

AREA = Area(
    name="reconciliation",
    api=(api.blp,),
    web=(pages.bp,),
    nav=(NavItem("reconciliation_pages.list_runs", "Rekonsiliasi", "training:read", order=60, unscoped=True),),
    commands=(commands.reconcile,),
    digest_sections=(DigestSection("reconciliation", "Selisih rekonsiliasi yang belum diputuskan", open_differences,
                                   order=10),),
    labels={"reconciliation_classes": CLASS_LABELS, "reconciliation_states": STATE_LABELS},
    audit_labels={
        "actions": {"reconciliation.upload": "Mengunggah laporan mitra",
                    "reconciliation.decide": "Memutuskan koreksi rekonsiliasi",
                    "reconciliation.apply": "Menerapkan koreksi rekonsiliasi",
                    "reconciliation.enrol": "Mendaftarkan peserta dari laporan mitra",
                    "reconciliation.correct": "Mengoreksi peserta dengan nilai mitra"},
        "groups": {"reconciliation.": "Rekonsiliasi"},
        "entities": {"reconciliation_runs": "Rekonsiliasi"},
        "fields": {"blocked": "Tidak diterapkan", "kept": "Dipertahankan", "partner": "Mitra", "program": "Program",
                   "supersedes_run_id": "Menggantikan rekonsiliasi", "classes": "Keputusan per kelas",
                   "rows": "Keputusan per baris", "reconciliation_run_id": "Rekonsiliasi",
                   "row_number": "Baris laporan", "class": "Kelas"},
        "values": {"state": "reconciliation_states", "class": "reconciliation_classes"},
    },
)

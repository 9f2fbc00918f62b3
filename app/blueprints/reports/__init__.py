"""Reports of the region: 20 JP compliance per OPD, training recap, cohort rosters; yearly targets."""

from app.areas import Area, NavItem
from app.blueprints.reports import api, pages

AREA = Area(
    name="reports",
    api=(api.reports_api, api.targets_api),
    web=(pages.bp,),
    nav=(NavItem("report_pages.compliance", "Laporan", "training:read", order=70),),
    audit_labels={
        "actions": {"target.set": "Menetapkan target pelatihan", "target.delete": "Menghapus target pelatihan"},
        "groups": {"target.": "Target pelatihan"},
        "entities": {"training_targets": "Target pelatihan"},
        "fields": {"year": "Tahun", "people": "Target orang", "note": "Catatan"},
    },
)

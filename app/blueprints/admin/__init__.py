"""Running regions: the vendors' admin API (provision, suspend, upgrade, export, archive, delete) and the commands
that run the platform (db, tenants, admin tokens, worker, scheduler)."""

from app.areas import Area
from app.blueprints.admin import api, commands

AREA = Area(
    name="admin",
    admin_api=(api.blp,),
    commands=(commands.db, commands.tenants, commands.admin, commands.worker, commands.scheduler),
    audit_labels={  # the platform's log (platform.audit_log): what vendors did to regions
        "actions": {"tenant.create": "Membuat wilayah", "tenant.restore": "Memulihkan wilayah dari ekspor",
                    "tenant.suspend": "Menangguhkan wilayah", "tenant.resume": "Mengaktifkan kembali wilayah",
                    "tenant.archive": "Mengarsipkan wilayah", "tenant.delete": "Menghapus wilayah",
                    "tenant.upgrade": "Memperbarui skema wilayah", "tenant.export": "Mengekspor wilayah",
                    "export.download": "Mengunduh ekspor wilayah", "admin.call": "Memanggil API admin"},
        "groups": {"tenant.": "Wilayah", "export.": "Ekspor wilayah", "admin.": "API admin"},
        "entities": {"tenants": "Wilayah", "tenant_exports": "Ekspor wilayah"},
    },
)

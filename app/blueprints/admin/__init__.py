"""Running regions: the vendors' admin API (provision, suspend, upgrade, export, archive, delete) and the commands
that run the platform (db, tenants, admin tokens, worker, scheduler)."""

from app.areas import Area
from app.blueprints.admin import api, commands
from app.schedules import Schedule
from app.services.admin import backups, spares

AREA = Area(
    name="admin",
    admin_api=(api.blp,),
    commands=(commands.db, commands.tenants, commands.admin, commands.worker, commands.scheduler),
    schedules=(Schedule("admin.backup", backups.backup_region, cron="0 19 * * *",
                        description="cadangan malam tiap wilayah aktif (02:00 WIB), dengan aturan retensi"),
               Schedule("admin.refill_spares", spares.refill, interval=300, per_region=False,
                        description="skema cadangan siap pakai untuk wilayah baru (KOMPETEN_SPARE_SCHEMAS)")),
    audit_labels={  # the platform's log (platform.audit_log): what vendors did to regions
        "actions": {"tenant.create": "Membuat wilayah", "tenant.restore": "Memulihkan wilayah dari ekspor",
                    "tenant.suspend": "Menangguhkan wilayah", "tenant.resume": "Mengaktifkan kembali wilayah",
                    "tenant.archive": "Mengarsipkan wilayah", "tenant.delete": "Menghapus wilayah",
                    "tenant.upgrade": "Memperbarui skema wilayah", "tenant.export": "Mengekspor wilayah",
                    "export.download": "Mengunduh ekspor wilayah", "admin.call": "Memanggil API admin",
                    "job.retry": "Menjalankan ulang job", "job.cancel": "Membatalkan job"},
        "groups": {"tenant.": "Wilayah", "export.": "Ekspor wilayah", "admin.": "API admin", "job.": "Antrean job"},
        "entities": {"tenants": "Wilayah", "tenant_exports": "Ekspor wilayah", "rq_jobs": "Job"},
    },
)

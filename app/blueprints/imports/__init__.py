"""Bulk imports (PPPK enrolments from LAN or a provincial LMS): upload, a worker validates and applies, the
row-by-row report."""

from app.areas import Area, DigestSection, NavItem
from app.blueprints.imports import api, commands, pages
from app.services.imports.digest import failed_imports

AREA = Area(
    name="imports",
    api=(api.blp,),
    web=(pages.bp,),
    nav=(NavItem("import_pages.list_imports", "Impor", "training:read", order=50, unscoped=True),),
    commands=(commands.import_group,),
    digest_sections=(DigestSection("imports", "Impor yang gagal minggu ini", failed_imports, order=20),),
    labels={
        "import_states": {"queued": "Menunggu antrean", "validating": "Memeriksa baris", "importing": "Menulis data",
                          "done": "Selesai", "failed": "Gagal", "cancelled": "Dibatalkan"},
        "import_modes": {"valid-only": "Impor baris yang valid, laporkan yang salah",
                         "all-or-nothing": "Semua atau tidak sama sekali (satu baris salah = tidak ada yang ditulis)"},
    },
    audit_labels={
        "actions": {"import.upload": "Mengunggah file impor", "import.cancel": "Membatalkan impor",
                    "import.apply": "Menerapkan impor"},
        "groups": {"import.": "Impor"},
        "entities": {"import_runs": "Impor"},
        "fields": {"filename": "Nama file", "checksum": "Sidik file (SHA-256)", "dry_run": "Uji coba (tidak disimpan)",
                   "size": "Ukuran (bita)", "state": "Status", "created": "Dibuat", "updated": "Diperbarui",
                   "unchanged": "Tidak berubah", "employees_created": "Pegawai baru",
                   "employees_updated": "Pegawai diperbarui", "cohorts_created": "Angkatan baru"},
        "values": {"state": "import_states",
                   "mode": {"valid-only": "hanya baris yang valid", "all-or-nothing": "semua atau tidak sama sekali"}},
    },
)

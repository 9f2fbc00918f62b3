"""The SIASN link (BKN): each passed, certified result becomes the ASN's riwayat diklat / kursus at SIASN without
keying it twice; connection settings per region (secrets encrypted), program mapping, push, compare, export."""

from app.areas import Area, NavItem
from app.blueprints.siasn import api, pages
from app.schedules import Schedule
from app.services.siasn.push import retry_failed, sync_pending

STATES = {"queued": "Antre", "sent": "Terkirim", "failed": "Gagal (dicoba lagi)", "refused": "Ditolak SIASN",
          "deleted": "Dihapus dari SIASN"}
COMPARE = {"same": "Sama", "different": "Berbeda", "siasn_only": "Hanya di SIASN", "local_only": "Hanya di Kompeten"}

AREA = Area(
    name="siasn",
    api=(api.blp,),
    web=(pages.bp,),
    nav=(NavItem("siasn_pages.overview", "SIASN", "training:read", order=65, unscoped=True),),
    labels={"siasn_states": STATES, "siasn_compare": COMPARE,
            "siasn_kinds": {"diklat": "Riwayat diklat", "kursus": "Riwayat kursus"}},
    schedules=(Schedule("siasn.sync_pending", sync_pending, interval=600,
                        description="kirim hasil lulus baru, koreksi dan pencabutan ke SIASN"),
               Schedule("siasn.retry_failed", retry_failed, interval=900,
                        description="kirim ulang hasil yang belum dijawab SIASN"),),
    audit_labels={
        "actions": {"siasn.settings": "Mengubah pengaturan SIASN", "siasn.check": "Memeriksa koneksi SIASN",
                    "siasn.mapping": "Mengubah pemetaan program ke SIASN", "siasn.queue": "Mengantrekan kiriman SIASN",
                    "siasn.send_ours": "Mengirim data Kompeten ke SIASN",
                    "siasn.take_theirs": "Mengambil data SIASN"},
        "groups": {"siasn.": "SIASN"},
        "entities": {"siasn_settings": "Pengaturan SIASN", "siasn_program_maps": "Pemetaan SIASN",
                     "siasn_pushes": "Kiriman SIASN"},
        "fields": {"base_url": "Alamat SIASN", "sso_url": "Alamat SSO", "client_id": "Client id SSO",
                   "instansi_id": "Id instansi", "secrets_changed": "Kredensial diganti", "check_ok": "Koneksi baik",
                   "check_message": "Hasil pemeriksaan", "latihan_struktural_id": "latihanStrukturalId",
                   "jenis_diklat_id": "jenisDiklatId", "siasn_id": "Id riwayat SIASN", "queued": "Diantrekan",
                   "skipped": "Dilewati", "push_ids": "Kiriman"},
    },
)

"""Learning submitted by employees (bukti pengembangan kompetensi): the employee submits an activity with its
certificate file; the OPD's operators and BKPSDM verify it into the JP ledger or reject it."""

from app.areas import Area, DigestSection, NavItem
from app.blueprints.submissions import api, pages
from app.services.submissions.digest import waiting_submissions
from app.services.submissions.kinds import LABELS

AREA = Area(
    name="submissions",
    api=(api.my_submissions_api, api.submissions_api),
    web=(pages.bp,),
    nav=(NavItem("submission_pages.queue", "Pengajuan JP", "training:read", order=46),
         NavItem("submission_pages.mine", "Ajukan JP", "self", order=83, needs_nip=True)),
    labels={"submission_statuses": {"pending": "Menunggu verifikasi", "verified": "Diverifikasi",
                                    "rejected": "Ditolak"},
            "submission_kinds": LABELS},
    digest_sections=(DigestSection("submissions", "Pengajuan JP yang menunggu verifikasi", waiting_submissions,
                                   order=40),),
    audit_labels={
        "actions": {"submission.create": "Mengajukan kegiatan belajar", "submission.verify": "Memverifikasi pengajuan",
                    "submission.reject": "Menolak pengajuan", "submission.correct": "Mengoreksi pengajuan"},
        "groups": {"submission.": "Pengajuan pengembangan kompetensi"},
        "entities": {"submissions": "Pengajuan pengembangan kompetensi"},
        "fields": {"organiser": "Penyelenggara", "kind": "Jenis kegiatan", "start_date": "Tanggal mulai",
                   "end_date": "Tanggal selesai", "jp_claimed": "JP diajukan", "jp_granted": "JP diakui",
                   "file_name": "Berkas", "file_mime": "Jenis berkas", "file_size": "Ukuran berkas",
                   "file_sha256": "SHA-256 berkas", "note": "Catatan", "reason": "Alasan"},
        "values": {"kind": "submission_kinds"},
    },
)

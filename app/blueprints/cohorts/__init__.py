"""Cohorts (angkatan) with their phases, enrolments and their status machine, attendance per day, phase results
and certificates (STTPP)."""

from app.areas import Area, NavItem
from app.blueprints.cohorts import api, pages, pages_bulk, pages_roster  # noqa: F401  (routes on pages.bp)

AREA = Area(
    name="cohorts",
    api=(api.cohorts_api, api.enrolments_api, api.attendance_api),
    web=(pages.bp,),
    nav=(NavItem("cohort_pages.list_cohorts", "Angkatan", "training:read", order=30),),
    labels={
        "statuses": {"registered": "Terdaftar", "attending": "Mengikuti", "passed": "Lulus", "failed": "Tidak lulus",
                     "withdrawn": "Mengundurkan diri"},
        "modes": {"klasikal": "Klasikal", "blended": "Blended", "elearning": "E-learning"},
        "timings": {"upcoming": "Akan datang", "running": "Berjalan", "finished": "Selesai"},
        "attendance": {"present": "Hadir", "excused": "Izin/sakit", "absent": "Alpa"},
    },
    audit_labels={
        "actions": {"cohort.create": "Membuat angkatan", "cohort.update": "Mengubah angkatan",
                    "cohort.phases.replace": "Mengganti tahap angkatan", "enrolment.create": "Mendaftarkan peserta",
                    "enrolment.transition": "Mengubah status peserta",
                    "enrolment.correct": "Mengoreksi hasil peserta",
                    "enrolment.bulk_create": "Mendaftarkan banyak peserta",
                    "enrolment.bulk_status": "Mengubah status banyak peserta",
                    "enrolment.results_upload": "Mengunggah lembar hasil",
                    "eligibility.override": "Mengecualikan syarat peserta",
                    "phase_result.upsert": "Mencatat hasil tahap",
                    "attendance.mark": "Mencatat presensi"},
        "groups": {"cohort.": "Angkatan", "enrolment.": "Peserta", "eligibility.": "Peserta",
                   "phase_result.": "Hasil tahap",
                   "attendance.": "Presensi"},
        "entities": {"cohorts": "Angkatan", "enrolments": "Peserta", "phase_results": "Hasil tahap",
                     "attendance": "Presensi"},
        "fields": {"status": "Status", "certificate_number": "Nomor STTPP", "certificate_date": "Tanggal STTPP",
                   "jp_earned": "JP diperoleh", "score": "Nilai", "cohort_id": "Angkatan", "employee_id": "Pegawai",
                   "day": "Tanggal", "marked": "Dicatat", "skipped_withdrawn": "Dilewati (mengundurkan diri)",
                   "present": "Hadir", "excused": "Izin/sakit", "absent": "Alpa", "mode": "Cara", "passed": "Lulus",
                   "phases": "Tahap", "program_id": "Program", "number": "Nomor angkatan", "partner_id": "Mitra",
                   "quota": "Kuota", "start_date": "Mulai", "end_date": "Selesai", "position": "Urutan",
                   "graded": "Dinilai", "reason": "Alasan"},
        "values": {"status": "statuses", "mode": "modes"},
    },
)

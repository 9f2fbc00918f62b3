"""Cohorts (angkatan) with their phases, enrolments and their status machine, attendance per day, phase results
and certificates (STTPP)."""

from app.areas import Area, NavItem
from app.blueprints.cohorts import api, pages, pages_roster  # noqa: F401  (pages_roster: routes on pages.bp)

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
)

"""The audit log as a person reads it: every action, entity and field in Indonesian words, and every recorded
value shown readably (Ya/Tidak, dates and times in WIB, OPD names, decisions), never a code or a Python repr.

The log itself keeps the codes (the API returns them): this module only translates for the page. A new audited
action or field adds its label here (tests/web/test_audit_and_imports.py checks every action the code records)."""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal

from app.blueprints.cohort_pages.common import COMPETENCY_TYPES, MODES, PARTNER_KINDS, PROGRAM_TYPES
from app.blueprints.pages.views import (
    ENROLMENT_STATUS_LABELS,
    IMPORT_STATE_LABELS,
    JP_SOURCE_LABELS,
    ROLE_LABELS,
    angka,
    tanggal,
    wib,
)
from app.models.org import JABATAN_KINDS
from app.services.reconciliation import CLASS_LABELS
from app.services.reconciliation import STATE_LABELS as RECONCILIATION_STATES

ACTION_LABELS = {
    "auth.login": "Masuk", "auth.logout": "Keluar",
    "auth.set_password": "Menyetel kata sandi (tautan sekali pakai)", "auth.change_password": "Mengganti kata sandi",
    "user.invite": "Mengundang pengguna", "user.update": "Mengubah pengguna",
    "user.reset_password": "Membuat tautan setel ulang kata sandi", "user.disable": "Menonaktifkan pengguna",
    "user.enable": "Mengaktifkan kembali pengguna", "user.sessions_revoke": "Mengakhiri sesi pengguna",
    "session.revoke": "Mengakhiri sesi", "token.create": "Membuat token API", "token.revoke": "Mencabut token API",
    "employee.create": "Menambah pegawai", "employee.update": "Mengubah data pegawai",
    "employee.deactivate": "Menonaktifkan pegawai",
    "opd.create": "Menambah OPD", "opd.update": "Mengubah OPD", "opd.deactivate": "Menonaktifkan OPD",
    "opd.merge": "Menggabungkan OPD",
    "partner.create": "Menambah mitra", "program.create": "Menambah program", "program.update": "Mengubah program",
    "cohort.create": "Membuat angkatan", "cohort.update": "Mengubah angkatan",
    "cohort.phases.replace": "Mengganti tahap angkatan",
    "enrolment.create": "Mendaftarkan peserta", "enrolment.transition": "Mengubah status peserta",
    "phase_result.upsert": "Mencatat hasil tahap", "attendance.mark": "Mencatat presensi",
    "jp_entry.create": "Menambah JP di luar angkatan",
    "target.set": "Menetapkan target pelatihan", "target.delete": "Menghapus target pelatihan",
    "import.upload": "Mengunggah file impor", "import.cancel": "Membatalkan impor", "import.apply": "Menerapkan impor",
    "reconciliation.upload": "Mengunggah laporan mitra", "reconciliation.decide": "Memutuskan koreksi rekonsiliasi",
    "reconciliation.apply": "Menerapkan koreksi rekonsiliasi",
    "reconciliation.enrol": "Mendaftarkan peserta dari laporan mitra",
    "reconciliation.correct": "Mengoreksi peserta dengan nilai mitra",
}
# The page's action filter: an area (the API's `action` is a prefix).
ACTION_GROUPS = {
    "auth.": "Masuk dan kata sandi", "user.": "Pengguna", "session.": "Sesi", "token.": "Token API",
    "employee.": "Pegawai", "opd.": "OPD", "partner.": "Mitra", "program.": "Program", "cohort.": "Angkatan",
    "enrolment.": "Peserta", "phase_result.": "Hasil tahap", "attendance.": "Presensi",
    "jp_entry.": "JP di luar angkatan", "target.": "Target pelatihan", "import.": "Impor",
    "reconciliation.": "Rekonsiliasi",
}
ENTITY_LABELS = {
    "users": "Pengguna", "api_tokens": "Token API", "employees": "Pegawai", "opds": "OPD", "partners": "Mitra",
    "programs": "Program", "cohorts": "Angkatan", "enrolments": "Peserta", "phase_results": "Hasil tahap",
    "attendance": "Presensi", "jp_entries": "JP", "training_targets": "Target pelatihan", "import_runs": "Impor",
    "reconciliation_runs": "Rekonsiliasi",
}
FIELD_LABELS = {
    "username": "Nama pengguna", "full_name": "Nama lengkap", "email": "Surel", "role": "Peran", "active": "Aktif",
    "nip": "NIP", "opd_ids": "Dibatasi pada OPD", "opd_id": "OPD", "name": "Nama", "gender": "Jenis kelamin",
    "birth_date": "Tanggal lahir", "employee_type": "Jenis ASN", "golongan": "Golongan", "jabatan": "Jabatan",
    "jabatan_kind": "Jenis jabatan", "status": "Status", "certificate_number": "Nomor STTPP",
    "certificate_date": "Tanggal STTPP", "jp_earned": "JP diperoleh", "score": "Nilai", "code": "Kode",
    "year": "Tahun", "people": "Target orang", "note": "Catatan", "prefix": "Awalan token", "user_id": "Pengguna",
    "expires_at": "Berlaku sampai", "revoked_at": "Dicabut pada", "revoked_sessions": "Sesi diakhiri",
    "revoked_tokens": "Token dicabut", "merged_into_id": "Digabung ke OPD", "moved_employees": "Pegawai dipindahkan",
    "cohort_id": "Angkatan", "employee_id": "Pegawai", "day": "Tanggal", "marked": "Dicatat",
    "skipped_withdrawn": "Dilewati (mengundurkan diri)", "present": "Hadir", "excused": "Izin/sakit",
    "absent": "Alpa", "filename": "Nama file", "checksum": "Sidik file (SHA-256)", "mode": "Cara",
    "dry_run": "Uji coba (tidak disimpan)", "size": "Ukuran (bita)", "state": "Status", "created": "Dibuat",
    "updated": "Diperbarui", "unchanged": "Tidak berubah", "blocked": "Tidak diterapkan", "kept": "Dipertahankan",
    "employees_created": "Pegawai baru", "employees_updated": "Pegawai diperbarui", "cohorts_created": "Angkatan baru",
    "partner": "Mitra", "program": "Program", "supersedes_run_id": "Menggantikan rekonsiliasi",
    "classes": "Keputusan per kelas", "rows": "Keputusan per baris", "reconciliation_run_id": "Rekonsiliasi",
    "row_number": "Baris laporan", "class": "Kelas", "passed": "Lulus", "phases": "Tahap", "id": "ID",
    "program_id": "Program", "number": "Nomor angkatan", "partner_id": "Mitra", "quota": "Kuota",
    "start_date": "Mulai", "end_date": "Selesai", "created_at": "Dibuat pada", "position": "Urutan",
    "graded": "Dinilai", "program_type": "Jenis program", "competency_type": "Jenis kompetensi",
    "provider_partner_id": "Mitra penyelenggara", "jp": "JP", "kind": "Jenis", "source": "Sumber", "title": "Judul",
    "completed_on": "Selesai pada",
}
DECISION_LABELS = {"partner": "ambil nilai mitra", "local": "pertahankan data kita"}
# Coded values by the field they are recorded under.
VALUE_LABELS = {
    "role": ROLE_LABELS, "status": ENROLMENT_STATUS_LABELS, "state": {**IMPORT_STATE_LABELS, **RECONCILIATION_STATES},
    "mode": {**MODES, "valid-only": "hanya baris yang valid", "all-or-nothing": "semua atau tidak sama sekali"},
    "class": CLASS_LABELS, "gender": {"L": "Laki-laki", "P": "Perempuan"}, "program_type": PROGRAM_TYPES,
    "competency_type": COMPETENCY_TYPES, "kind": PARTNER_KINDS, "source": JP_SOURCE_LABELS,
    "jabatan_kind": {k: k.capitalize() for k in JABATAN_KINDS},
}
_PLAIN_NUMBERS = re.compile(r"(^|_)(id|year|nip|number|position)$")  # identifiers and years: no thousands dots
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_ISO_MOMENT = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")


def action_label(action: str) -> str:
    return ACTION_LABELS.get(action, action)


def actor_label(actor: str | None) -> str:
    """A username as is; `cli:<user>` (a command on the server) in words."""
    if not actor:
        return "–"
    if actor.startswith("cli:"):
        return f"perintah kompeten di server (pengguna sistem {actor[4:]})"
    return actor


def entity_label(entity: str, entity_id: str | None) -> str:
    name = ENTITY_LABELS.get(entity, entity)
    if not entity_id:
        return name
    if entity == "attendance" and ":" in entity_id:  # "<cohort>:<day>"
        cohort, day = entity_id.split(":", 1)
        return f"{name} angkatan #{cohort}, {_text('day', day)}"
    if entity == "phase_results" and ":" in entity_id:  # "<enrolment>:<phase>"
        enrolment, phase = entity_id.split(":", 1)
        return f"{name} peserta #{enrolment}, tahap #{phase}"
    if entity == "training_targets":
        return f"{name} tahun {entity_id}"
    return f"{name} #{entity_id}"


def changes(before: dict | None, after: dict | None, opd_names: dict[int, str]) -> list[dict]:
    """[{label, before, after}] as text: the fields that changed (both sides), or every field of the one side."""
    before, after = before or {}, after or {}
    keys = [k for k, v in after.items() if before.get(k) != v] if before and after else list(after or before)
    return [{"label": FIELD_LABELS.get(key, key.replace("_", " ")),
             "before": _text(key, before[key], opd_names) if before and key in before else None,
             "after": _text(key, after.get(key), opd_names) if after else "dihapus"}
            for key in keys]


def opd_ids_in(entries) -> set[int]:
    """The OPD ids the page's entries mention (their names are looked up in one query)."""
    found: set[int] = set()
    for entry in entries:
        for side in (entry["before"], entry["after"]):
            for key in ("opd_id", "merged_into_id"):
                if isinstance((side or {}).get(key), int):
                    found.add(side[key])
            found.update(i for i in (side or {}).get("opd_ids") or () if isinstance(i, int))
    return found


def _text(field: str, value, opd_names: dict[int, str] | None = None) -> str:  # noqa: PLR0911 - one case per kind
    opd_names = opd_names or {}
    if value is None:
        return "–"
    if isinstance(value, bool):
        return "Ya" if value else "Tidak"
    if field in ("opd_id", "merged_into_id") and isinstance(value, int):
        return opd_names.get(value, f"OPD #{value}")
    if field == "opd_ids" and isinstance(value, list):
        return ", ".join(opd_names.get(i, f"OPD #{i}") for i in value) if value else "tidak dibatasi"
    if field == "revoked_sessions" and isinstance(value, list):
        return f"{angka(len(value))} sesi"
    if field in ("classes", "rows") and isinstance(value, dict):
        what = (lambda k: CLASS_LABELS.get(k, k)) if field == "classes" else (lambda k: f"baris {k}")
        return "; ".join(f"{what(k)}: {DECISION_LABELS.get(v, v)}" for k, v in value.items()) or "–"
    if field == "phases" and isinstance(value, list):
        return "; ".join(f"{p.get('name', '–')} ({_text('start_date', p.get('start_date'))} s.d. "
                         f"{_text('end_date', p.get('end_date'))})" for p in value if isinstance(p, dict)) or "–"
    if isinstance(value, dict):
        return "; ".join(f"{FIELD_LABELS.get(k, k.replace('_', ' '))}: {_text(k, v, opd_names)}"
                         for k, v in value.items()) or "–"
    if isinstance(value, list):
        return ", ".join(_text(field, v, opd_names) for v in value) or "–"
    if isinstance(value, int | float | Decimal):
        return str(value) if _PLAIN_NUMBERS.search(field) else angka(value)
    if isinstance(value, str):
        if field in VALUE_LABELS:
            return VALUE_LABELS[field].get(value, value)
        if _ISO_DATE.match(value):
            return tanggal(date.fromisoformat(value))
        if _ISO_MOMENT.match(value):
            try:
                return wib(datetime.fromisoformat(value))  # a naive moment is taken as UTC
            except ValueError:
                return value
    return str(value)

"""Employees (ASN: PNS and PPPK) found by NIP, the OPDs they belong to, their JP ledger, and one's own record."""

from app.areas import Area, NavItem
from app.blueprints.employees import api, pages
from app.models.employees import JABATAN_KINDS

AREA = Area(
    name="employees",
    api=(api.employees_api, api.opds_api, api.selfservice_api),
    web=(pages.bp,),
    nav=(NavItem("employee_pages.list_employees", "Pegawai", "training:read", order=20),
         NavItem("employee_pages.my_record", "Data saya", "self", order=80, needs_nip=True)),
    labels={"jp_sources": {"cohort": "Angkatan", "elearning": "E-learning", "other": "Lainnya",
                           "submission": "Pengajuan pegawai"},
            "jabatan_kinds": {kind: kind.capitalize() for kind in JABATAN_KINDS}},
    audit_labels={
        "actions": {"employee.create": "Menambah pegawai", "employee.update": "Mengubah data pegawai",
                    "employee.deactivate": "Menonaktifkan pegawai", "opd.create": "Menambah OPD",
                    "opd.update": "Mengubah OPD", "opd.deactivate": "Menonaktifkan OPD",
                    "opd.merge": "Menggabungkan OPD", "jp_entry.create": "Menambah JP di luar angkatan"},
        "groups": {"employee.": "Pegawai", "opd.": "OPD", "jp_entry.": "JP di luar angkatan"},
        "entities": {"employees": "Pegawai", "opds": "OPD", "jp_entries": "JP"},
        "fields": {"nip": "NIP", "opd_id": "OPD", "name": "Nama", "gender": "Jenis kelamin",
                   "birth_date": "Tanggal lahir", "employee_type": "Jenis ASN", "golongan": "Golongan",
                   "jabatan": "Jabatan", "jabatan_kind": "Jenis jabatan", "merged_into_id": "Digabung ke OPD",
                   "moved_employees": "Pegawai dipindahkan", "source": "Sumber", "title": "Judul",
                   "completed_on": "Selesai pada"},
        "values": {"gender": {"L": "Laki-laki", "P": "Perempuan"}, "jabatan_kind": "jabatan_kinds",
                   "source": "jp_sources"},
    },
)

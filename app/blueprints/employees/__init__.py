"""Employees (ASN: PNS and PPPK) found by NIP, the OPDs they belong to, their JP ledger, and one's own record."""

from app.areas import Area, NavItem
from app.blueprints.employees import api, pages

AREA = Area(
    name="employees",
    api=(api.employees_api, api.opds_api, api.selfservice_api),
    web=(pages.bp,),
    nav=(NavItem("employee_pages.list_employees", "Pegawai", "training:read", order=20),
         NavItem("employee_pages.my_record", "Data saya", "self", order=80, needs_nip=True)),
    labels={"jp_sources": {"cohort": "Angkatan", "elearning": "E-learning", "other": "Lainnya"}},
)

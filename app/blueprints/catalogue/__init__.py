"""The training catalogue: programs (type, competency type, provider, JP) and partner institutions."""

from app.areas import Area, NavItem
from app.blueprints.catalogue import api, pages

AREA = Area(
    name="catalogue",
    api=(api.programs_api, api.partners_api),
    web=(pages.bp,),
    nav=(NavItem("catalogue_pages.list_programs", "Katalog", "training:read", order=40),),
    labels={
        "program_types": {"pkn": "PKN (Pelatihan Kepemimpinan Nasional)", "pka": "PKA (Kepemimpinan Administrator)",
                          "pkp": "PKP (Kepemimpinan Pengawas)", "latsar": "Latsar CPNS",
                          "pppk_orientation": "Orientasi PPPK", "technical": "Teknis", "functional": "Fungsional",
                          "elearning": "E-learning"},
        "competency_types": {"manajerial": "Manajerial", "teknis": "Teknis", "sosial_kultural": "Sosial kultural"},
        "partner_kinds": {"bpsdm": "BPSDM provinsi", "badiklat": "Badiklat", "lan": "LAN RI", "other": "Lainnya"},
    },
    audit_labels={
        "actions": {"partner.create": "Menambah mitra", "program.create": "Menambah program",
                    "program.update": "Mengubah program"},
        "groups": {"partner.": "Mitra", "program.": "Program"},
        "entities": {"partners": "Mitra", "programs": "Program"},
        "fields": {"code": "Kode", "program_type": "Jenis program", "competency_type": "Jenis kompetensi",
                   "provider_partner_id": "Mitra penyelenggara", "jp": "JP", "kind": "Jenis"},
        "values": {"program_type": "program_types", "competency_type": "competency_types", "kind": "partner_kinds"},
    },
)

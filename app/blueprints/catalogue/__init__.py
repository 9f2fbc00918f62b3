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
)

"""IP ASN competency dimension: the four items per ASN and year with evidence, the score, reports for the region
and its OPDs, weights per year and post kind (data, editable by admins), exemption keywords, program mapping."""

from app.areas import Area, NavItem
from app.blueprints.ipasn import api, pages

AREA = Area(
    name="ipasn",
    api=(api.ipasn_api, api.me_api),
    web=(pages.bp, pages.me_bp),
    nav=(NavItem("ipasn_pages.report_page", "IP ASN", "training:read", order=72),),
    labels={"ipasn_status": {"met": "Terpenuhi", "exempt": "Dikecualikan", "missing": "Belum", "n/a": "Tidak berlaku"},
            "ipasn_items": {"leadership": "Pelatihan kepemimpinan", "functional": "Pelatihan fungsional",
                            "technical": "Pelatihan teknis (min. 20 JP)", "seminar": "Seminar/workshop"}},
    audit_labels={
        "actions": {"ipasn.weights.set": "Menetapkan bobot IP ASN",
                    "ipasn.exemption.add": "Menambah pengecualian IP ASN",
                    "ipasn.exemption.delete": "Menghapus pengecualian IP ASN",
                    "ipasn.program.map": "Memetakan program untuk IP ASN"},
        "groups": {"ipasn.": "IP ASN"},
        "entities": {"ipasn_weights": "Bobot IP ASN", "ipasn_exemptions": "Pengecualian IP ASN"},
        "fields": {"post_kind": "Jenis jabatan", "leadership": "Bobot kepemimpinan", "functional": "Bobot fungsional",
                   "technical": "Bobot teknis", "seminar": "Bobot seminar", "keyword": "Kata kunci", "item": "Butir",
                   "activity_kind": "Jenis kegiatan IP ASN", "leadership_level": "Jenjang kepemimpinan"},
    },
)

"""STTPP certificates: issued per passed enrolment from the region's template, verified by anyone by code."""

from app.areas import Area, NavItem
from app.blueprints.certificates import api, pages
from app.services.certificates.issuing import refresh_all
from app.signals import tenant_data_changed


def _on_change(_sender, **kwargs) -> None:
    refresh_all(**kwargs)


AREA = Area(
    name="certificates",
    api=(api.my_certificates_api,),
    web=(pages.bp, pages.public),
    nav=(NavItem("certificate_pages.template_form", "Templat STTPP", "org:manage", order=92),
         NavItem("certificate_pages.mine", "Sertifikat saya", "self", order=82, needs_nip=True)),
    subscribers=((tenant_data_changed, _on_change),),
    labels={"certificate_statuses": {"valid": "Berlaku", "replaced": "Diganti", "revoked": "Dicabut"},
            "certificate_issuers": {"region": "Daerah", "partner": "Mitra"}},
    audit_labels={
        "actions": {"certificate.issue": "Menerbitkan STTPP", "certificate.replace": "Mengganti STTPP",
                    "certificate.revoke": "Mencabut STTPP", "certificate.issue_cohort": "Menerbitkan STTPP angkatan",
                    "certificate_template.update": "Mengubah templat STTPP",
                    "certificate_template.logo": "Mengganti logo STTPP",
                    "certificate_issuer.set": "Mengatur penerbit STTPP"},
        "groups": {"certificate.": "STTPP", "certificate_template.": "Templat STTPP",
                   "certificate_issuer.": "Penerbit STTPP"},
        "entities": {"certificates": "STTPP", "certificate_templates": "Templat STTPP",
                     "certificate_issuers": "Penerbit STTPP"},
        "fields": {"issuer": "Penerbit", "replaces": "Menggantikan", "issued": "Diterbitkan", "replaced": "Diganti",
                   "revoked": "Dicabut", "unchanged": "Tetap", "partner": "Dicatat dari mitra",
                   "signatory_name": "Penanda tangan", "signatory_nip": "NIP penanda tangan",
                   "signatory_position": "Jabatan penanda tangan", "wording": "Kalimat", "heading": "Judul",
                   "region_name": "Nama daerah", "agency_name": "Nama badan", "place": "Tempat",
                   "logo_sha256": "Logo"},
        "values": {"issuer": "certificate_issuers"},
    },
)

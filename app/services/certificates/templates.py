"""The region's certificate template: region and agency names, place, heading, wording, signatory and logo.

A logo is checked by its content (a PNG or JPEG that Pillow can decode, at most 1 MB and 2000 px a side), never
by its name, and stored by the SHA-256 of its bytes: an issued certificate keeps the logo it was issued with.
"""

from __future__ import annotations

import hashlib
import io
import re

from PIL import Image, UnidentifiedImageError

from app.extensions import db
from app.models.certificates import CertificateLogo, CertificateTemplate
from app.problems import Problem
from app.services.audit import log as audit
from app.tenancy import current_tenant

MAX_LOGO_BYTES = 1024 * 1024
MAX_LOGO_SIDE = 2000
EDITABLE = ("region_name", "agency_name", "place", "heading", "wording", "signatory_name", "signatory_nip",
            "signatory_position")
LIMITS = {"region_name": 200, "agency_name": 200, "place": 100, "heading": 200, "wording": 1000,
          "signatory_name": 200, "signatory_position": 200}


def get_template() -> CertificateTemplate:
    """The template, made with the region's name on first use."""
    template = db.session.get(CertificateTemplate, 1)
    if template is None:
        template = CertificateTemplate(id=1, region_name=f"Pemerintah {current_tenant().name}",
                                       agency_name="Badan Kepegawaian dan Pengembangan Sumber Daya Manusia",
                                       place="", heading="SURAT TANDA TAMAT PENDIDIKAN DAN PELATIHAN",
                                       wording="telah mengikuti dan dinyatakan LULUS", signatory_name="",
                                       signatory_position="Kepala BKPSDM")
        db.session.add(template)
        db.session.flush()
    return template


def update_template(**data) -> CertificateTemplate:
    template = get_template()
    errors = []
    clean: dict = {}
    for name in EDITABLE:
        if name not in data:
            continue
        value = " ".join(str(data[name] or "").split())
        if name == "signatory_nip":
            value = value.replace(" ", "")
            if value and not re.fullmatch(r"\d{18}", value):
                errors.append({"field": name, "reason": "NIP harus 18 angka"})
            clean[name] = value or None
            continue
        if len(value) > LIMITS[name]:
            errors.append({"field": name, "reason": f"paling banyak {LIMITS[name]} karakter"})
        if name in ("region_name", "agency_name", "heading", "signatory_position") and not value:
            errors.append({"field": name, "reason": "wajib diisi"})
        clean[name] = value
    if errors:
        raise Problem.invalid(errors=errors)
    before = audit.snapshot(template, EDITABLE)
    for name, value in clean.items():
        setattr(template, name, value)
    db.session.flush()
    audit.record("certificate_template.update", "certificate_templates", 1, before=before,
                 after=audit.snapshot(template, EDITABLE))
    return template


def check_logo(content: bytes) -> str:
    """The logo's MIME type, from its bytes; a Problem (field `logo`) for anything else."""
    if not content:
        raise Problem.invalid("Pilih berkas logo.", field="logo", reason="berkas kosong")
    if len(content) > MAX_LOGO_BYTES:
        raise Problem.invalid("Logo paling besar 1 MB.", field="logo", reason="lebih dari 1 MB")
    try:
        with Image.open(io.BytesIO(content)) as image:
            kind = image.format
            image.verify()
        with Image.open(io.BytesIO(content)) as image:
            width, height = image.size
            image.load()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise Problem.invalid("Logo harus gambar PNG atau JPEG yang utuh.", field="logo",
                              reason="isi berkas bukan PNG/JPEG") from None
    if kind not in ("PNG", "JPEG"):
        raise Problem.invalid("Logo harus gambar PNG atau JPEG.", field="logo", reason=f"berkas {kind}")
    if max(width, height) > MAX_LOGO_SIDE:
        raise Problem.invalid(f"Logo paling besar {MAX_LOGO_SIDE} piksel per sisi.", field="logo",
                              reason="gambar terlalu besar")
    return "image/png" if kind == "PNG" else "image/jpeg"


def set_logo(content: bytes) -> str:
    mime = check_logo(content)
    digest = hashlib.sha256(content).hexdigest()
    if db.session.get(CertificateLogo, digest) is None:
        db.session.add(CertificateLogo(sha256=digest, mime=mime, content=content))
    template = get_template()
    before = {"logo_sha256": template.logo_sha256}
    template.logo_sha256 = digest
    db.session.flush()
    audit.record("certificate_template.logo", "certificate_templates", 1, before=before,
                 after={"logo_sha256": digest})
    return digest


def logo_bytes(digest: str | None) -> bytes | None:
    if not digest:
        return None
    logo = db.session.get(CertificateLogo, digest)
    return logo.content if logo else None

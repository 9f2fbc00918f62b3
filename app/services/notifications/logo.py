"""The region's logo in its mail: the logo of the region's STTPP template (app.services.certificates), embedded in
the HTML part as an inline image (multipart/related, `cid:`), never fetched from a remote URL — mail clients block
remote images, and a region's mail must not depend on a server being reachable when it is read.

The HTML refers to the logo as `cid:logo@kompeten` (the templates' `logo_src`) when the region had a logo as the
message was written; the sender attaches the image part to exactly those messages. The part is built once per
sender run (base64 of the same bytes for every message would cost the run a copy per message)."""

from __future__ import annotations

from email.mime.image import MIMEImage

from app.extensions import db
from app.models.certificates import CertificateLogo, CertificateTemplate

LOGO_CID = "logo@kompeten"
LOGO_SRC = f"cid:{LOGO_CID}"


def region_logo() -> CertificateLogo | None:
    """The logo of the bound region's STTPP template, if it has one."""
    template = db.session.get(CertificateTemplate, 1)
    if template is None or not template.logo_sha256:
        return None
    return db.session.get(CertificateLogo, template.logo_sha256)


def logo_src() -> str | None:
    """What a template's `logo_src` is for a message written now: the inline image's `cid:` URL, or None."""
    return LOGO_SRC if region_logo() is not None else None


def image_part(content: bytes, mime: str) -> MIMEImage:
    """The inline image part (Content-ID <logo@kompeten>); shared by every message of a sender run."""
    part = MIMEImage(content, _subtype=mime.partition("/")[2] or "png")
    part.add_header("Content-ID", f"<{LOGO_CID}>")
    part.add_header("Content-Disposition", "inline", filename="logo." + ("jpg" if mime == "image/jpeg" else "png"))
    return part


def inline_logo() -> MIMEImage | None:
    """The bound region's logo as an image part, or None."""
    logo = region_logo()
    return image_part(logo.content, logo.mime) if logo is not None else None

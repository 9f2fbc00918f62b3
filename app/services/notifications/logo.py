"""The region's logo in its mail: the logo of the region's STTPP template (app.services.certificates), embedded in
the HTML part as an inline image (multipart/related, `cid:`), never fetched from a remote URL — mail clients block
remote images, and a region's mail must not depend on a server being reachable when it is read.

The HTML refers to the logo as `cid:logo@kompeten` (the templates' `logo_src`) when the region had a logo as the
message was written; the sender attaches the image part to exactly those messages. The image is encoded once per
sender run: each message's tree carries a placeholder part (the image's headers, a marker for a body), and the
base64 lines, made once, are spliced into each message's bytes in place of the marker (flattening ~66 KB of base64
lines through the email generator for every message tripled the CPU a message costs the sender)."""

from __future__ import annotations

import base64
from dataclasses import dataclass
from email.mime.nonmultipart import MIMENonMultipart

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


MARKER = "KOMPETEN-INLINE-LOGO-BODY"


@dataclass(frozen=True)
class InlineImage:
    """The logo of one sender run: `part` goes into each message's tree (headers, the marker as its body; shared by
    the run's messages, only read while flattening) and `body` (the base64 lines, CRLF) replaces the marker in each
    message's bytes (app.services.notifications.smtp.serialize)."""

    part: MIMENonMultipart
    body: bytes


def image_part(content: bytes, mime: str) -> InlineImage:
    """The inline image (Content-ID <logo@kompeten>), encoded once."""
    part = MIMENonMultipart("image", mime.partition("/")[2] or "png")
    part["Content-Transfer-Encoding"] = "base64"
    part.add_header("Content-ID", f"<{LOGO_CID}>")
    part.add_header("Content-Disposition", "inline", filename="logo." + ("jpg" if mime == "image/jpeg" else "png"))
    part.set_payload(MARKER)
    return InlineImage(part=part, body=base64.encodebytes(content).rstrip(b"\n").replace(b"\n", b"\r\n"))


def inline_logo() -> InlineImage | None:
    """The bound region's logo, ready for the run's messages, or None."""
    logo = region_logo()
    return image_part(logo.content, logo.mime) if logo is not None else None

"""Certificate files for the submission tests: a real PDF (reportlab), a PNG and a JPEG (Pillow), and files that
only pretend to be one."""

from __future__ import annotations

import io


def pdf_bytes(text: str = "Sertifikat webinar") -> bytes:
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    buf = io.BytesIO()
    page = canvas.Canvas(buf, pagesize=A4, invariant=1)
    page.drawString(72, 720, text)
    page.showPage()
    page.save()
    return buf.getvalue()


def image_bytes(fmt: str = "PNG", size: tuple[int, int] = (40, 30)) -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(buf, format=fmt)
    return buf.getvalue()


# A Windows executable and an HTML page, each named .pdf by whoever uploads them.
EXE_AS_PDF = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 200
HTML_AS_PDF = b"<!doctype html><script>alert(1)</script>%PDF-1.4"

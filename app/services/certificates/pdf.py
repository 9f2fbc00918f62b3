"""The STTPP as a PDF (reportlab, pure pip): DejaVu Sans embedded (shipped in ./fonts, free licence), text drawn
as text (selectable, extractable), a QR code of the public verification URL drawn as vectors by reportlab's own
QR widget, and `invariant=1` with fixed metadata so the same certificate always gives the same bytes."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path

from reportlab.graphics.barcode import qrencoder
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas

FONTS = Path(__file__).parent / "fonts"
MONTHS = ("Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus", "September", "Oktober",
          "November", "Desember")


@cache
def _fonts() -> tuple[str, str]:
    pdfmetrics.registerFont(TTFont("DejaVuSans", str(FONTS / "DejaVuSans.ttf")))
    pdfmetrics.registerFont(TTFont("DejaVuSans-Bold", str(FONTS / "DejaVuSans-Bold.ttf")))
    return "DejaVuSans", "DejaVuSans-Bold"


def tanggal(d: date | None) -> str:
    return f"{d.day} {MONTHS[d.month - 1]} {d.year}" if d else "-"


def period(start: date | None, end: date | None) -> str:
    if start and end:
        return f"{tanggal(start)} s.d. {tanggal(end)}"
    return tanggal(start or end)


@dataclass(frozen=True)
class Printed:
    """Every field the document prints (a Certificate row or a preview)."""

    region_name: str
    agency_name: str
    heading: str
    wording: str
    program_name: str
    cohort_label: str
    start_date: date | None
    end_date: date | None
    jp: int
    participant_name: str
    participant_nip: str
    number: str
    issued_on: date
    place: str
    signatory_name: str
    signatory_nip: str | None
    signatory_position: str
    code: str
    verify_url: str
    status_note: str | None = None  # e.g. "CONTOH" on a preview

    @classmethod
    def of(cls, row, verify_url: str, status_note: str | None = None) -> Printed:
        names = [f for f in cls.__dataclass_fields__ if f not in ("verify_url", "status_note")]
        return cls(**{n: getattr(row, n) for n in names}, verify_url=verify_url, status_note=status_note)


def _qr(c: canvas.Canvas, data: str, x: float, y: float, size: float) -> None:
    """A QR code (error correction M) as filled squares: vectors, no font, no image."""
    qr = qrencoder.QRCode(None, qrencoder.QRErrorCorrectLevel.M)  # None: the smallest version that fits
    qr.addData(data)
    qr.make()
    n = qr.getModuleCount()
    cell = size / (n + 8)  # a quiet zone of 4 modules each side
    c.saveState()
    c.setFillGray(0)
    for row in range(n):
        for col in range(n):
            if qr.isDark(row, col):
                c.rect(x + (col + 4) * cell, y + size - (row + 5) * cell, cell, cell, stroke=0, fill=1)
    c.restoreState()


def render(p: Printed, logo: bytes | None = None) -> bytes:
    regular, bold = _fonts()
    out = io.BytesIO()
    c = canvas.Canvas(out, pagesize=landscape(A4), invariant=1, pageCompression=1, initialFontName=regular,
                      initialFontSize=11)
    c.setTitle(f"STTPP {p.number}")
    c.setAuthor(p.agency_name)
    c.setSubject(f"{p.program_name} {p.cohort_label}")
    c.setCreator("Kompeten")
    c.setProducer("Kompeten")
    width, height = landscape(A4)
    cx = width / 2
    c.setLineWidth(2)
    c.rect(12 * mm, 12 * mm, width - 24 * mm, height - 24 * mm)
    y = height - 22 * mm
    if logo:
        c.drawImage(ImageReader(io.BytesIO(logo)), cx - 12 * mm, y - 24 * mm, 24 * mm, 24 * mm,
                    preserveAspectRatio=True, mask="auto")
        y -= 30 * mm
    else:
        y -= 6 * mm

    def line(text: str, size: float, font: str = regular, gap: float = 1.6) -> None:
        nonlocal y
        c.setFont(font, size)
        c.drawCentredString(cx, y, text)
        y -= size * gap

    line(p.region_name.upper(), 15, bold)
    line(p.agency_name, 12)
    y -= 2 * mm
    line(p.heading, 17, bold)
    line(f"Nomor: {p.number}", 11)
    y -= 2 * mm
    line("Diberikan kepada", 11)
    line(p.participant_name, 18, bold, 1.3)
    line(f"NIP {p.participant_nip}", 12)
    line(p.wording, 11)
    line(f"{p.program_name} {p.cohort_label}", 14, bold)
    line(f"diselenggarakan {period(p.start_date, p.end_date)} sebanyak {p.jp} JP (jam pelajaran)", 11)

    # signature block (right) and QR with the verification code (left)
    sx, sy = width - 90 * mm, 52 * mm
    c.setFont(regular, 11)
    c.drawCentredString(sx, sy + 16 * mm, f"{p.place + ', ' if p.place else ''}{tanggal(p.issued_on)}")
    c.drawCentredString(sx, sy + 10 * mm, p.signatory_position)
    c.setFont(bold, 11)
    c.drawCentredString(sx, sy - 14 * mm, p.signatory_name or "-")
    c.setFont(regular, 10)
    if p.signatory_nip:
        c.drawCentredString(sx, sy - 19 * mm, f"NIP {p.signatory_nip}")

    _qr(c, p.verify_url, 24 * mm, 26 * mm, 32 * mm)
    c.setFont(regular, 8)
    c.drawString(24 * mm, 22 * mm, f"Kode verifikasi: {p.code}")
    c.drawString(24 * mm, 18 * mm, p.verify_url)
    if p.status_note:
        c.setFont(bold, 40)
        c.setFillGray(0.6)
        c.drawCentredString(cx, height / 2 - 10 * mm, p.status_note)
    c.showPage()
    c.save()
    return out.getvalue()

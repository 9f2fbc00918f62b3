"""Hostile XLSX files, built in the test (none is committed): a zip bomb, an entity declaration, an oversized cell
and oversized shared strings. Each starts from a real workbook openpyxl writes, with one member rewritten."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterable, Iterator

import openpyxl

SHEET = "xl/worksheets/sheet1.xml"
BOMB_PADDING = 64 * 1024 * 1024  # inflates ~1,000 times: 64 MiB from ~64 KiB


def workbook(rows: Iterable[Iterable[object]]) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(list(row))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def rewrite(data: bytes, member: str, chunks) -> bytes:
    """The same zip with `member` replaced by what `chunks(original bytes)` yields (streamed into the zip)."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED,
                                                                   compresslevel=9) as dst:
        for item in src.infolist():
            body = src.read(item.filename)
            if item.filename != member:
                dst.writestr(item, body)
                continue
            info = zipfile.ZipInfo(member, item.date_time)
            info.compress_type = zipfile.ZIP_DEFLATED
            with dst.open(info, "w", force_zip64=True) as sink:
                for chunk in chunks(body):
                    sink.write(chunk)
        if member not in src.namelist():
            with dst.open(member, "w", force_zip64=True) as sink:
                for chunk in chunks(b""):
                    sink.write(chunk)
    return out.getvalue()


def _padded(body: bytes, padding: int) -> Iterator[bytes]:
    head, tail = body.split(b"<sheetData>", 1)
    yield head + b"<sheetData>"
    block = b" " * (1024 * 1024)
    for _ in range(padding // len(block)):
        yield block
    yield tail


def zip_bomb(rows: Iterable[Iterable[object]], padding: int = BOMB_PADDING) -> bytes:
    """A valid workbook whose sheet is `padding` bytes of whitespace bigger: tiny on disk, huge inflated."""
    return rewrite(workbook(rows), SHEET, lambda body: _padded(body, padding))


def with_external_entity(rows: Iterable[Iterable[object]]) -> bytes:
    """A sheet that declares an external entity and uses it in a cell (what an XXE attempt looks like)."""
    def change(body: bytes) -> Iterator[bytes]:
        declared = b'<?xml version="1.0"?><!DOCTYPE worksheet [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
        yield declared + body.replace(b"<t>XXE</t>", b"<t>&xxe;</t>", 1)

    return rewrite(workbook(rows), SHEET, change)


def with_long_cell(rows: list[list[object]], length: int = 40_000) -> bytes:
    """A sheet with one inline string far past Excel's own 32,767-character limit per cell."""
    def change(body: bytes) -> Iterator[bytes]:
        yield body.replace(b"<t>PANJANG</t>", b"<t>" + b"x" * length + b"</t>", 1)

    return rewrite(workbook(rows), SHEET, change)

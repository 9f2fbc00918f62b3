"""A submitted certificate file: PDF, JPEG or PNG, at most 5 MB, its type read from its bytes (never from its name
or the type the browser sent), kept in the region's store under a random key."""

from __future__ import annotations

import hashlib
import io
import re

from app.models.submissions import MAX_FILE_BYTES
from app.problems import Problem
from app.services.files import storage as stores
from app.tenancy import current_tenant

EXTENSIONS = {"application/pdf": "pdf", "image/jpeg": "jpg", "image/png": "png"}
MAX_PIXELS = 40_000_000
_SAFE_NAME = re.compile(r"[^A-Za-z0-9._ ()-]+")


def _bad(reason: str) -> Problem:
    return Problem.invalid(f"Berkas sertifikat ditolak: {reason}.", field="file", reason=reason)


def sniff(data: bytes) -> str:
    """The file's type from its content, or a 422 naming the field `file`."""
    if not data:
        raise _bad("berkas kosong")
    if len(data) > MAX_FILE_BYTES:
        raise _bad("lebih dari 5 MB")
    if data.startswith(b"%PDF-"):
        if b"%%EOF" not in data[-2048:]:
            raise _bad("PDF tidak utuh (tanpa penutup %%EOF)")
        return "application/pdf"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        mime, fmt = "image/png", "PNG"
    elif data.startswith(b"\xff\xd8\xff"):
        mime, fmt = "image/jpeg", "JPEG"
    else:
        raise _bad("bukan PDF, JPG atau PNG (jenis dibaca dari isi berkas, bukan dari namanya)")
    from PIL import Image

    try:
        with Image.open(io.BytesIO(data)) as image:
            if image.format != fmt or image.width * image.height > MAX_PIXELS:
                raise _bad("gambar tidak dapat dibaca atau terlalu besar")
            image.verify()
    except Problem:
        raise
    except Exception as exc:  # noqa: BLE001 - Pillow raises many kinds for a broken image
        raise _bad("gambar rusak atau tidak dapat dibaca") from exc
    return mime


def display_name(name: str | None, mime: str) -> str:
    """The uploader's file name, cleaned for a Content-Disposition header, with the extension of its real type."""
    stem = _SAFE_NAME.sub("_", (name or "sertifikat").rsplit("/", 1)[-1].rsplit("\\", 1)[-1]).strip(" ._")
    stem = (stem.rsplit(".", 1)[0] if "." in stem else stem)[:150] or "sertifikat"
    return f"{stem}.{EXTENSIONS[mime]}"


def store(data: bytes) -> dict:
    """Check and keep the file in the bound region's store: {key, mime, size, sha256}."""
    mime = sniff(data)
    key = stores.new_key("submissions")
    stores.storage().put(current_tenant().slug, key, data)
    return {"key": key, "mime": mime, "size": len(data), "sha256": hashlib.sha256(data).hexdigest()}


def read(key: str) -> bytes:
    try:
        return stores.storage().get(current_tenant().slug, key)
    except stores.FileMissing as exc:
        raise Problem.not_found("Berkas sertifikat tidak ditemukan di penyimpanan.") from exc


def forget(key: str) -> None:
    stores.storage().delete(current_tenant().slug, key)

"""Text normalisation used for matching names (OPDs, people) regardless of case, accents and spacing."""

from __future__ import annotations

import re
import unicodedata

_SPACES = re.compile(r"\s+")


def name_key(value: str) -> str:
    """`  Dinas  Pendidikan dan Kebudayaan ` and `dinas pendidikan dan kebudayaan` match; so do é and e."""
    if value.isascii():  # the common case, without Unicode decomposition
        return " ".join(value.split()).casefold()
    decomposed = unicodedata.normalize("NFKD", value)
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return _SPACES.sub(" ", stripped).strip().casefold()


def slugify(value: str) -> str:
    """`Kecamatan Klojen` → `kecamatan-klojen`: for download file names."""
    return re.sub(r"[^a-z0-9]+", "-", name_key(value)).strip("-")

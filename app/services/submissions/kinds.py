"""The kinds of learning an employee may submit: SIASN's jenis list (jenisDiklatId from the reference list the
siasn area ships, app/services/siasn/reference.json), plus e-learning/MOOC and courses, which SIASN files under
kursus without a jenis of their own.

`ACTIVITY_KIND_OF` maps each kind to the IP ASN competency dimension it counts in (leadership, functional,
technical, seminar, other): the JP ledger's activity kind for the IP ASN score reads it."""

from __future__ import annotations

from app.models.submissions import SUBMISSION_KINDS

# code -> (label, SIASN jenisDiklatId or None)
KINDS: dict[str, tuple[str, int | None]] = {
    "diklat_struktural": ("Diklat Struktural (kepemimpinan)", 1),
    "diklat_fungsional": ("Diklat Fungsional", 2),
    "diklat_teknis": ("Diklat Teknis", 3),
    "workshop": ("Workshop / lokakarya", 4),
    "pelatihan_manajerial": ("Pelatihan Manajerial", 5),
    "pelatihan_sosial_kultural": ("Pelatihan Sosial Kultural", 6),
    "sosialisasi": ("Sosialisasi", 7),
    "bimtek": ("Bimbingan Teknis (bimtek)", 8),
    "seminar": ("Seminar / webinar", 9),
    "magang": ("Magang", 10),
    "elearning": ("E-learning / MOOC", None),
    "kursus": ("Kursus", None),
}
assert tuple(KINDS) == SUBMISSION_KINDS  # noqa: S101 - the model's CHECK and this list are one list

LABELS = {code: label for code, (label, _jenis) in KINDS.items()}
SIASN_JENIS = {code: jenis for code, (_label, jenis) in KINDS.items()}

ACTIVITY_KIND_OF: dict[str, str] = {
    "diklat_struktural": "leadership",
    "pelatihan_manajerial": "leadership",
    "diklat_fungsional": "functional",
    "diklat_teknis": "technical",
    "bimtek": "technical",
    "pelatihan_sosial_kultural": "technical",
    "kursus": "technical",
    "elearning": "technical",
    "workshop": "seminar",
    "seminar": "seminar",
    "sosialisasi": "seminar",
    "magang": "other",
}
assert set(ACTIVITY_KIND_OF) == set(SUBMISSION_KINDS)  # noqa: S101

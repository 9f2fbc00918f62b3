"""Golongan (grade) of an ASN, and the kinds of jabatan (position).

A PNS has a golongan/ruang: a roman numeral I-IV and a letter, ``I/a`` ... ``IV/e`` (I-III have a-d,
IV has a-e). A PPPK has a golongan I ... XVII. The canonical spelling is the one in `PNS_GOLONGAN`
and `PPPK_GOLONGAN`; `normalise_golongan` accepts only differences of case and spaces.
"""

from __future__ import annotations

from app.domain.errors import RuleError

EMPLOYEE_TYPES = ("PNS", "PPPK")

_PNS_ROOMS = {"I": "abcd", "II": "abcd", "III": "abcd", "IV": "abcde"}
PNS_GOLONGAN: tuple[str, ...] = tuple(f"{grade}/{room}" for grade, rooms in _PNS_ROOMS.items() for room in rooms)

PPPK_GOLONGAN: tuple[str, ...] = (
    "I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX",
    "X", "XI", "XII", "XIII", "XIV", "XV", "XVI", "XVII",
)  # fmt: skip

JABATAN_KINDS = ("jpt", "administrator", "pengawas", "fungsional", "pelaksana")
"""Kinds of jabatan (position):

- ``jpt``: Jabatan Pimpinan Tinggi, the senior executives (e.g. Sekda, head of a Dinas or Badan).
- ``administrator``: formerly eselon III (e.g. Sekretaris Dinas, Kabid, Camat).
- ``pengawas``: formerly eselon IV (e.g. lurah, kasi, kasubag, kasubid).
- ``fungsional``: functional positions with their own career track (e.g. guru, perawat, pranata komputer).
- ``pelaksana``: staff positions without a structural or functional rank.
"""

_BY_KEY: dict[str, dict[str, str]] = {
    "PNS": {value.upper(): value for value in PNS_GOLONGAN},
    "PPPK": {value: value for value in PPPK_GOLONGAN},
}


class GolonganError(RuleError):
    """An unusable golongan."""


def normalise_golongan(raw: str | None, employee_type: str) -> str:
    """Return the canonical golongan (``III/b``, ``IX``) for an employee type ("PNS" or "PPPK").

    Ignores case and spaces ("iii / B" -> "III/b"); anything else (arabic numerals, a missing slash,
    a grade of the other employee type) raises `GolonganError`.
    """
    kind = _employee_type(employee_type)
    key = _key(raw)
    canonical = _BY_KEY[kind].get(key)
    if canonical is not None:
        return canonical
    other = "PPPK" if kind == "PNS" else "PNS"
    if key in _BY_KEY[other]:
        raise GolonganError(
            "golongan_wrong_employee_type",
            f"Golongan {_BY_KEY[other][key]} adalah golongan {other}, bukan golongan {kind}",
        )
    raise GolonganError("golongan_invalid", f"Golongan '{raw}' tidak dikenal untuk {kind} ({_expected(kind)})")


def _employee_type(employee_type: str) -> str:
    kind = employee_type.strip().upper() if isinstance(employee_type, str) else ""
    if kind not in EMPLOYEE_TYPES:
        raise GolonganError("employee_type_unknown", f"Jenis pegawai harus PNS atau PPPK (ditemukan '{employee_type}')")
    return kind


def _key(raw: str | None) -> str:
    if raw is None:
        raise GolonganError("golongan_empty", "Golongan kosong")
    if not isinstance(raw, str):
        raise GolonganError("golongan_invalid", f"Golongan harus ditulis dengan angka romawi (ditemukan '{raw}')")
    key = "".join(raw.split()).upper()
    if not key:
        raise GolonganError("golongan_empty", "Golongan kosong")
    return key


def _expected(kind: str) -> str:
    if kind == "PNS":
        return f"yang berlaku: {PNS_GOLONGAN[0]} sampai {PNS_GOLONGAN[-1]}"
    return f"yang berlaku: {PPPK_GOLONGAN[0]} sampai {PPPK_GOLONGAN[-1]}"

"""Golongan tables and normalisation (app.domain.golongan)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.domain.golongan import (
    EMPLOYEE_TYPES,
    JABATAN_KINDS,
    PNS_GOLONGAN,
    PPPK_GOLONGAN,
    GolonganError,
    normalise_golongan,
)

TABLES = {"PNS": PNS_GOLONGAN, "PPPK": PPPK_GOLONGAN}
SPACES = st.lists(st.sampled_from([" ", "\t", "\u00a0"]), max_size=2).map("".join)


@st.composite
def respelled(draw: st.DrawFn, value: str) -> str:
    """`value` with each character's case possibly flipped and spaces possibly around each character."""
    pieces = [draw(SPACES)]
    for char in value:
        pieces.append(char.swapcase() if draw(st.booleans()) else char)
        pieces.append(draw(SPACES))
    return "".join(pieces)


def _code(raw: object, employee_type: str) -> str:
    with pytest.raises(GolonganError) as caught:
        normalise_golongan(raw, employee_type)  # type: ignore[arg-type]
    return caught.value.code


# --- the tables -----------------------------------------------------------------------------------


def test_pns_golongan_in_order() -> None:
    assert PNS_GOLONGAN == (
        "I/a", "I/b", "I/c", "I/d",
        "II/a", "II/b", "II/c", "II/d",
        "III/a", "III/b", "III/c", "III/d",
        "IV/a", "IV/b", "IV/c", "IV/d", "IV/e",
    )  # fmt: skip


def test_pppk_golongan_in_order() -> None:
    assert PPPK_GOLONGAN == (
        "I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX",
        "X", "XI", "XII", "XIII", "XIV", "XV", "XVI", "XVII",
    )  # fmt: skip
    assert len(PPPK_GOLONGAN) == len(set(PPPK_GOLONGAN)) == 17


def test_jabatan_kinds_and_employee_types() -> None:
    assert JABATAN_KINDS == ("jpt", "administrator", "pengawas", "fungsional", "pelaksana")
    assert EMPLOYEE_TYPES == ("PNS", "PPPK")


# --- normalisation --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("employee_type", "value"), [(kind, value) for kind, table in TABLES.items() for value in table]
)
def test_canonical_values_are_kept(employee_type: str, value: str) -> None:
    assert normalise_golongan(value, employee_type) == value


@given(st.data())
def test_case_and_spaces_do_not_matter(data: st.DataObject) -> None:
    employee_type = data.draw(st.sampled_from(EMPLOYEE_TYPES))
    value = data.draw(st.sampled_from(TABLES[employee_type]))
    raw = data.draw(respelled(value))

    assert normalise_golongan(raw, employee_type) == value
    assert normalise_golongan(raw, f" {employee_type.lower()} ") == value


@pytest.mark.parametrize(
    ("raw", "expected"), [("iii/b", "III/b"), ("III / B", "III/b"), (" iv/E ", "IV/e"), ("I/A", "I/a")]
)
def test_pns_examples(raw: str, expected: str) -> None:
    assert normalise_golongan(raw, "PNS") == expected


@pytest.mark.parametrize(("raw", "expected"), [("ix", "IX"), (" X V I I ", "XVII"), ("Viii", "VIII")])
def test_pppk_examples(raw: str, expected: str) -> None:
    assert normalise_golongan(raw, "PPPK") == expected


@given(st.sampled_from(PNS_GOLONGAN))
def test_a_pns_golongan_is_not_a_pppk_golongan(value: str) -> None:
    assert _code(value, "PPPK") == "golongan_wrong_employee_type"


@given(st.sampled_from(PPPK_GOLONGAN))
def test_a_pppk_golongan_is_not_a_pns_golongan(value: str) -> None:
    assert _code(value, "PNS") == "golongan_wrong_employee_type"


@pytest.mark.parametrize("raw", ["3b", "3/b", "IIIb", "III-b", "IV/f", "III/e", "V/a", "III/", "/b", "golongan III/b"])
def test_invalid_pns_golongan(raw: str) -> None:
    assert _code(raw, "PNS") == "golongan_invalid"


@pytest.mark.parametrize("raw", ["5", "XVIII", "IIII", "VV", "XIIV", "0", "III/b/c"])
def test_invalid_pppk_golongan(raw: str) -> None:
    assert _code(raw, "PPPK") == "golongan_invalid"


@given(st.text(max_size=8))
def test_anything_else_is_rejected_with_a_code(raw: str) -> None:
    for employee_type in EMPLOYEE_TYPES:
        try:
            assert normalise_golongan(raw, employee_type) in TABLES[employee_type]
        except GolonganError as error:
            assert error.code in {"golongan_empty", "golongan_invalid", "golongan_wrong_employee_type"}
            assert str(error) == error.message


@pytest.mark.parametrize("raw", [None, "", "  \t "])
def test_empty_golongan(raw: str | None) -> None:
    assert _code(raw, "PNS") == "golongan_empty"


def test_non_text_golongan_is_invalid() -> None:
    assert _code(3, "PPPK") == "golongan_invalid"


@pytest.mark.parametrize("employee_type", ["ASN", "", "honorer"])
def test_unknown_employee_type(employee_type: str) -> None:
    assert _code("III/b", employee_type) == "employee_type_unknown"


def test_error_carries_an_indonesian_message() -> None:
    with pytest.raises(GolonganError) as caught:
        normalise_golongan("IX", "PNS")

    assert caught.value.code == "golongan_wrong_employee_type"
    assert caught.value.message == "Golongan IX adalah golongan PPPK, bukan golongan PNS"
    assert isinstance(caught.value, ValueError)

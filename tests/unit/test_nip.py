"""NIP cleaning, parsing and agreement checks (app.domain.nip): examples, properties and the sample file."""

from __future__ import annotations

import calendar
import csv
from datetime import date, datetime, timedelta

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from app.domain.nip import Nip, NipError, check_nip_agrees, clean_nip, make_nip, parse_nip
from tests.data import PPPK_SAMPLE as SAMPLE

TODAY = date(2025, 6, 30)  # parse_nip(..., today=TODAY) keeps the properties independent of the clock


# --- strategies -----------------------------------------------------------------------------------


@st.composite
def nip_parts(draw: st.DrawFn) -> tuple[date, int, int, str, int]:
    """Parts of a valid NIP: (birth_date, start_year, start_month, gender, sequence)."""
    birth_date = draw(st.dates(min_value=date(1940, 1, 1), max_value=date(TODAY.year - 15, 12, 31)))
    start_year = draw(st.integers(min_value=birth_date.year + 15, max_value=TODAY.year + 1))
    start_month = draw(st.integers(min_value=1, max_value=12))
    gender = draw(st.sampled_from("LP"))
    sequence = draw(st.integers(min_value=0, max_value=999))
    return birth_date, start_year, start_month, gender, sequence


valid_nips = nip_parts().map(lambda parts: make_nip(*parts))


def _replace(nip: str, start: int, text: str) -> str:
    return nip[:start] + text + nip[start + len(text) :]


def _code(raw: object) -> str:
    with pytest.raises(NipError) as caught:
        parse_nip(raw, today=TODAY)  # type: ignore[arg-type]
    return caught.value.code


def _two_digits(values: st.SearchStrategy[int]) -> st.SearchStrategy[str]:
    return values.map(lambda number: f"{number:02d}")


# --- valid NIPs -----------------------------------------------------------------------------------


@given(nip_parts())
def test_generated_nip_parses_and_round_trips(parts: tuple[date, int, int, str, int]) -> None:
    birth_date, start_year, start_month, gender, sequence = parts
    value = make_nip(*parts)

    nip = parse_nip(value, today=TODAY)

    assert nip == Nip(value, birth_date, start_year, start_month, gender, f"{sequence:03d}")
    assert make_nip(nip.birth_date, nip.start_year, nip.start_month, nip.gender, int(nip.sequence)) == value
    assert check_nip_agrees(nip, gender, birth_date) == []


@given(
    valid_nips,
    st.lists(st.sampled_from([" ", "\t", "\u00a0"]), max_size=3).map("".join),
    st.booleans(),
    st.data(),
)
def test_spaces_and_leading_apostrophe_are_cleaned(
    value: str, padding: str, apostrophe: bool, data: st.DataObject
) -> None:
    cut = data.draw(st.integers(min_value=1, max_value=len(value) - 1))
    messy = padding + ("'" if apostrophe else "") + value[:cut] + padding + value[cut:] + padding

    assert clean_nip(messy) == value
    assert parse_nip(messy, today=TODAY).value == value


@given(valid_nips)
def test_an_int_of_18_digits_is_accepted(value: str) -> None:
    assert clean_nip(int(value)) == value
    assert parse_nip(int(value), today=TODAY).value == value


def test_cleaning_the_spreadsheet_apostrophe_example() -> None:
    assert clean_nip(" '197612112022101323 ") == "197612112022101323"


def test_parse_example_with_the_real_clock() -> None:
    nip = parse_nip("198503122010011003")

    assert nip == Nip("198503122010011003", date(1985, 3, 12), 2010, 1, "L", "003")


def test_start_may_be_next_year_but_not_later() -> None:
    assert parse_nip(make_nip(date(1990, 1, 1), TODAY.year + 1, 12, "P", 1), today=TODAY).start_year == TODAY.year + 1
    assert _code(make_nip(date(1990, 1, 1), TODAY.year + 2, 1, "P", 1)) == "nip_start_future"


def test_start_exactly_at_birth_year_plus_15_is_accepted() -> None:
    assert parse_nip(make_nip(date(1990, 12, 31), 2005, 1, "L", 7), today=TODAY).start_year == 2005


# --- broken NIPs ----------------------------------------------------------------------------------


@given(valid_nips, st.integers(min_value=1, max_value=40).filter(lambda n: n != 18))
def test_wrong_length_is_rejected(value: str, length: int) -> None:
    digits = (value * 3)[:length]

    assert _code(digits) == "nip_length"


@given(valid_nips, _two_digits(st.sampled_from([0, *range(13, 100)])))
def test_birth_month_outside_01_12_is_rejected(value: str, month: str) -> None:
    assert _code(_replace(value, 4, month)) == "nip_birth_date"


@st.composite
def impossible_month_days(draw: st.DrawFn) -> tuple[str, str]:
    """(month, day) with a day the month does not have in leap year 2000 (or day 00)."""
    month = draw(st.integers(min_value=1, max_value=12))
    last_day = calendar.monthrange(2000, month)[1]
    day = draw(st.sampled_from([0, *range(last_day + 1, 100)]))
    return f"{month:02d}", f"{day:02d}"


@given(valid_nips, impossible_month_days())
def test_birth_day_the_month_does_not_have_is_rejected(value: str, month_day: tuple[str, str]) -> None:
    month, day = month_day

    assert _code(_replace(value, 4, month + day)) == "nip_birth_date"


@pytest.mark.parametrize("birth", ["19850230", "19850229", "19850431", "19851300", "00000101"])
def test_birth_date_examples_are_rejected(birth: str) -> None:
    assert _code(birth + "2010011003") == "nip_birth_date"


@given(st.dates(min_value=TODAY + timedelta(days=1), max_value=date(2099, 12, 31)))
def test_birth_date_in_the_future_is_rejected(birth_date: date) -> None:
    assert _code(make_nip(birth_date, 9999, 1, "L", 1)) == "nip_birth_date"


@given(valid_nips, _two_digits(st.sampled_from([0, *range(13, 100)])))
def test_start_month_outside_01_12_is_rejected(value: str, month: str) -> None:
    assert _code(_replace(value, 12, month)) == "nip_start_month"


@given(nip_parts(), st.integers(min_value=1, max_value=80))
def test_start_before_age_15_is_rejected(parts: tuple[date, int, int, str, int], years_short: int) -> None:
    birth_date, _, start_month, gender, sequence = parts
    start_year = birth_date.year + 15 - years_short

    assert _code(make_nip(birth_date, start_year, start_month, gender, sequence)) == "nip_start_before_age_15"


@given(nip_parts(), st.integers(min_value=TODAY.year + 2, max_value=9999))
def test_start_too_far_in_the_future_is_rejected(parts: tuple[date, int, int, str, int], start_year: int) -> None:
    birth_date, _, start_month, gender, sequence = parts

    assert _code(make_nip(birth_date, start_year, start_month, gender, sequence)) == "nip_start_future"


@given(valid_nips, st.sampled_from("03456789"))
def test_gender_digit_other_than_1_or_2_is_rejected(value: str, digit: str) -> None:
    assert _code(_replace(value, 14, digit)) == "nip_gender_digit"


@given(valid_nips, st.data())
def test_letters_are_rejected(value: str, data: st.DataObject) -> None:
    position = data.draw(st.integers(min_value=0, max_value=len(value) - 1))
    letter = data.draw(st.sampled_from("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ-+/"))

    assert _code(_replace(value, position, letter)) == "nip_not_digits"


@pytest.mark.parametrize(
    "raw", ["１９８５０３１２２０１００１１００３", "19850312201001100³", "-198503122010011003", "1985-03-12"]
)
def test_non_ascii_digits_and_signs_are_rejected(raw: str) -> None:
    assert _code(raw) == "nip_not_digits"


@given(
    st.floats(min_value=1e17, max_value=1e18, exclude_max=True),
    st.integers(min_value=0, max_value=14),
    st.sampled_from([".", ","]),
    st.sampled_from(["E", "e"]),
)
def test_scientific_notation_strings_are_rejected(number: float, precision: int, separator: str, e: str) -> None:
    text = f"{number:.{precision}E}".replace(".", separator).replace("E", e)

    assert _code(text) == "nip_scientific_notation"


@pytest.mark.parametrize("raw", ["1.98503E+17", "1,98503E+17", " '1.98503E+17 ", "2E+17", "1.98503122010011e+17"])
def test_scientific_notation_examples_are_rejected(raw: str) -> None:
    assert _code(raw) == "nip_scientific_notation"


@given(st.floats())
def test_floats_are_rejected_never_guessed(number: float) -> None:
    assert _code(number) == "nip_float"


def test_a_float_that_looks_whole_is_still_rejected() -> None:
    assert _code(1.98503e17) == "nip_float"
    assert _code(float(198503122010011003)) == "nip_float"


@given(valid_nips, st.sampled_from([".0", ".00", ",0"]))
def test_decimal_suffix_is_rejected(value: str, suffix: str) -> None:
    assert _code(value + suffix) == "nip_decimal_suffix"


@pytest.mark.parametrize("raw", [None, "", "   ", "'", " ' "])
def test_empty_is_rejected(raw: str | None) -> None:
    assert _code(raw) == "nip_empty"


@pytest.mark.parametrize("raw", [True, -198503122010011003, b"198503122010011003", ["198503122010011003"]])
def test_other_types_are_rejected(raw: object) -> None:
    assert _code(raw) == "nip_not_digits"


def test_error_carries_code_and_indonesian_message() -> None:
    with pytest.raises(NipError) as caught:
        parse_nip("19940721202210132")

    assert caught.value.code == "nip_length"
    assert caught.value.message == "NIP harus 18 digit (ditemukan 17)"
    assert str(caught.value) == caught.value.message
    assert isinstance(caught.value, ValueError)


# --- agreement with the row -----------------------------------------------------------------------


@given(nip_parts())
def test_the_other_gender_is_a_mismatch(parts: tuple[date, int, int, str, int]) -> None:
    nip = parse_nip(make_nip(*parts), today=TODAY)
    other = "P" if nip.gender == "L" else "L"

    assert [error.code for error in check_nip_agrees(nip, other, None)] == ["nip_gender_mismatch"]
    assert check_nip_agrees(nip, f" {nip.gender.lower()} ", None) == []


@given(nip_parts(), st.dates(min_value=date(1900, 1, 1), max_value=TODAY))
def test_another_birth_date_is_a_mismatch(parts: tuple[date, int, int, str, int], other: date) -> None:
    assume(other != parts[0])
    nip = parse_nip(make_nip(*parts), today=TODAY)

    assert [error.code for error in check_nip_agrees(nip, None, other)] == ["nip_birth_date_mismatch"]


def test_both_mismatches_are_reported_and_missing_values_are_not_checked() -> None:
    nip = parse_nip("198503122010011003", today=TODAY)

    codes = [error.code for error in check_nip_agrees(nip, "P", date(1985, 12, 3))]

    assert codes == ["nip_gender_mismatch", "nip_birth_date_mismatch"]
    assert check_nip_agrees(nip, None, None) == []
    assert check_nip_agrees(nip, "", None) == []
    assert check_nip_agrees(nip, "L", datetime(1985, 3, 12)) == []  # an Excel date cell


def test_a_gender_other_than_l_or_p_is_a_caller_error() -> None:
    nip = parse_nip("198503122010011003", today=TODAY)

    with pytest.raises(ValueError, match="gender"):
        check_nip_agrees(nip, "Laki-laki", None)


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        ((date(1990, 1, 1), 999, 1, "L", 1), "start_year"),
        ((date(1990, 1, 1), 2015, 13, "L", 1), "start_month"),
        ((date(1990, 1, 1), 2015, 1, "X", 1), "gender"),
        ((date(1990, 1, 1), 2015, 1, "L", 1000), "sequence"),
    ],
)
def test_make_nip_refuses_parts_that_do_not_fit(args: tuple[date, int, int, str, int], fragment: str) -> None:
    with pytest.raises(ValueError, match=fragment):
        make_nip(*args)


# --- the Kab. Serang sample file ------------------------------------------------------------------


def _row_failures(row: dict[str, str]) -> list[str]:
    try:
        nip = parse_nip(row["NIP"])
    except NipError as error:
        return [error.code]
    day, month, year = (int(part) for part in row["TANGGAL_LAHIR"].split("/"))
    return [error.code for error in check_nip_agrees(nip, row["JENIS_KELAMIN"], date(year, month, day))]


def test_sample_pppk_file_has_exactly_four_nip_failures() -> None:
    with SAMPLE.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle, delimiter=";"))

    failures = {line: (row["NIP"], codes) for line, row in enumerate(rows, start=2) if (codes := _row_failures(row))}

    assert len(rows) == 41
    assert failures == {
        5: ("1.98503E+17", ["nip_scientific_notation"]),
        9: ("19940721202210132", ["nip_length"]),
        13: ("197213452022101391", ["nip_birth_date"]),
        17: ("197207072022102387", ["nip_gender_mismatch"]),
    }

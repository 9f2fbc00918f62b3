"""One row of a partner's report: each bad cell is named with its code and an Indonesian reason (no database)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from app.services.reconciliation.report import STAGED_COLUMNS, Scope, parse_row

COHORT = Scope(program_id=1, program_codes=frozenset({"PKA", "pelatihan kepemimpinan administrator"}), year=2024,
               cohorts={1: 10, 2: 20}, cohort_id=20, cohort_number=2)
SPANNING = Scope(program_id=1, program_codes=frozenset({"PKA"}), year=2024, cohorts={1: 10, 2: 20})
GOOD = {"nip": "198503122010011003", "nama": "  Nur   Santoso ", "pelatihan": "PKA", "angkatan": "II",
        "tahun": "2024", "status": "lulus", "jp": "333", "no_sertifikat": "STTPP/1", "tgl_sertifikat": "11/07/2024",
        "nilai": "82,19"}


def _row(values: dict, scope: Scope = COHORT) -> dict:
    return dict(zip(STAGED_COLUMNS, parse_row(5, values, scope), strict=True))


def test_a_good_row_maps_the_partners_words_and_takes_gender_and_birth_from_the_nip():
    row = _row(GOOD)
    assert row["error_code"] is None and row["cohort_id"] == 20
    assert (row["name"], row["partner_status"], row["partner_jp"]) == ("Nur Santoso", "passed", 333)
    assert (row["gender"], row["birth_date"]) == ("L", date(1985, 3, 12))
    assert row["partner_certificate_date"] == date(2024, 7, 11) and row["partner_score"] == Decimal("82.19")
    assert _row({**GOOD, "status": "Mengundurkan  Diri", "jp": "0"})["partner_status"] == "withdrawn"
    assert _row({**GOOD, "pelatihan": "Pelatihan Kepemimpinan Administrator"})["error_code"] is None


def test_each_bad_cell_is_named_with_its_code_and_reason():
    cases = {
        "nip": ("19850312201001100", "NIP", "nip_length"),
        "status": ("HADIR", "STATUS", "status_invalid"),
        "jp": ("tiga", "JP", "jp_invalid"),
        "tgl_sertifikat": ("31/02/2024", "TGL_SERTIFIKAT", "date_invalid"),
        "nilai": ("120", "NILAI", "score_invalid"),
        "pelatihan": ("PKP", "PELATIHAN", "program_unknown"),
        "tahun": ("2023", "TAHUN", "year_mismatch"),
        "angkatan": ("III", "ANGKATAN", "angkatan_mismatch"),
        "nama": ("", "NAMA", "required"),
    }
    for column, (value, named, code) in cases.items():
        row = _row({**GOOD, column: value})
        assert (row["error_column"], row["error_code"]) == (named, code), column
        assert row["error_reason"].startswith(f"{named}: ")


def test_every_reason_of_a_row_is_kept_and_the_first_is_its_code():
    row = _row({**GOOD, "nip": "199704192008032619", "status": "?"})
    assert row["error_code"] == "nip_start_before_age_15"
    assert "NIP: " in row["error_reason"] and "STATUS: " in row["error_reason"]


def test_a_report_spanning_angkatan_needs_and_uses_each_rows_angkatan():
    assert _row({**GOOD, "angkatan": "1"}, SPANNING)["cohort_id"] == 10
    assert _row({**GOOD, "angkatan": ""}, SPANNING)["error_code"] == "required"
    assert _row({**GOOD, "angkatan": "7"}, SPANNING)["error_code"] == "angkatan_unknown"

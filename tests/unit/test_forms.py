"""Forms: API schemas parse them, and their errors come back in Bahasa Indonesia next to each field."""

import pytest
from marshmallow import Schema, fields, validate
from werkzeug.datastructures import MultiDict

from app.problems import Problem
from app.web.forms import FORM_LEVEL, form_errors, load_form, translate


class _Cohort(Schema):
    name = fields.String(required=True, validate=validate.Length(min=3, max=10))
    year = fields.Integer(required=True, validate=validate.Range(min=2000, max=2100))
    mode = fields.String(load_default="klasikal", validate=validate.OneOf(["klasikal", "blended"]))
    opd_ids = fields.List(fields.Integer(), load_default=list)


def test_blank_optional_inputs_count_as_not_given_and_lists_are_read_whole():
    form = MultiDict([("name", " PKA II "), ("year", "2024"), ("mode", ""), ("opd_ids", "3"), ("opd_ids", "5"),
                      ("opd_ids", ""), ("csrf_token", "x")])
    assert load_form(_Cohort(), form, lists=("opd_ids",)) == {"name": "PKA II", "year": 2024, "mode": "klasikal",
                                                             "opd_ids": [3, 5]}


def test_invalid_form_raises_the_apis_422_with_indonesian_messages_per_field():
    form = MultiDict([("name", "ab"), ("year", "dua ribu"), ("mode", "daring")])
    with pytest.raises(Problem) as caught:
        load_form(_Cohort(), form)
    assert caught.value.status == 422
    assert form_errors(caught.value) == {
        "name": ["Panjang harus 3 sampai 10 karakter."],
        "year": ["Harus berupa bilangan bulat."],
        "mode": ["Harus salah satu dari: klasikal, blended."],
    }


@pytest.mark.parametrize(("english", "indonesian"), [
    ("Missing data for required field.", "Wajib diisi."),
    ("Must be greater than or equal to 1 and less than or equal to 999.", "Harus antara 1 dan 999."),
    ("Longer than maximum length 200.", "Maksimal 200 karakter."),
    ("NIP harus 18 digit", "NIP harus 18 digit"),  # the domain's own messages are Indonesian already
])
def test_translate(english, indonesian):
    assert translate(english) == indonesian


def test_a_problem_from_a_service_keeps_its_fields_without_location_and_a_bare_problem_is_form_level():
    exc = Problem(422, "Unprocessable", errors=[{"field": "json.phases.0.starts_on", "reason": "Not a valid date."},
                                                {"reason": "Tanggal tumpang tindih"}])
    assert form_errors(exc) == {"phases.0.starts_on": ["Tanggal tidak valid (contoh: 2024-03-09)."],
                                FORM_LEVEL: ["Tanggal tumpang tindih"]}
    assert form_errors(Problem(409, "Conflict", "Angkatan sudah ada")) == {FORM_LEVEL: ["Angkatan sudah ada"]}

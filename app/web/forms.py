"""HTML forms: parsed by the same marshmallow schemas as the API, with errors shown next to each field in Bahasa
Indonesia.

A page view does::

    try:
        data = load_form(CohortCreateSchema(), request.form)
        cohort = cohorts.create_cohort(**data)
    except Problem as exc:
        return render_template(..., form=request.form, errors=form_errors(exc)), exc.status

and the template uses the macros in templates/_forms.html (`field(..., errors=errors)`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from marshmallow import Schema, ValidationError

from app.problems import Problem, field_errors

FORM_LEVEL = "_form"  # errors not tied to one field (shown above the form)

_EXACT = {
    "Missing data for required field.": "Wajib diisi.",
    "Field may not be null.": "Wajib diisi.",
    "Not a valid integer.": "Harus berupa bilangan bulat.",
    "Not a valid number.": "Harus berupa angka.",
    "Not a valid decimal.": "Harus berupa angka.",
    "Not a valid date.": "Tanggal tidak valid (contoh: 2024-03-09).",
    "Not a valid datetime.": "Tanggal dan jam tidak valid.",
    "Not a valid string.": "Harus berupa teks.",
    "Not a valid boolean.": "Pilih ya atau tidak.",
    "Not a valid email address.": "Alamat email tidak valid.",
    "Not a valid list.": "Harus berupa daftar.",
    "Not a valid mapping type.": "Isian tidak valid.",
    "Unknown field.": "Isian tidak dikenal.",
    "Invalid value.": "Nilai tidak valid.",
    "String does not match expected pattern.": "Format tidak sesuai.",
    "Invalid input type.": "Isian tidak valid.",
    "Shorter than minimum length 1.": "Wajib diisi.",
}
_PATTERNS = (
    (re.compile(r"^Must be one of: (.*)\.$"), "Harus salah satu dari: {0}."),
    (re.compile(r"^Length must be between (\d+) and (\d+)\.$"), "Panjang harus {0} sampai {1} karakter."),
    (re.compile(r"^Shorter than minimum length (\d+)\.$"), "Minimal {0} karakter."),
    (re.compile(r"^Longer than maximum length (\d+)\.$"), "Maksimal {0} karakter."),
    (re.compile(r"^Length must be (\d+)\.$"), "Panjang harus {0} karakter."),
    (re.compile(r"^Must be greater than or equal to (\S+) and less than or equal to (\S+)\.$"),
     "Harus antara {0} dan {1}."),
    (re.compile(r"^Must be greater than or equal to (\S+)\.$"), "Minimal {0}."),
    (re.compile(r"^Must be less than or equal to (\S+)\.$"), "Maksimal {0}."),
    (re.compile(r"^Must be greater than (\S+)\.$"), "Harus lebih dari {0}."),
)
_LOCATIONS = ("json.", "form.", "query.", "files.", "path.")


def translate(reason: str) -> str:
    """A validation message in Bahasa Indonesia: marshmallow's English defaults are translated; the domain's own
    messages (app.domain, services) are Indonesian already and pass through."""
    if reason in _EXACT:
        return _EXACT[reason]
    for pattern, template in _PATTERNS:
        match = pattern.match(reason)
        if match:
            return template.format(*match.groups())
    return reason


def load_form(schema: Schema, form: Mapping, *, lists: tuple[str, ...] = ()) -> dict:
    """Load a submitted form with an API schema. Empty inputs count as not given (an optional field left blank);
    names in `lists` are read with getlist. Invalid input raises the same 422 Problem as the API."""
    data: dict = {}
    for key in form:
        if key == "csrf_token":
            continue
        if key in lists:
            values = [v for v in form.getlist(key) if str(v).strip() != ""]  # type: ignore[attr-defined]
            data[key] = values
            continue
        value = form.get(key)
        if isinstance(value, str):
            value = value.strip()
            if value == "":
                continue
        data[key] = value
    try:
        return schema.load(data)
    except ValidationError as exc:
        errors = field_errors(exc.messages if isinstance(exc.messages, Mapping) else {FORM_LEVEL: exc.messages})
        raise Problem.invalid("Periksa isian yang ditandai.", errors=errors) from exc


def form_errors(exc: Problem) -> dict[str, list[str]]:
    """{field: [Indonesian message]} from a Problem; errors without a field, or a problem without field errors,
    go under FORM_LEVEL. Field names lose their location prefix (`json.name` → `name`)."""
    out: dict[str, list[str]] = {}
    for error in exc.errors or []:
        name = str(error.get("field") or FORM_LEVEL)
        for prefix in _LOCATIONS:
            if name.startswith(prefix):
                name = name[len(prefix):]
        out.setdefault(name, []).append(translate(str(error.get("reason", ""))))
    if not out:
        out[FORM_LEVEL] = [exc.detail or exc.title]
    return out


_DIGITS = re.compile(r"^\s*\d{1,9}\s*$")


def ints(form: Mapping, *names: str) -> dict:
    """The form as a dict, with whole numbers typed as ints for the API schemas' strict integer fields (a JSON
    client sends numbers; a browser sends text). Anything else is left for the schema to refuse in Indonesian."""
    data = {key: form.get(key) for key in form}
    for name in names:
        value = data.get(name)
        if isinstance(value, str) and _DIGITS.match(value):
            data[name] = int(value)
    return data

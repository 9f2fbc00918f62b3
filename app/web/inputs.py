"""What every request input must be before it reaches a service: numbers a PostgreSQL column can hold and text
without NUL characters. Checked once, here, so no view can forget it (found by the API fuzzer: such values
reached the database and came back as 500s).

- Path ids: the `int` URL converter is bounded to PostgreSQL's `integer`, so `/cohorts/99999999999` simply
  matches no route (404) and the OpenAPI document says `maximum: 2147483647`.
- Parsed arguments (query, JSON, form) of every tenant API view: an integer outside `integer`'s range or a
  string containing U+0000 is a 422 naming the field, like any other validation error.
- Query parameters an endpoint does not know are a 422 naming them (found by the outside review:
  `/employees?jabatan_kind=pengawas` answered everyone, a filter silently not applied).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import marshmallow as ma
from flask_smorest.spec.plugins import integerconverter2paramschema
from webargs.flaskparser import FlaskParser
from werkzeug.routing import IntegerConverter

PG_INT_MAX = 2**31 - 1  # every id and count column is `integer`; wider values can only be wrong
PG_INT_MIN = -(2**31)
NUL = "\x00"


class DbIntConverter(IntegerConverter):
    """`<int:...>` that stops at PostgreSQL's integer range (larger path ids are not found)."""

    def __init__(self, url_map, fixed_digits: int = 0, min: int | None = None,  # noqa: A002 - werkzeug's name
                 max: int | None = PG_INT_MAX, signed: bool = False) -> None:  # noqa: A002
        super().__init__(url_map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


def _problems(value: object, path: tuple[str, ...]) -> list[tuple[tuple[str, ...], str]]:
    if isinstance(value, bool):
        return []
    if isinstance(value, int):
        if not PG_INT_MIN <= value <= PG_INT_MAX:
            return [(path, f"angka harus antara {PG_INT_MIN} dan {PG_INT_MAX}")]
        return []
    if isinstance(value, str):
        return [(path, "teks tidak boleh berisi karakter NUL (\\u0000)")] if NUL in value else []
    if isinstance(value, Mapping):
        return [p for key, item in value.items() for p in _problems(item, (*path, str(key)))]
    if isinstance(value, list | tuple | set | frozenset):
        return [p for i, item in enumerate(value) for p in _problems(item, (*path, str(i)))]
    return []


def check_values(data: object) -> None:
    """Raise a marshmallow ValidationError ({field: {sub: [reason]}}) for out-of-range integers and NULs."""
    found = _problems(data, ())
    if not found:
        return
    messages: dict = {}
    for path, reason in found:
        node = messages
        for part in path[:-1]:
            node = node.setdefault(part, {})
        node.setdefault(path[-1] if path else "_schema", []).append(reason)
    raise ma.ValidationError(messages)


def unknown_parameters(given: Iterable[str], known: Iterable[str]) -> dict[str, list[str]]:
    """{name: [reason]} for every given query parameter that is not among `known` (the reason lists those)."""
    known = sorted(set(known))
    reason = "parameter tidak dikenal; yang dikenal: " + (", ".join(known) if known else "tidak ada")
    return {name: [reason] for name in dict.fromkeys(given) if name not in known}



class ArgumentsParser(FlaskParser):
    """webargs' Flask parser plus `check_values` on what the schema loaded (inside webargs' own error path, so
    the answer is the usual 422 problem with the location and field), and query parameters the schema does not
    declare refused (webargs' default for the query string is to drop them)."""

    DEFAULT_UNKNOWN_BY_LOCATION = {**FlaskParser.DEFAULT_UNKNOWN_BY_LOCATION, "query": ma.RAISE,
                                   "querystring": ma.RAISE}

    def _process_location_data(self, location_data, schema, req, location, unknown, validators):
        if location in ("query", "querystring"):
            known = [field.data_key or name for name, field in schema.fields.items() if not field.dump_only]
            bad = unknown_parameters(location_data.keys(), known)
            if bad:
                raise ma.ValidationError(bad)
        data = super()._process_location_data(location_data, schema, req, location, unknown, validators)
        check_values(data)
        return data


def install(app, *apis) -> None:
    """Bound the `int` converter (before any blueprint is registered) and document it in every API."""
    app.url_map.converters["int"] = DbIntConverter
    for api in apis:
        api.register_converter(DbIntConverter, integerconverter2paramschema)


class StrippedString(ma.fields.String):
    """A string field that strips surrounding whitespace before its validators run, so `Length(min=2)` holds
    for what is stored (the services strip names; a name of control characters and one letter passed the
    length check and was stored one character long)."""

    def _deserialize(self, value, attr, data, **kwargs):
        raw = super()._deserialize(value, attr, data, **kwargs)
        for validator in self.validators:  # the documented maxLength holds for what was sent, too
            if isinstance(validator, ma.validate.Length) and validator.max is not None and len(raw) > validator.max:
                validator(raw)  # raises with the validator's own message
        return raw.strip()

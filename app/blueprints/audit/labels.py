"""The audit log as a person reads it: every action, entity and field in Indonesian words, and every recorded
value shown readably (Ya/Tidak, dates and times in WIB, OPD names, decisions), never a code or a Python repr.

The log itself keeps the codes (the API returns them): this module only translates for the page, with the words
each area declares in its `audit_labels` (app/areas.py). A new audited action or field adds its label to its own
area (tests/web/test_audit_and_imports.py checks every action the code records)."""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal
from functools import cache

from app.areas import audit_labels
from app.web.filters import angka, tanggal, wib

DECISION_LABELS = {"partner": "ambil nilai mitra", "local": "pertahankan data kita"}
_PLAIN_NUMBERS = re.compile(r"(^|_)(id|year|nip|number|position)$")  # identifiers and years: no thousands dots
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_ISO_MOMENT = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")


@cache
def vocabulary() -> dict[str, dict]:
    """{actions, groups, entities, fields, values}: the areas' words, merged once."""
    return audit_labels()


def action_label(action: str) -> str:
    return vocabulary()["actions"].get(action, action)


def actor_label(actor: str | None) -> str:
    """A username as is; `cli:<user>` (a command on the server) in words."""
    if not actor:
        return "–"
    if actor.startswith("cli:"):
        return f"perintah kompeten di server (pengguna sistem {actor[4:]})"
    return actor


def entity_label(entity: str, entity_id: str | None) -> str:
    name = vocabulary()["entities"].get(entity, entity)
    if not entity_id:
        return name
    if entity == "attendance" and ":" in entity_id:  # "<cohort>:<day>"
        cohort, day = entity_id.split(":", 1)
        return f"{name} angkatan #{cohort}, {_text('day', day)}"
    if entity == "phase_results" and ":" in entity_id:  # "<enrolment>:<phase>"
        enrolment, phase = entity_id.split(":", 1)
        return f"{name} peserta #{enrolment}, tahap #{phase}"
    if entity == "training_targets":
        return f"{name} tahun {entity_id}"
    return f"{name} #{entity_id}"


def changes(before: dict | None, after: dict | None, opd_names: dict[int, str]) -> list[dict]:
    """[{label, before, after}] as text: the fields that changed (both sides), or every field of the one side."""
    before, after = before or {}, after or {}
    keys = [k for k, v in after.items() if before.get(k) != v] if before and after else list(after or before)
    fields = vocabulary()["fields"]
    return [{"label": fields.get(key, key.replace("_", " ")),
             "before": _text(key, before[key], opd_names) if before and key in before else None,
             "after": _text(key, after.get(key), opd_names) if after else "dihapus"}
            for key in keys]


def opd_ids_in(entries) -> set[int]:
    """The OPD ids the page's entries mention (their names are looked up in one query)."""
    found: set[int] = set()
    for entry in entries:
        for side in (entry["before"], entry["after"]):
            for key in ("opd_id", "merged_into_id"):
                if isinstance((side or {}).get(key), int):
                    found.add(side[key])
            found.update(i for i in (side or {}).get("opd_ids") or () if isinstance(i, int))
    return found


def _text(field: str, value, opd_names: dict[int, str] | None = None) -> str:  # noqa: PLR0911 - one case per kind
    opd_names = opd_names or {}
    if value is None:
        return "–"
    if isinstance(value, bool):
        return "Ya" if value else "Tidak"
    if field in ("opd_id", "merged_into_id") and isinstance(value, int):
        return opd_names.get(value, f"OPD #{value}")
    if field == "opd_ids" and isinstance(value, list):
        return ", ".join(opd_names.get(i, f"OPD #{i}") for i in value) if value else "tidak dibatasi"
    if field == "revoked_sessions" and isinstance(value, list):
        return f"{angka(len(value))} sesi"
    if field in ("classes", "rows") and isinstance(value, dict):
        classes = vocabulary()["values"]["class"]
        what = (lambda k: classes.get(k, k)) if field == "classes" else (lambda k: f"baris {k}")
        return "; ".join(f"{what(k)}: {DECISION_LABELS.get(v, v)}" for k, v in value.items()) or "–"
    if field == "phases" and isinstance(value, list):
        return "; ".join(f"{p.get('name', '–')} ({_text('start_date', p.get('start_date'))} s.d. "
                         f"{_text('end_date', p.get('end_date'))})" for p in value if isinstance(p, dict)) or "–"
    if isinstance(value, dict):
        fields = vocabulary()["fields"]
        return "; ".join(f"{fields.get(k, k.replace('_', ' '))}: {_text(k, v, opd_names)}"
                         for k, v in value.items()) or "–"
    if isinstance(value, list):
        return ", ".join(_text(field, v, opd_names) for v in value) or "–"
    if isinstance(value, int | float | Decimal):
        return str(value) if _PLAIN_NUMBERS.search(field) else angka(value)
    if isinstance(value, str):
        values = vocabulary()["values"]
        if field in values:
            return values[field].get(value, value)
        if _ISO_DATE.match(value):
            return tanggal(date.fromisoformat(value))
        if _ISO_MOMENT.match(value):
            try:
                return wib(datetime.fromisoformat(value))  # a naive moment is taken as UTC
            except ValueError:
                return value
    return str(value)

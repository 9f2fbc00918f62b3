"""Shared by the catalogue and cohort pages: Indonesian labels, the role's write flag, form helpers, error pages."""

from __future__ import annotations

import re
from collections.abc import Mapping

from flask import Blueprint, render_template
from flask_login import current_user

from app.authz import permissions_of
from app.extensions import db
from app.problems import Problem
from app.tenancy import TENANT_URL_PREFIX
from app.web.forms import FORM_LEVEL, form_errors
from app.web.views import ENROLMENT_STATUS_LABELS, html_problems, no_store

bp = Blueprint("cohort_pages", __name__, url_prefix=TENANT_URL_PREFIX)

PROGRAM_TYPES = {"pkn": "PKN (Pelatihan Kepemimpinan Nasional)", "pka": "PKA (Kepemimpinan Administrator)",
                 "pkp": "PKP (Kepemimpinan Pengawas)", "latsar": "Latsar CPNS", "pppk_orientation": "Orientasi PPPK",
                 "technical": "Teknis", "functional": "Fungsional", "elearning": "E-learning"}
COMPETENCY_TYPES = {"manajerial": "Manajerial", "teknis": "Teknis", "sosial_kultural": "Sosial kultural"}
PARTNER_KINDS = {"bpsdm": "BPSDM provinsi", "badiklat": "Badiklat", "lan": "LAN RI", "other": "Lainnya"}
MODES = {"klasikal": "Klasikal", "blended": "Blended", "elearning": "E-learning"}
TIMINGS = {"upcoming": "Akan datang", "running": "Berjalan", "finished": "Selesai"}
ENROLMENT_STATUSES = ENROLMENT_STATUS_LABELS
ATTENDANCE_STATUSES = {"present": "Hadir", "excused": "Izin/sakit", "absent": "Alpa"}
LABELS = {"program_types": PROGRAM_TYPES, "competency_types": COMPETENCY_TYPES, "partner_kinds": PARTNER_KINDS,
          "modes": MODES, "timings": TIMINGS, "statuses": ENROLMENT_STATUSES, "attendance": ATTENDANCE_STATUSES}

_DIGITS = re.compile(r"^\s*\d{1,9}\s*$")
PAGE_SIZE = 50


def can_write() -> bool:
    """The page shows forms and edit buttons only to a role that may write (a viewer sees none)."""
    return "training:write" in permissions_of(current_user)


def ints(form: Mapping, *names: str) -> dict:
    """The form as a dict, with whole numbers typed as ints for the API schemas' strict integer fields (a JSON
    client sends numbers; a browser sends text). Anything else is left for the schema to refuse in Indonesian."""
    data = {key: form.get(key) for key in form}
    for name in names:
        value = data.get(name)
        if isinstance(value, str) and _DIGITS.match(value):
            data[name] = int(value)
    return data


def render(template: str, status: int = 200, **context):
    return render_template(template, labels=LABELS, can_write=can_write(), **context), status


def render_problem(template: str, exc: Problem, *, fields: tuple[str, ...] | None = None, **context):
    """The form again, with the problem's errors next to its fields; the failed unit of work is rolled back.
    With `fields` (the inputs the page shows), errors about anything else are shown above the form."""
    db.session.rollback()
    errors = form_errors(exc)
    if fields is not None:
        for name in [n for n in errors if n not in fields and n != FORM_LEVEL]:
            errors.setdefault(FORM_LEVEL, []).extend(errors.pop(name))
    return render(template, exc.status if exc.status >= 400 else 422, errors=errors, **context)


html_problems(bp)  # a page that cannot be shown (unknown cohort, bad day...) answers with an HTML page
no_store(bp)

"""Schemathesis over the tenant API's own OpenAPI document, in-process against the WSGI app.

Every operation the document lists is fuzzed (routes added later are covered without editing this file), as a
region's admin and as an operator limited to one OPD: no 5xx, every 4xx an RFC 9457 problem document (type,
title, status; `errors[].field/reason` on a 422), and every answer conforms to the documented schema. The CI run
is small per operation; `pytest -m soak` runs the same with many more examples.
"""

from __future__ import annotations

import copy
import json
import sys

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_schema_conformance,
    status_code_conformance,
)
from werkzeug.test import Client

from app.problems import PROBLEM_MIMETYPE
from tests.fixtures.auth import create_token, create_user

SLUG = "kota-malang"
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
# Input that breaks the documented schema must be refused (4xx) as a problem document, never a 5xx.
NEGATIVE_CHECKS = [not_a_server_error, negative_data_rejection]
# Operations that end the caller's own session or token go last, so they do not hide the others behind 401s.
_LAST = ("logout", "revoke", "tokens/{token_id}", "disable", "password")


def tenant_schema(app, slug: str):
    """The tenant's OpenAPI document with `{tenant_slug}` bound to `slug` (the fuzzer must not wander to other
    regions here: that is what the isolation fuzzer does)."""
    raw = app.test_client().get(f"/t/{slug}/api/v1/openapi.json").get_json()
    raw = copy.deepcopy(raw)
    paths = {}
    for path, item in raw["paths"].items():
        for key, op in list(item.items()):
            if key == "parameters":
                item[key] = [p for p in op if p.get("name") != "tenant_slug"]
            elif isinstance(op, dict) and "parameters" in op:
                op["parameters"] = [p for p in op["parameters"] if p.get("name") != "tenant_slug"]
        paths[path.replace("{tenant_slug}", slug)] = item
    raw["paths"] = paths
    schema = schemathesis.openapi.from_dict(raw)
    schema.app = app
    return schema


def check_problem(response, case) -> None:
    """Every 4xx is a problem document; a 422 names each field and its reason."""
    status = response.status_code
    if not 400 <= status < 500:
        return
    headers = {k.lower(): v for k, v in response.headers.items()}
    content_type = headers.get("content-type", [""])
    content_type = content_type[0] if isinstance(content_type, list) else content_type
    where = f"{case.method} {case.formatted_path} -> {status}"
    assert content_type.startswith(PROBLEM_MIMETYPE), f"{where}: Content-Type {content_type!r}"
    body = json.loads(response.content)
    assert isinstance(body.get("type"), str) and isinstance(body.get("title"), str), f"{where}: {body}"
    assert body.get("status") == status, f"{where}: {body}"
    if status == 422:
        errors = body.get("errors")
        assert errors, f"{where}: a 422 without errors[]: {body}"
        for err in errors:
            assert err.get("field") and err.get("reason"), f"{where}: {err}"


def operations(schema) -> list:
    ops = [result.ok() for result in schema.get_all_operations()]
    return sorted(ops, key=lambda op: (any(word in op.path for word in _LAST), op.path, op.method))


class BufferedClient(Client):
    """As a WSGI server does: read the whole body and close the app's iterable (schemathesis' own client leaves
    streamed downloads open, which would look like a leaked file)."""

    def open(self, *args, **kwargs):
        kwargs["buffered"] = True
        return super().open(*args, **kwargs)


def _fuzz_operation(op, headers: dict, max_examples: int, derandomize: bool = True,
                    mode: GenerationMode = GenerationMode.POSITIVE) -> int:
    """Run one operation's cases; returns how many ran (a failure raises, after hypothesis shrank it)."""
    ran = [0]

    @settings(max_examples=max_examples, deadline=None, database=None, derandomize=derandomize, print_blob=True,
              phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
    @given(case=op.as_strategy(generation_mode=mode))
    def run(case):
        ran[0] += 1
        leaks: list = []
        hook, sys.unraisablehook = sys.unraisablehook, leaks.append
        try:
            response = case.call(headers=headers, session=BufferedClient(op.schema.app))
            case.validate_response(response, checks=CHECKS if mode == GenerationMode.POSITIVE else NEGATIVE_CHECKS,
                                   headers=headers)
            check_problem(response, case)
        finally:
            sys.unraisablehook = hook
        assert not leaks, f"{case.method} {case.formatted_path} left {leaks[0].exc_value!r}: {case.as_curl_command()}"

    run()
    return ran[0]


def fuzz(app, tenant, role: str, max_examples: int, only: str = '', derandomize: bool = True,
         mode: GenerationMode = GenerationMode.POSITIVE, **user) -> dict[str, int]:
    """Fuzz every operation as a fresh user of `role` (a new token per operation); returns {operation: cases}.
    Failures of all operations are collected and reported together."""
    schema = tenant_schema(app, tenant.slug)
    seen: dict[str, int] = {}
    failures: list[str] = []
    for op in operations(schema):
        if only not in op.path:
            continue
        who = create_user(tenant, role, password=None, **user)
        headers = {"Authorization": f"Bearer {create_token(tenant, who['id'], role)}"}
        label = f"{op.method.upper()} {op.path}"
        try:
            seen[label] = _fuzz_operation(op, headers, max_examples, derandomize, mode)
        except Unsatisfiable:
            seen[label] = 0  # negative mode: the schema leaves nothing to get wrong (no parameters, any string)
        except (Exception, BaseExceptionGroup) as exc:  # noqa: BLE001 - collected, reported below
            seen[label] = -1
            failures.append(f"--- {label} ({role})\n{exc}")
    assert not failures, "\n\n".join(failures)
    return seen


def test_every_operation_as_admin(app, seeded, tenants):
    seen = fuzz(app, tenants[SLUG], "admin", max_examples=10)
    assert len(seen) >= 40 and all(seen.values()), seen  # every documented operation was exercised


def test_every_operation_as_an_opd_scoped_operator(app, seeded, tenants):
    seen = fuzz(app, tenants[SLUG], "operator", max_examples=6, opd_ids=seeded[SLUG].opd_ids[:1])
    assert all(seen.values()), seen


def test_input_that_breaks_the_schema_is_refused_with_a_problem(app, seeded, tenants):
    seen = fuzz(app, tenants[SLUG], "admin", max_examples=6, mode=GenerationMode.NEGATIVE)
    assert sum(1 for n in seen.values() if n > 0) >= 40, seen


@pytest.mark.soak
@pytest.mark.parametrize("role", ["admin", "operator"])
def test_every_operation_long(app, seeded, tenants, role):
    extra = {"opd_ids": seeded[SLUG].opd_ids[:1]} if role == "operator" else {}
    seen = fuzz(app, tenants[SLUG], role, max_examples=100, derandomize=False, **extra)  # new cases each run
    assert all(seen.values()), seen


@pytest.mark.soak
@pytest.mark.parametrize("role", ["admin", "operator"])
def test_input_that_breaks_the_schema_long(app, seeded, tenants, role):
    extra = {"opd_ids": seeded[SLUG].opd_ids[:1]} if role == "operator" else {}
    fuzz(app, tenants[SLUG], role, max_examples=60, derandomize=False, mode=GenerationMode.NEGATIVE, **extra)

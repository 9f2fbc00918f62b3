"""Errors as RFC 9457 `application/problem+json` responses: one shape for every failure."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping

import psycopg
import sqlalchemy as sa
from flask import Flask, Response, g, json, request
from werkzeug.exceptions import HTTPException

from app.tenancy import TenantNotFound, TenantUnavailable

log = logging.getLogger(__name__)

PROBLEM_MIMETYPE = "application/problem+json"
TYPE_BASE = "https://kompeten.id/problems/"


class Problem(Exception):
    """Raise from a service or view to answer with a problem document."""

    def __init__(self, status: int, title: str, detail: str | None = None, *, type_: str | None = None,
                 errors: Iterable[Mapping] | None = None, headers: Mapping[str, str] | None = None, **extra):
        super().__init__(detail or title)
        self.status = status
        self.title = title
        self.detail = detail
        self.type = type_
        self.errors = list(errors) if errors else None
        self.headers = dict(headers or {})
        self.extra = extra

    # The usual problems, one way each. `field`/`reason` name the one input at fault (the answer's `errors`);
    # several at once go in `errors` ([{field, reason}]), and the detail then lists them.

    @classmethod
    def not_found(cls, detail: str, **extra) -> Problem:
        return cls(404, "Not Found", detail, **extra)

    @classmethod
    def forbidden(cls, detail: str, **extra) -> Problem:
        return cls(403, "Forbidden", detail, **extra)

    @classmethod
    def conflict(cls, detail: str | None = None, *, field: str | None = None, reason: str | None = None,
                 errors: Iterable[Mapping] | None = None, **extra) -> Problem:
        detail, errors = _described(detail, field, reason, errors)
        return cls(409, "Conflict", detail, errors=errors, **extra)

    @classmethod
    def invalid(cls, detail: str | None = None, *, field: str | None = None, reason: str | None = None,
                errors: Iterable[Mapping] | None = None, **extra) -> Problem:
        detail, errors = _described(detail, field, reason, errors)
        return cls(422, "Unprocessable Content", detail, errors=errors, **extra)

    @classmethod
    def unavailable(cls, detail: str, *, retry_after: int, **extra) -> Problem:
        headers = {"Retry-After": str(retry_after), **extra.pop("headers", {})}
        return cls(503, "Service Unavailable", detail, headers=headers, **extra)


def _described(detail, field, reason, errors) -> tuple[str | None, list | None]:
    """(detail, errors) of a problem about one field or several: the detail lists them when not given."""
    if field is not None:
        errors = [{"field": field, "reason": reason or detail}]
    errors = list(errors) if errors else None
    if detail is None and errors:
        detail = "; ".join(f"{e['field']}: {e['reason']}" for e in errors)
    return detail, errors


def problem_response(status: int, title: str, detail: str | None = None, *, type_: str | None = None,
                     errors: Iterable[Mapping] | None = None, headers: Mapping[str, str] | None = None,
                     **extra) -> Response:
    body: dict = {"type": TYPE_BASE + (type_ or str(status)), "title": title, "status": status}
    if detail:
        body["detail"] = detail
    if errors:
        body["errors"] = list(errors)
    body["instance"] = request.path if request else None
    request_id = g.get("request_id")
    if request_id:
        body["request_id"] = request_id
    body.update(extra)
    resp = Response(json.dumps(body), status=status, mimetype=PROBLEM_MIMETYPE)
    for key, value in (headers or {}).items():
        resp.headers[key] = value
    return resp


def field_errors(messages: Mapping, prefix: str = "") -> list[dict]:
    """Flatten marshmallow/webargs messages ({location: {field: [msg]}}) into [{field, reason}]."""
    out: list[dict] = []
    for key, value in messages.items():
        key = str(key) or '""'  # a JSON member with an empty name is still named
        name = f"{prefix}.{key}" if prefix else key
        if isinstance(value, Mapping):
            out.extend(field_errors(value, name))
        elif isinstance(value, list | tuple) and value and all(isinstance(v, str) for v in value):
            out.extend({"field": name, "reason": v} for v in value)
        else:
            out.append({"field": name, "reason": str(value)})
    return out


_LOCATIONS = ("json", "query", "form", "files", "headers", "path", "view_args", "cookies")


def _validation_errors(exc: HTTPException) -> list[dict] | None:
    data = getattr(exc, "data", None) or {}
    messages = data.get("messages")
    if not messages:
        return None
    flat: list[dict] = []
    for location, fields in messages.items():
        if location in _LOCATIONS and isinstance(fields, Mapping):
            flat.extend(dict(e, location=location) for e in field_errors(fields))
        else:
            flat.extend(field_errors({location: fields}))
    return flat


def handle_http_exception(exc: HTTPException) -> Response:
    status = exc.code or 500
    headers = dict(getattr(exc, "data", {}).get("headers", {}) or {})
    if exc.response is not None and exc.response.headers.get("Retry-After"):
        headers["Retry-After"] = exc.response.headers["Retry-After"]
    if status == 405 and hasattr(exc, "valid_methods") and exc.valid_methods:
        headers["Allow"] = ", ".join(exc.valid_methods)
    errors = _validation_errors(exc)
    detail = exc.description if exc.description and not errors else None
    if errors:
        detail = "; ".join(f"{e['field']}: {e['reason']}" for e in errors)
    return problem_response(status, exc.name, detail, errors=errors, headers=headers)


def register(app: Flask) -> None:
    @app.errorhandler(Problem)
    def _problem(exc: Problem):
        return problem_response(exc.status, exc.title, exc.detail, type_=exc.type, errors=exc.errors,
                                headers=exc.headers, **exc.extra)

    @app.errorhandler(TenantNotFound)
    def _tenant_not_found(_exc):
        return problem_response(404, "Not Found", "Wilayah (tenant) tidak ditemukan.", type_="tenant-not-found")

    @app.errorhandler(TenantUnavailable)
    def _tenant_unavailable(exc: TenantUnavailable):
        if exc.tenant.status == "deleted":  # a tombstone: the region's schema is gone for good (Admin API delete)
            return problem_response(410, "Gone", "Wilayah ini telah dihapus.", type_="tenant-deleted",
                                    tenant_status="deleted")
        return problem_response(423, "Locked", f"Wilayah ini sedang tidak aktif (status: {exc.tenant.status}).",
                                type_="tenant-unavailable", tenant_status=exc.tenant.status)

    app.register_error_handler(HTTPException, handle_http_exception)

    @app.errorhandler(sa.exc.OperationalError)
    @app.errorhandler(sa.exc.TimeoutError)
    @app.errorhandler(psycopg.OperationalError)
    def _database_unavailable(exc: Exception):
        # The database is unreachable or restarting (the pool pre-pings, so the next request reconnects): a
        # retryable 503, not a 500.
        log.warning("database unavailable: %s", exc)
        return problem_response(503, "Service Unavailable", "Basis data sedang tidak tersedia; coba lagi sebentar.",
                                type_="database-unavailable", headers={"Retry-After": "5"})

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception):
        log.exception("unhandled error")
        return problem_response(500, "Internal Server Error", "Terjadi kesalahan pada server.")

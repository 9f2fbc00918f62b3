"""Structured logging: every line carries the tenant slug and a request or job id."""

from __future__ import annotations

import json
import logging
import uuid
from contextvars import ContextVar
from pathlib import Path

from flask import Flask, g, request

from app.tenancy import current_tenant_or_none

request_id_var: ContextVar[str | None] = ContextVar("kompeten_request_id", default=None)


class ContextFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        tenant = current_tenant_or_none()
        record.tenant = tenant.slug if tenant else "-"
        record.request_id = request_id_var.get() or "-"
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        body = {
            "ts": self.formatTime(record, "%Y-%m-%dT%H:%M:%S"),
            "level": record.levelname,
            "logger": record.name,
            "tenant": getattr(record, "tenant", "-"),
            "request_id": getattr(record, "request_id", "-"),
            "msg": record.getMessage(),
        }
        if record.exc_info:
            body["exc"] = self.formatException(record.exc_info)
        return json.dumps(body, ensure_ascii=False)


TEXT_FORMAT = "%(asctime)s %(levelname)s tenant=%(tenant)s req=%(request_id)s %(name)s: %(message)s"


def configure(level: str = "INFO", fmt: str = "text", file: str | None = None) -> None:
    """Install one handler on the root logger (idempotent): stderr, or appending to `file` (KOMPETEN_LOG_FILE; the
    demo's log), which then also takes Python's warnings."""
    root = logging.getLogger()
    for handler in root.handlers:
        if getattr(handler, "_kompeten", False):
            return
    if file:
        Path(file).parent.mkdir(parents=True, exist_ok=True)
        handler = logging.FileHandler(file, encoding="utf-8")
        logging.captureWarnings(True)
    else:
        handler = logging.StreamHandler()
    handler._kompeten = True  # type: ignore[attr-defined]
    handler.addFilter(ContextFilter())
    handler.setFormatter(JsonFormatter() if fmt == "json" else logging.Formatter(TEXT_FORMAT))
    root.addHandler(handler)
    root.setLevel(level)


def install(app: Flask) -> None:
    # A URL-value preprocessor, not before_request: it must run before the tenant seam resolves the URL,
    # so that even a 404 for an unknown tenant is logged with its request id.
    @app.url_value_preprocessor
    def _request_id(_endpoint, _values):
        rid = request.headers.get("X-Request-ID", "")[:64] or uuid.uuid4().hex
        g.request_id = rid
        g._request_id_token = request_id_var.set(rid)

    @app.after_request
    def _echo_request_id(resp):
        if g.get("request_id"):
            resp.headers["X-Request-ID"] = g.request_id
        return resp

    @app.teardown_request
    def _reset(_exc):
        token = g.pop("_request_id_token", None)
        if token is not None:
            request_id_var.reset(token)

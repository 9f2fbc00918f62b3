"""CSRF protection for cookie-authenticated writes, cookie settings, and security headers."""

from __future__ import annotations

import hmac
import secrets

from flask import Flask, request, session
from flask_login import current_user

from app.problems import problem_response
from app.web.api import DOCS_ENDPOINTS

CSRF_SESSION_KEY = "csrf"
CSRF_HEADER = "X-CSRF-Token"
CSRF_FORM_FIELD = "csrf_token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

CSP = "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
# The APIs' browsable docs pages only: ReDoc (served from app/static/vendor) injects its styles inline and runs
# its search in a worker made from a blob. Still no script from anywhere but the app, and nothing from elsewhere.
DOCS_CSP = ("default-src 'self'; script-src 'self'; worker-src blob:; style-src 'self' 'unsafe-inline'; "
            "img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'; form-action 'self'")


def csrf_token() -> str:
    """The session's CSRF token (created on first use); pages embed it, the JSON login returns it."""
    token = session.get(CSRF_SESSION_KEY)
    if not token:
        token = session[CSRF_SESSION_KEY] = secrets.token_urlsafe(32)
    return token


def _csrf_ok() -> bool:
    expected = session.get(CSRF_SESSION_KEY)
    given = request.headers.get(CSRF_HEADER) or (request.form.get(CSRF_FORM_FIELD) if request.form else None)
    return bool(expected and given and hmac.compare_digest(expected, given))


def check_csrf():
    """Unsafe requests that ride on the session cookie must carry the session's CSRF token.

    Bearer-token requests carry no ambient credentials and need none; anonymous form posts (the login
    form) are checked too, against login CSRF.
    """
    if request.method in SAFE_METHODS or request.endpoint is None:
        return None
    if request.headers.get("Authorization", "").lower().startswith("bearer "):
        return None
    cookie_user = current_user and current_user.is_authenticated and not current_user.via_token
    if (cookie_user or request.form) and not _csrf_ok():
        return problem_response(403, "Forbidden", "Token CSRF tidak ada atau tidak cocok; muat ulang halaman.",
                                type_="csrf")
    return None


def _headers(resp):
    resp.headers.setdefault("X-Content-Type-Options", "nosniff")
    resp.headers.setdefault("Referrer-Policy", "same-origin")
    resp.headers.setdefault("X-Frame-Options", "DENY")
    resp.headers.setdefault("Content-Security-Policy", DOCS_CSP if request.endpoint in DOCS_ENDPOINTS else CSP)
    if request.is_secure:
        resp.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
    return resp


def trust_proxies(app: Flask, hops: int) -> None:
    """Behind `hops` reverse proxies (KOMPETEN_PROXY_HOPS), the client's address and scheme are the ones the
    nearest proxies put in X-Forwarded-For / -Proto (werkzeug's ProxyFix takes the last `hops` entries, which the
    proxies wrote; anything a client sent itself sits before them). Off by default: without a proxy those
    headers are the client's own words, and trusting them would let anyone dodge the per-IP login throttle."""
    if hops > 0:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=0, x_port=0, x_prefix=0)


def install(app: Flask) -> None:
    trust_proxies(app, int(app.config.get("PROXY_HOPS") or 0))
    app.before_request(check_csrf)
    app.after_request(_headers)
    app.jinja_env.globals["csrf_token"] = csrf_token

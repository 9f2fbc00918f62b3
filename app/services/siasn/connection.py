"""A region's SIASN connection settings: entered by its admin, secrets sealed (app.services.siasn.secrets), never
shown back (a view says only which secrets are set), and checked by fetching both tokens."""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import urlsplit

from flask import current_app

from app.extensions import db
from app.models.siasn import SiasnSettings
from app.problems import Problem
from app.services.audit import log as audit
from app.services.siasn import secrets
from app.services.siasn.client import Connection, SiasnClient, SiasnError
from app.tenancy import current_tenant

SECRET_FIELDS = ("consumer_key", "consumer_secret", "username", "password")
PLAIN_FIELDS = ("base_url", "sso_url", "client_id", "instansi_id")


def _url(value: str | None, field: str, *, required: bool) -> str | None:
    value = (value or "").strip().rstrip("/") or None
    if value is None:
        if required:
            raise Problem.invalid("Alamat server SIASN wajib diisi.", field=field, reason="wajib diisi")
        return None
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise Problem.invalid("Alamat harus URL http(s) lengkap, mis. https://apimws.bkn.go.id:8243.", field=field,
                              reason="bukan URL http(s)")
    return value


def get_settings() -> SiasnSettings | None:
    return db.session.get(SiasnSettings, 1)


def view() -> dict:
    """What a page or the API may show: the plain fields, which secrets are set (never their values) and the
    last check."""
    row = get_settings()
    if row is None:
        return {"configured": False, **dict.fromkeys(PLAIN_FIELDS), "secrets_set": dict.fromkeys(SECRET_FIELDS, False),
                "checked_at": None, "check_ok": None, "check_message": None, "updated_at": None, "updated_by": None}
    try:
        stored = secrets.open_sealed(row.secrets, tenant=current_tenant().slug)
        readable = True
    except secrets.SecretsUnreadable:
        stored, readable = {}, False
    return {"configured": True, "base_url": row.base_url, "sso_url": row.sso_url, "client_id": row.client_id,
            "instansi_id": row.instansi_id, "secrets_set": {f: bool(stored.get(f)) for f in SECRET_FIELDS},
            "secrets_readable": readable, "checked_at": row.checked_at, "check_ok": row.check_ok,
            "check_message": row.check_message, "updated_at": row.updated_at, "updated_by": row.updated_by}


def save(*, base_url: str, instansi_id: str, client_id: str, sso_url: str | None = None, updated_by: str | None = None,
         **given_secrets) -> dict:
    """Store the settings. A secret left empty keeps the stored one (the form never shows it back), so an admin
    can change the URL without typing the password again; a first save needs all four."""
    row = get_settings()
    tenant = current_tenant().slug
    stored: dict = {}
    if row is not None:
        try:
            stored = secrets.open_sealed(row.secrets, tenant=tenant)
        except secrets.SecretsUnreadable:
            stored = {}
    values = {f: (given_secrets.get(f) or "").strip() or stored.get(f) for f in SECRET_FIELDS}
    missing = [f for f in SECRET_FIELDS if not values[f]]
    if missing:
        raise Problem.invalid("Kunci dan kredensial SIASN wajib diisi.",
                              errors=[{"field": f, "reason": "wajib diisi"} for f in missing])
    if not (instansi_id or "").strip():
        raise Problem.invalid("Id instansi SIASN wajib diisi.", field="instansi_id", reason="wajib diisi")
    if not (client_id or "").strip():
        raise Problem.invalid("Client id SSO wajib diisi.", field="client_id", reason="wajib diisi")
    before = _audited(row)
    changed_secrets = sorted(f for f in SECRET_FIELDS if values[f] != stored.get(f))
    if row is None:
        row = SiasnSettings(id=1)
        db.session.add(row)
    row.base_url = _url(base_url, "base_url", required=True)
    row.sso_url = _url(sso_url, "sso_url", required=False)
    row.client_id, row.instansi_id = client_id.strip(), instansi_id.strip()
    row.secrets, row.key_id = secrets.seal(values, tenant=tenant), secrets.key_id()
    row.updated_by = updated_by
    row.checked_at = row.check_ok = row.check_message = None
    db.session.flush()
    # The audit says which secrets changed, never their values.
    audit.record("siasn.settings", "siasn_settings", 1, before=before,
                 after={**_audited(row), "secrets_changed": changed_secrets})
    return view()


def _audited(row: SiasnSettings | None) -> dict | None:
    return None if row is None else audit.snapshot(row, PLAIN_FIELDS)


def connection() -> Connection:
    """The region's connection with its secrets opened, for the client; a Problem when there is none."""
    row = get_settings()
    if row is None:
        raise Problem.conflict("Koneksi SIASN wilayah ini belum diatur (Pengaturan SIASN).",
                               type_="siasn-not-configured")
    try:
        values = secrets.open_sealed(row.secrets, tenant=current_tenant().slug)
    except secrets.SecretsUnreadable as exc:
        raise Problem.conflict(f"Kredensial SIASN harus diisi ulang: {exc}.", type_="siasn-secrets-unreadable") from exc
    return Connection(base_url=row.base_url, sso_url=row.sso_url, client_id=row.client_id,
                      instansi_id=row.instansi_id, **values)


def client() -> SiasnClient:
    return SiasnClient(connection(), timeout=current_app.config.get("SIASN_TIMEOUT", 15))


def check() -> dict:
    """The "check connection" button: fetch both tokens now, record the outcome (and who asked, in the audit)."""
    row = get_settings()
    c = client()
    try:
        c.check()
        ok, message = True, "Terhubung: token gateway dan token SSO diperoleh."
    except SiasnError as exc:
        ok, message = False, exc.message
    row.checked_at, row.check_ok, row.check_message = datetime.now(UTC), ok, message
    db.session.flush()
    audit.record("siasn.check", "siasn_settings", 1, after={"check_ok": ok, "check_message": message})
    return view()

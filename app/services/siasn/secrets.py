"""Encrypting a region's SIASN credentials at rest (Fernet: AES-128-CBC + HMAC-SHA256, from `cryptography`).

The key is never in the database: KOMPETEN_SECRETS_KEY (a Fernet key, `Fernet.generate_key()`), else one derived
from SECRET_KEY for this one purpose: urlsafe_b64encode(HMAC-SHA256(SECRET_KEY, "kompeten:siasn-secrets:v1")).
Set KOMPETEN_SECRETS_KEY (and keep it) so stored credentials survive a SECRET_KEY rotation; otherwise the admin
enters them again. The region's slug is sealed inside the encrypted value and checked on opening, so a value
copied into another region's table does not open there.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json

from cryptography.fernet import Fernet, InvalidToken
from flask import current_app

_CONTEXT = b"kompeten:siasn-secrets:v1"


class SecretsUnreadable(ValueError):
    """The stored credentials do not open with this installation's key (changed since they were saved)."""


def _key() -> bytes:
    configured = current_app.config.get("SECRETS_KEY")
    if configured:
        return configured.encode() if isinstance(configured, str) else bytes(configured)
    secret = current_app.config["SECRET_KEY"]
    secret = secret.encode() if isinstance(secret, str) else bytes(secret)
    return base64.urlsafe_b64encode(hmac.new(secret, _CONTEXT, hashlib.sha256).digest())


def key_id() -> str:
    """A short name of the key (not the key): tells which key sealed a value."""
    return hashlib.sha256(b"key-id:" + _key()).hexdigest()[:12]


def seal(values: dict, *, tenant: str) -> bytes:
    return Fernet(_key()).encrypt(json.dumps({"tenant": tenant, "values": values}).encode())


def open_sealed(token: bytes, *, tenant: str) -> dict:
    try:
        data = json.loads(Fernet(_key()).decrypt(bytes(token)))
    except InvalidToken as exc:
        raise SecretsUnreadable("kredensial SIASN tersimpan tidak bisa dibuka dengan kunci saat ini") from exc
    if data.get("tenant") != tenant:
        raise SecretsUnreadable("kredensial SIASN tersimpan milik wilayah lain")
    return data["values"]

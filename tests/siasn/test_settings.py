"""Connection settings: entered by the region's admin, stored encrypted with a key outside the database, never
shown back, and checked by fetching SIASN's two tokens."""

from __future__ import annotations

import sqlalchemy as sa
from cryptography.fernet import Fernet

from app.extensions import db
from app.services.siasn import secrets
from app.tenancy import tenant_context
from tests.siasn.conftest import MALANG, connect, settings_body

SECRET_VALUES = ("ck-uji", "cs-uji", "operator-uji", "sandi-uji")


def _raw_row() -> dict:
    with tenant_context(MALANG):
        return dict(db.session.execute(sa.text("SELECT * FROM siasn_settings")).mappings().one())


def test_settings_are_stored_encrypted_and_never_shown_back(client, malang, standin, app):
    body = connect(client, standin)
    assert body["configured"] and body["secrets_set"] == dict.fromkeys(
        ("consumer_key", "consumer_secret", "username", "password"), True)
    for text in (client.get(f"/t/{MALANG}/api/v1/siasn/settings").get_data(as_text=True),
                 client.get(f"/t/{MALANG}/siasn/pengaturan").get_data(as_text=True)):
        assert standin.url in text
        for secret in SECRET_VALUES:
            assert secret not in text

    raw = _raw_row()
    blob = bytes(raw["secrets"])
    for secret in SECRET_VALUES:
        assert secret.encode() not in blob
        assert secret not in str(raw)
    # It is a Fernet token under the key derived from SECRET_KEY (no KOMPETEN_SECRETS_KEY in tests) ...
    with app.test_request_context(), tenant_context(MALANG):
        assert secrets.open_sealed(blob, tenant=MALANG)["password"] == "sandi-uji"
        assert raw["key_id"] == secrets.key_id()
        # ... which does not open in another region, nor with another key.
        try:
            secrets.open_sealed(blob, tenant="kab-serang")
            raise AssertionError("opened for another region")
        except secrets.SecretsUnreadable:
            pass
    try:
        Fernet(Fernet.generate_key()).decrypt(blob)
        raise AssertionError("opened with another key")
    except Exception as exc:  # noqa: BLE001 - InvalidToken
        assert exc.__class__.__name__ == "InvalidToken"


def test_an_empty_secret_keeps_the_stored_one_and_the_audit_names_no_secret(client, malang, standin, audited):
    connect(client, standin)
    resp = client.put(f"/t/{MALANG}/api/v1/siasn/settings",
                      json=settings_body(standin, consumer_secret="", password="", instansi_id="BARU"))
    assert resp.status_code == 200 and resp.get_json()["instansi_id"] == "BARU"
    assert resp.get_json()["secrets_set"]["password"] is True
    assert client.post(f"/t/{MALANG}/api/v1/siasn/settings/check").get_json()["check_ok"] is True
    entries = [e for e in audited if e["action"] == "siasn.settings"]
    assert len(entries) == 2 and entries[1]["after"]["instansi_id"] == "BARU"
    assert entries[0]["after"]["secrets_changed"] == ["consumer_key", "consumer_secret", "password", "username"]
    assert entries[1]["after"]["secrets_changed"] == []
    for secret in SECRET_VALUES:
        assert secret not in str(entries)


def test_a_first_save_needs_every_secret(client, malang, standin):
    resp = client.put(f"/t/{MALANG}/api/v1/siasn/settings", json=settings_body(standin, password=""))
    assert resp.status_code == 422
    assert [e["field"] for e in resp.get_json()["errors"]] == ["password"]


def test_check_connection_says_what_siasn_said(client, malang, standin):
    connect(client, standin)
    ok = client.post(f"/t/{MALANG}/api/v1/siasn/settings/check").get_json()
    assert ok["check_ok"] is True and standin.count("POST", "/oauth2/token") == 1
    client.put(f"/t/{MALANG}/api/v1/siasn/settings", json=settings_body(standin, password="salah"))
    bad = client.post(f"/t/{MALANG}/api/v1/siasn/settings/check").get_json()
    assert bad["check_ok"] is False and "Invalid user credentials" in bad["check_message"]
    page = client.get(f"/t/{MALANG}/siasn/pengaturan").get_data(as_text=True)
    assert "Invalid user credentials" in page and "salah" not in page

"""The SIASN web-service client: real HTTP (requests), the same code a region uses against BKN.

Every API call carries two tokens (as ws-siasn-php and laravel-siasn-simpeg-api send them): the WSO2 gateway's
(`POST {base}/oauth2/token`, HTTP basic consumer key:secret, grant_type=client_credentials) as
`Authorization: Bearer …`, and the SSO's (`POST {sso}/auth/realms/public-siasn/protocol/openid-connect/token`,
grant_type=password with client_id, username, password) as `Auth: bearer …`. Tokens are cached per process until
shortly before they expire and renewed then, or at once when SIASN answers 401.

Errors: `SiasnUnavailable` (no answer, timeout, 5xx: worth retrying later) and `SiasnRefused` (SIASN answered and
said no: its own message is kept for the operator).
"""

from __future__ import annotations

import hashlib
import threading
import time
from dataclasses import dataclass

import requests

API_PREFIX = "/apisiasn/1.0"
SSO_PATH = "/auth/realms/public-siasn/protocol/openid-connect/token"
EXPIRY_MARGIN = 30  # seconds: a token this close to expiring is renewed before use


class SiasnError(Exception):
    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.message, self.status = message, status


class SiasnUnavailable(SiasnError):
    """SIASN did not answer usefully (connection refused, timeout, 5xx): retry later."""


class SiasnRefused(SiasnError):
    """SIASN answered and refused (4xx, success=false, unknown NIP): its message says why."""


@dataclass(frozen=True)
class Connection:
    base_url: str  # the API gateway, e.g. https://apimws.bkn.go.id:8243 (WSO2 token at {base_url}/oauth2/token)
    sso_url: str | None  # the SSO server, e.g. https://sso-siasn.bkn.go.id (default: base_url)
    client_id: str
    instansi_id: str
    consumer_key: str
    consumer_secret: str
    username: str
    password: str

    def cache_key(self, kind: str) -> str:
        raw = "\0".join((kind, self.base_url, self.sso_url or "", self.client_id, self.consumer_key, self.username,
                         hashlib.sha256((self.consumer_secret + "\0" + self.password).encode()).hexdigest()))
        return hashlib.sha256(raw.encode()).hexdigest()


class _TokenCache:
    """Per-process: {key: (token, expires at monotonic)}; one lock, so concurrent callers fetch a token once."""

    def __init__(self) -> None:
        self.tokens: dict[str, tuple[str, float]] = {}
        self.lock = threading.Lock()

    def get(self, key: str, fetch) -> str:
        with self.lock:
            found = self.tokens.get(key)
            if found and found[1] - EXPIRY_MARGIN > time.monotonic():
                return found[0]
            token, expires_in = fetch()
            self.tokens[key] = (token, time.monotonic() + max(float(expires_in), EXPIRY_MARGIN + 1))
            return token

    def drop(self, *keys: str) -> None:
        with self.lock:
            for key in keys:
                self.tokens.pop(key, None)

    def drop_if(self, key: str, token: str) -> None:
        """Forget `token` if it is still the cached one: of many callers refused with the same expired token, the
        first makes the next caller fetch a new one, the others then use that one."""
        with self.lock:
            found = self.tokens.get(key)
            if found and found[0] == token:
                del self.tokens[key]


TOKENS = _TokenCache()


def _message(resp: requests.Response) -> str:
    try:
        body = resp.json()
    except ValueError:
        return (resp.text or resp.reason or "").strip()[:500]
    if isinstance(body, dict):
        return str(body.get("message") or body.get("error_description") or body.get("description")
                   or body.get("error") or body)[:500]
    return str(body)[:500]


class SiasnClient:
    def __init__(self, conn: Connection, *, timeout: float = 15.0, session: requests.Session | None = None) -> None:
        self.conn = conn
        self.timeout = timeout
        self.http = session or requests.Session()
        adapter = requests.adapters.HTTPAdapter(pool_connections=4, pool_maxsize=64)
        self.http.mount("http://", adapter)
        self.http.mount("https://", adapter)

    # --- tokens ------------------------------------------------------------------------------------------

    def _post_token(self, url: str, **kwargs) -> tuple[str, float]:
        try:
            resp = self.http.post(url, timeout=self.timeout, headers={"Accept": "application/json"}, **kwargs)
        except requests.RequestException as exc:
            raise SiasnUnavailable(f"server token SIASN tidak dapat dihubungi: {exc.__class__.__name__}") from exc
        if resp.status_code >= 500:
            raise SiasnUnavailable(f"server token SIASN menjawab {resp.status_code}", resp.status_code)
        if resp.status_code != 200:
            raise SiasnRefused(f"token ditolak: {_message(resp)}", resp.status_code)
        body = resp.json()
        return body["access_token"], body.get("expires_in") or 3600

    def _wso_token(self) -> str:
        return TOKENS.get(self.conn.cache_key("wso"), lambda: self._post_token(
            self.conn.base_url.rstrip("/") + "/oauth2/token", auth=(self.conn.consumer_key, self.conn.consumer_secret),
            data={"grant_type": "client_credentials"}))

    def _sso_token(self) -> str:
        base = (self.conn.sso_url or self.conn.base_url).rstrip("/")
        return TOKENS.get(self.conn.cache_key("sso"), lambda: self._post_token(
            base + SSO_PATH, data={"grant_type": "password", "client_id": self.conn.client_id,
                                   "username": self.conn.username, "password": self.conn.password}))

    def check(self) -> None:
        """Fetch both tokens afresh (the "check connection" button): raises SiasnError when either fails."""
        TOKENS.drop(self.conn.cache_key("wso"), self.conn.cache_key("sso"))
        self._wso_token()
        self._sso_token()

    # --- calls ---------------------------------------------------------------------------------------------

    def _call(self, method: str, path: str, *, json: dict | None = None, renewed: bool = False) -> dict:
        wso, sso = self._wso_token(), self._sso_token()
        headers = {"Authorization": f"Bearer {wso}", "Auth": f"bearer {sso}", "Accept": "application/json"}
        url = self.conn.base_url.rstrip("/") + API_PREFIX + path
        try:
            resp = self.http.request(method, url, json=json, headers=headers, timeout=self.timeout)
        except requests.RequestException as exc:
            raise SiasnUnavailable(f"SIASN tidak dapat dihubungi ({exc.__class__.__name__})") from exc
        if resp.status_code == 401 and not renewed:  # a token expired early or was revoked: renew both, once
            TOKENS.drop_if(self.conn.cache_key("wso"), wso)
            TOKENS.drop_if(self.conn.cache_key("sso"), sso)
            return self._call(method, path, json=json, renewed=True)
        if resp.status_code >= 500 or resp.status_code == 429:
            raise SiasnUnavailable(f"SIASN menjawab {resp.status_code}: {_message(resp)}", resp.status_code)
        if resp.status_code >= 400:
            raise SiasnRefused(_message(resp), resp.status_code)
        try:
            body = resp.json()
        except ValueError as exc:
            raise SiasnUnavailable("SIASN menjawab bukan JSON", resp.status_code) from exc
        if isinstance(body, dict) and body.get("success") is False:
            raise SiasnRefused(_message(resp), resp.status_code)
        return body

    def pns_orang_id(self, nip: str) -> str:
        body = self._call("GET", f"/pns/data-utama/{nip}")
        data = body.get("data") if isinstance(body, dict) else None
        if not data or not data.get("id"):
            raise SiasnRefused(body.get("message") or f"NIP {nip} tidak ditemukan di SIASN")
        return str(data["id"])

    def history(self, kind: str, nip: str) -> list[dict]:
        body = self._call("GET", f"/pns/rw-{kind}/{nip}")
        data = body.get("data") if isinstance(body, dict) else None
        return list(data or [])

    def save(self, kind: str, payload: dict) -> str:
        body = self._call("POST", f"/{kind}/save", json=payload)
        key = "rwDiklatId" if kind == "diklat" else "rwKursusId"
        found = (body.get("mapData") or {}).get(key) or payload.get("id")
        if not found:
            raise SiasnRefused(body.get("message") or "SIASN tidak mengembalikan id riwayat")
        return str(found)

    def get(self, kind: str, record_id: str) -> dict | None:
        try:
            body = self._call("GET", f"/{kind}/id/{record_id}")
        except SiasnRefused as exc:
            if exc.status == 404:
                return None
            raise
        return body.get("data")

    def delete(self, kind: str, record_id: str) -> bool:
        """True when deleted; False when SIASN no longer has it (a delete is safe to repeat)."""
        try:
            self._call("DELETE", f"/{kind}/delete/{record_id}")
        except SiasnRefused as exc:
            if exc.status == 404:
                return False
            raise
        return True

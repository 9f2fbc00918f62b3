"""A TEST STAND-IN for BKN's SIASN web services: never part of the app, never a production server.

BKN's servers cannot be reached from tests, so this small server speaks what public SIASN clients
(black-coffee04/ws-siasn-php, laravel-siasn-simpeg-api) send and read:

- WSO2 gateway token: `POST /oauth2/token` (HTTP basic auth consumer key:secret, grant_type=client_credentials)
  -> {"access_token", "expires_in", "token_type": "Bearer"}; sent back as `Authorization: Bearer <token>`.
- SSO token: `POST /auth/realms/public-siasn/protocol/openid-connect/token` (grant_type=password, client_id,
  username, password) -> {"access_token", "expires_in"}; sent back as `Auth: bearer <token>`.
- Under `/apisiasn/1.0`: `GET /pns/data-utama/{nip}` (data.id is the pnsOrangId), `POST /diklat/save`
  (answers mapData.rwDiklatId), `GET /diklat/id/{id}`, `DELETE /diklat/delete/{id}`, `POST /kursus/save`
  (answers mapData.rwKursusId), `GET /kursus/id/{id}`, `DELETE /kursus/delete/{id}`, `GET /pns/rw-diklat/{nip}`,
  `GET /pns/rw-kursus/{nip}`. Dates are d-m-Y.

Both tokens are checked on every API call and expire after `token_ttl` seconds (401 then). A save without an id
that repeats a record the person already has (same pnsOrangId and certificate number) is refused with a
message, as SIASN refuses duplicates. Switches: `latency` (seconds added to every call), `mode` = "ok" |
"down" (503) | "error" (500) | "slow" (sleeps `slow_seconds` before answering) | "refuse" (400 with a message),
`fail_next(n, mode)` for the next n API calls only, and `unknown_nips` (the PNS endpoint does not know them).

Run it in a thread: `standin = SiasnStandin(...).start()`; `standin.url`; `standin.stop()`. Or as a process
(`kompeten demo` does, when the repository's tests/ are there): `python -m tests.siasn_standin --port 8799
--consumer-key K --consumer-secret S --username U --password P`.
"""

from __future__ import annotations

import argparse
import secrets
import signal
import sys
import threading
import time
import uuid
from datetime import datetime

from flask import Flask, jsonify, request
from werkzeug.serving import WSGIRequestHandler, make_server

DIKLAT_FIELDS = ("bobot", "id", "institusiPenyelenggara", "jenisKompetensi", "jumlahJam", "latihanStrukturalId",
                 "nomor", "pnsOrangId", "tahun", "tanggal", "tanggalSelesai")
DIKLAT_REQUIRED = ("jumlahJam", "latihanStrukturalId", "nomor", "pnsOrangId", "tahun", "tanggal", "tanggalSelesai")
KURSUS_FIELDS = ("id", "instansiId", "institusiPenyelenggara", "jenisDiklatId", "jenisKursus", "jenisKursusSertipikat",
                 "jumlahJam", "lokasiId", "namaKursus", "nomorSertipikat", "pnsOrangId", "tahunKursus",
                 "tanggalKursus", "tanggalSelesaiKursus", "path")
KURSUS_REQUIRED = ("instansiId", "jenisDiklatId", "jumlahJam", "namaKursus", "nomorSertipikat", "pnsOrangId",
                   "tahunKursus", "tanggalKursus", "tanggalSelesaiKursus")
SSO_PATH = "/auth/realms/public-siasn/protocol/openid-connect/token"
API = "/apisiasn/1.0"


class _Quiet(WSGIRequestHandler):
    def log_request(self, *args, **kwargs) -> None:  # thousands of calls in the bench: no line per request
        pass


class SiasnStandin:
    def __init__(self, *, consumer_key: str = "ck-uji", consumer_secret: str = "cs-uji",  # noqa: S107 - test data
                 client_id: str = "kompeten", username: str = "operator-uji", password: str = "sandi-uji",
                 token_ttl: float = 3600, latency: float = 0.0, slow_seconds: float = 5.0) -> None:
        self.consumer_key, self.consumer_secret = consumer_key, consumer_secret
        self.client_id, self.username, self.password = client_id, username, password
        self.token_ttl, self.latency, self.slow_seconds = token_ttl, latency, slow_seconds
        self.mode = "ok"
        self.refuse_message = "Data tidak valid menurut SIASN"
        self.unknown_nips: set[str] = set()
        self.lock = threading.Lock()
        self.wso_tokens: dict[str, float] = {}  # token -> expires at (monotonic)
        self.sso_tokens: dict[str, float] = {}
        self.diklat: dict[str, dict] = {}  # rwDiklatId -> record
        self.kursus: dict[str, dict] = {}  # rwKursusId -> record
        self.people: dict[str, dict] = {}  # nip -> {"id": pnsOrangId, ...}
        self.calls: list[tuple[str, str]] = []  # (method, path) of every request, tokens included
        self.created = 0  # records created by a save (not refused, not updates)
        self.updated = 0  # saves with an id
        self._fail: list[str] = []
        self._server = None
        self._thread: threading.Thread | None = None
        self.app = self._build()

    # --- control ----------------------------------------------------------------------------------------

    def start(self) -> SiasnStandin:
        self._server = make_server("127.0.0.1", 0, self.app, threaded=True, request_handler=_Quiet)
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_port}"
        self._thread = threading.Thread(target=self._server.serve_forever, name="siasn-standin", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def fail_next(self, n: int, mode: str = "error") -> None:
        with self.lock:
            self._fail.extend([mode] * n)

    def expire_tokens(self) -> None:
        with self.lock:
            self.wso_tokens = dict.fromkeys(self.wso_tokens, 0.0)
            self.sso_tokens = dict.fromkeys(self.sso_tokens, 0.0)

    def pns_orang_id(self, nip: str) -> str:
        return self._person(nip)["id"]

    def add_diklat(self, nip: str, **fields) -> str:
        """Put a record straight into SIASN (as if a BKN operator had typed it): returns its id."""
        record = {**dict.fromkeys(DIKLAT_FIELDS), **fields, "pnsOrangId": self.pns_orang_id(nip),
                  "id": str(uuid.uuid4())}
        with self.lock:
            self.diklat[record["id"]] = record
        return record["id"]

    def add_kursus(self, nip: str, **fields) -> str:
        record = {**dict.fromkeys(KURSUS_FIELDS), **fields, "pnsOrangId": self.pns_orang_id(nip),
                  "id": str(uuid.uuid4())}
        with self.lock:
            self.kursus[record["id"]] = record
        return record["id"]

    def records_of(self, nip: str) -> list[dict]:
        pid = self.pns_orang_id(nip)
        with self.lock:
            return [r for r in (*self.diklat.values(), *self.kursus.values()) if r["pnsOrangId"] == pid]

    def count(self, method: str, prefix: str) -> int:
        with self.lock:
            return sum(1 for m, p in self.calls if m == method and p.startswith(prefix))

    # --- the server ---------------------------------------------------------------------------------------

    def _person(self, nip: str) -> dict:
        with self.lock:
            if nip not in self.people:
                self.people[nip] = {"id": str(uuid.uuid5(uuid.NAMESPACE_OID, f"pns:{nip}")).upper(), "nipBaru": nip}
            return self.people[nip]

    def _issue(self, store: dict[str, float]) -> dict:
        token = secrets.token_urlsafe(24)
        with self.lock:
            store[token] = time.monotonic() + self.token_ttl
        return {"access_token": token, "expires_in": int(self.token_ttl), "token_type": "Bearer"}

    def _valid(self, store: dict[str, float], header: str, scheme: str) -> bool:
        value = request.headers.get(header, "")
        if not value.startswith(scheme + " "):
            return False
        with self.lock:
            expires = store.get(value[len(scheme) + 1:])
        return expires is not None and expires > time.monotonic()

    def _build(self) -> Flask:  # noqa: C901 - one place for the whole fake API
        app = Flask("siasn_standin")
        standin = self

        @app.before_request
        def _record_and_delay():
            with standin.lock:
                standin.calls.append((request.method, request.path))
            if standin.latency:
                time.sleep(standin.latency)
            return None

        @app.post("/oauth2/token")
        def wso_token():
            auth = request.authorization
            if (request.form.get("grant_type") != "client_credentials" or auth is None
                    or (auth.username, auth.password) != (standin.consumer_key, standin.consumer_secret)):
                return jsonify(error="invalid_client", error_description="Client Authentication failed."), 401
            return jsonify(standin._issue(standin.wso_tokens))

        @app.post(SSO_PATH)
        def sso_token():
            form = request.form
            if (form.get("grant_type") != "password" or form.get("client_id") != standin.client_id
                    or (form.get("username"), form.get("password")) != (standin.username, standin.password)):
                return jsonify(error="invalid_grant", error_description="Invalid user credentials"), 401
            return jsonify(standin._issue(standin.sso_tokens))

        @app.before_request
        def _api_checks():
            if not request.path.startswith(API):
                return None
            with standin.lock:
                mode = standin._fail.pop(0) if standin._fail else standin.mode
            if mode == "down":
                return jsonify(message="Service Unavailable"), 503
            if mode == "error":
                return jsonify(message="Internal Server Error"), 500
            if mode == "slow":
                time.sleep(standin.slow_seconds)
            if not standin._valid(standin.wso_tokens, "Authorization", "Bearer"):
                return jsonify(code=900901, message="Invalid Credentials",
                               description="Access failure for API: /apisiasn/1.0, invalid or expired token"), 401
            if not standin._valid(standin.sso_tokens, "Auth", "bearer"):
                return jsonify(code=0, message="invalid token SSO"), 401
            if mode == "refuse" and request.method == "POST":
                return jsonify(success=False, message=standin.refuse_message), 400
            return None

        @app.get(f"{API}/pns/data-utama/<nip>")
        def data_utama(nip):
            if nip in standin.unknown_nips:
                return jsonify(code=0, data=None, message="Data PNS tidak ditemukan")
            return jsonify(code=1, data=standin._person(nip), message="success")

        def _save(store: dict, fields, required, nomor_key: str, id_key: str, body: dict):
            missing = [f for f in required if body.get(f) in (None, "")]
            if missing:
                return jsonify(success=False, message=f"{', '.join(missing)} wajib diisi"), 400
            for key in ("tanggal", "tanggalSelesai", "tanggalKursus", "tanggalSelesaiKursus"):
                if body.get(key):
                    try:
                        datetime.strptime(body[key], "%d-%m-%Y")
                    except ValueError:
                        return jsonify(success=False, message=f"format {key} harus dd-mm-yyyy"), 400
            record = {**dict.fromkeys(fields), **{k: body.get(k) for k in fields}}
            with standin.lock:
                if body.get("id"):
                    if body["id"] not in store:
                        return jsonify(success=False, message="Data riwayat tidak ditemukan"), 400
                    store[body["id"]] = record
                    standin.updated += 1
                    return jsonify(success=True, message="success", mapData={id_key: body["id"]})
                if any(r["pnsOrangId"] == body["pnsOrangId"] and r[nomor_key] == body[nomor_key]
                       for r in store.values()):
                    return jsonify(success=False, message=f"Data riwayat dengan nomor {body[nomor_key]} sudah ada"), 400
                record["id"] = str(uuid.uuid4())
                store[record["id"]] = record
                standin.created += 1
            return jsonify(success=True, message="success", mapData={id_key: record["id"]})

        @app.post(f"{API}/diklat/save")
        def diklat_save():
            return _save(standin.diklat, DIKLAT_FIELDS, DIKLAT_REQUIRED, "nomor", "rwDiklatId", request.get_json())

        @app.post(f"{API}/kursus/save")
        def kursus_save():
            return _save(standin.kursus, KURSUS_FIELDS, KURSUS_REQUIRED, "nomorSertipikat", "rwKursusId",
                         request.get_json())

        def _get(store, rid):
            with standin.lock:
                record = store.get(rid)
            if record is None:
                return jsonify(code=0, data=None, message="Data tidak ditemukan"), 404
            return jsonify(code=1, data=record)

        def _delete(store, rid):
            with standin.lock:
                found = store.pop(rid, None)
            if found is None:
                return jsonify(success=False, message="Data tidak ditemukan"), 404
            return jsonify(success=True, message="success")

        app.add_url_rule(f"{API}/diklat/id/<rid>", "diklat_get", lambda rid: _get(standin.diklat, rid))
        app.add_url_rule(f"{API}/kursus/id/<rid>", "kursus_get", lambda rid: _get(standin.kursus, rid))
        app.add_url_rule(f"{API}/diklat/delete/<rid>", "diklat_delete", lambda rid: _delete(standin.diklat, rid),
                         methods=["DELETE"])
        app.add_url_rule(f"{API}/kursus/delete/<rid>", "kursus_delete", lambda rid: _delete(standin.kursus, rid),
                         methods=["DELETE"])

        def _history(store, nip):
            pid = standin._person(nip)["id"]
            with standin.lock:
                return jsonify(code=1, data=[dict(r) for r in store.values() if r["pnsOrangId"] == pid])

        app.add_url_rule(f"{API}/pns/rw-diklat/<nip>", "rw_diklat", lambda nip: _history(standin.diklat, nip))
        app.add_url_rule(f"{API}/pns/rw-kursus/<nip>", "rw_kursus", lambda nip: _history(standin.kursus, nip))
        return app



def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="A TEST STAND-IN for BKN's SIASN web services (never production).")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8799)
    for name in ("consumer-key", "consumer-secret", "client-id", "username", "password"):
        parser.add_argument(f"--{name}")
    parser.add_argument("--latency", type=float, default=0.0)
    args = parser.parse_args(argv)
    given = {k: v for k, v in vars(args).items() if k in ("consumer_key", "consumer_secret", "client_id", "username",
                                                           "password") and v}
    standin = SiasnStandin(latency=args.latency, **given)
    server = make_server(args.host, args.port, standin.app, threaded=True)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    print(f"SIASN test stand-in on http://{args.host}:{args.port}", flush=True)
    try:
        server.serve_forever()
    except (KeyboardInterrupt, SystemExit):
        pass
    finally:
        server.server_close()


if __name__ == "__main__":
    main()

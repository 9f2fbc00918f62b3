"""Benchmark of logging in and of the authorisation check. Prints figures; asserts nothing.

    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres REDIS_URL=redis://127.0.0.1:6379/0 \
        python bench/auth.py [--logins 40] [--rounds 2000] [--keep]

Measures: one argon2id verify with the parameters of app/services/passwords.py (target ~50-100 ms) and a few
alternative parameter sets; the latency of a JSON login (successful, and failed for an unknown user); and what
authentication plus the authorisation check add to a small tenant GET: the same probe route with
@policy(PUBLIC) and with @policy("training:read") called with a Bearer token or a session cookie (target
< 1 ms). Creates its own database (kompeten_bench_auth), dropped at the end unless --keep; its Redis keys use
their own prefix and are deleted.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
import timeit
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg
import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import create_database, drop_database, machine, percentile, server_url, with_database  # noqa: E402

DB_NAME = "kompeten_bench_auth"
SLUG = "kota-bench-auth"
PASSWORD = "bench-kata-sandi-panjang-7"  # noqa: S105 - bench data
# (time_cost, memory_cost KiB, parallelism): the app's, and candidates around the 50-100 ms window.
CANDIDATES = [(3, 65536, 2), (2, 65536, 2), (1, 65536, 1), (3, 47104, 1), (2, 47104, 1), (1, 47104, 1),
              (2, 19456, 1), (3, 19456, 1)]


def make_app(url: str, prefix: str):
    from app import create_app

    return create_app({"SQLALCHEMY_DATABASE_URI": url.replace("postgresql://", "postgresql+psycopg://", 1),
                       "SECRET_KEY": "bench", "REDIS_URL": os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"),
                       "REDIS_KEY_PREFIX": prefix, "LOG_LEVEL": "WARNING"})


def ms(values: list[float]) -> str:
    return f"p50 {percentile(values, 50) * 1000:.1f} ms, p95 {percentile(values, 95) * 1000:.1f} ms (n={len(values)})"


# --- argon2 -----------------------------------------------------------------------------------------------------


def argon2_figures(samples: int) -> None:
    from argon2 import PasswordHasher

    from app.services.accounts import hashing as passwords

    hasher = passwords._hasher  # noqa: SLF001 - the bench reports the app's own parameters
    print(f"argon2id parameters (app/services/passwords.py): time_cost={hasher.time_cost}, "
          f"memory_cost={hasher.memory_cost} KiB ({hasher.memory_cost / 1024:.0f} MiB), "
          f"parallelism={hasher.parallelism}, hash_len={hasher.hash_len}, salt_len={hasher.salt_len}")
    stored = passwords.hash_password(PASSWORD)
    verify = []
    for _ in range(samples):
        t0 = time.perf_counter()
        assert passwords.verify_password(stored, PASSWORD)
        verify.append(time.perf_counter() - t0)
    unknown = []
    for _ in range(max(5, samples // 3)):
        t0 = time.perf_counter()
        assert not passwords.verify_password(None, PASSWORD)  # the dummy verify of an unknown user
        unknown.append(time.perf_counter() - t0)
    print(f"  verify, right password: {ms(verify)}")
    print(f"  verify, unknown user (dummy hash): {ms(unknown)}")
    print("  candidates (verify p50 over 7; target window 50-100 ms):")
    for t, m, p in CANDIDATES:
        candidate = PasswordHasher(time_cost=t, memory_cost=m, parallelism=p)
        h = candidate.hash(PASSWORD)
        runs = []
        for _ in range(7):
            t0 = time.perf_counter()
            candidate.verify(h, PASSWORD)
            runs.append(time.perf_counter() - t0)
        p50 = statistics.median(runs) * 1000
        mark = "in window" if 50 <= p50 <= 100 else ("too slow" if p50 > 100 else "too fast")
        current = "  <- current" if (t, m, p) == (hasher.time_cost, hasher.memory_cost, hasher.parallelism) else ""
        print(f"    t={t} m={m // 1024:>3} MiB p={p}: {p50:6.1f} ms  {mark}{current}")


# --- the app ----------------------------------------------------------------------------------------------------


def add_probe_routes(app) -> None:
    """The same small tenant read, once public and once needing `training:read` (what the API's GETs need)."""
    from app.authz import PUBLIC, policy
    from app.extensions import db

    def small():
        return {"n": db.session.execute(sa.text("SELECT count(*) FROM opds")).scalar_one()}

    app.add_url_rule("/t/<tenant_slug>/_bench_public", "bench_public", policy(PUBLIC)(lambda: small()))
    app.add_url_rule("/t/<tenant_slug>/_bench_read", "bench_read", policy("training:read")(lambda: small()))


def set_up(app) -> str:
    """Provision the region, an admin with a password, and a Bearer token for them; returns the token."""
    from app.auth import TOKEN_PREFIX, digest, new_secret
    from app.extensions import db
    from app.models.accounts import ApiToken, User
    from app.services.accounts.hashing import hash_password
    from app.services.admin import migrations
    from app.services.admin.provisioning import TenantSpec, provision
    from app.tenancy import tenant_context

    with app.app_context():
        migrations.upgrade_platform()
        provision(TenantSpec.from_mapping({
            "slug": SLUG, "name": "Kota Bench Auth", "kind": "kota", "region_code": "99.72", "province_code": "99",
            "province_name": "Provinsi Bench", "agency": "BKPSDM Bench", "partners": []}))
        token = TOKEN_PREFIX + new_secret()
        with tenant_context(SLUG):
            user = User(username="bench-admin", full_name="Bench Admin", role="admin",
                        password_hash=hash_password(PASSWORD))
            db.session.add(user)
            db.session.flush()
            db.session.add(ApiToken(user_id=user.id, name="bench", token_hash=digest(token), prefix=token[:12],
                                    role="admin", expires_at=datetime.now(UTC) + timedelta(days=1)))
            db.session.commit()
    return token


def login_figures(app, n: int) -> None:
    """Each request runs outside any app context (as under gunicorn), so nothing is cached between them."""
    url = f"/t/{SLUG}/api/v1/auth/login"
    ok, bad = [], []
    for i in range(n + 3):
        client = app.test_client()
        t0 = time.perf_counter()
        resp = client.post(url, json={"username": "bench-admin", "password": PASSWORD})
        elapsed = time.perf_counter() - t0
        assert resp.status_code == 200, resp.get_data(as_text=True)
        if i >= 3:
            ok.append(elapsed)
    for i in range(max(10, n // 2)):
        client = app.test_client()
        t0 = time.perf_counter()
        resp = client.post(url, json={"username": f"tidak-ada-{i}", "password": PASSWORD},
                           environ_base={"REMOTE_ADDR": f"10.200.{i // 250}.{i % 250 + 1}"})
        bad.append(time.perf_counter() - t0)
        assert resp.status_code == 401, resp.status_code
    print(f"JSON login, right password (argon2 verify, throttle check in Redis, session row, audit, commit): {ms(ok)}")
    print(f"JSON login, unknown user (dummy verify, failure counted in Redis): {ms(bad)}")


def authz_figures(app, token: str, rounds: int) -> dict:
    """p50 of the same small GET: public (no credentials), public with the token ignored, and needing
    training:read with a Bearer token and with a session cookie; the differences are what auth adds."""
    anon = app.test_client(use_cookies=False)
    cookie = app.test_client()
    resp = cookie.post(f"/t/{SLUG}/api/v1/auth/login", json={"username": "bench-admin", "password": PASSWORD})
    assert resp.status_code == 200
    bearer = {"Authorization": f"Bearer {token}"}
    cases = {
        "public, no credentials": (anon, "_bench_public", {}),
        "public, Bearer header sent": (anon, "_bench_public", bearer),
        "training:read, Bearer token": (anon, "_bench_read", bearer),
        "training:read, session cookie": (cookie, "_bench_read", {}),
        "training:read, no credentials (401)": (anon, "_bench_read", {}),
    }
    samples: dict[str, list[float]] = {label: [] for label in cases}
    for _ in range(50):  # warm-up
        for client, path, headers in cases.values():
            client.get(f"/t/{SLUG}/{path}", headers=headers)
    for _ in range(rounds):
        for label, (client, path, headers) in cases.items():
            t0 = time.perf_counter()
            resp = client.get(f"/t/{SLUG}/{path}", headers=headers)
            samples[label].append(time.perf_counter() - t0)
            assert resp.status_code == (401 if label.endswith("(401)") else 200), (label, resp.status_code)
    base = statistics.median(samples["public, no credentials"])
    print(f"authorisation cost on a small tenant GET ({rounds} rounds, p50; difference to public, no credentials):")
    for label, values in samples.items():
        p50 = statistics.median(values)
        print(f"  {label:<38} p50 {p50 * 1000:.3f} ms  p95 {percentile(values, 95) * 1000:.3f} ms  "
              f"added {(p50 - base) * 1000:+.3f} ms")
    return {label: statistics.median(values) - base for label, values in samples.items()}


def lookup_figure(app, token: str, rounds: int) -> None:
    """The Bearer look-up alone: app.auth.load_bearer (its one query) inside an open tenant transaction."""
    from flask import request

    from app.auth import load_bearer
    from app.extensions import db
    from app.tenancy import tenant_context

    with app.test_request_context(f"/t/{SLUG}/_bench_read", headers={"Authorization": f"Bearer {token}"}), \
            tenant_context(SLUG):
        db.session.execute(sa.text("SELECT 1"))  # the transaction (and its SET LOCAL) is already open
        for _ in range(50):
            load_bearer(request)
        samples = []
        for _ in range(rounds):
            t0 = time.perf_counter()
            principal = load_bearer(request)
            samples.append(time.perf_counter() - t0)
        assert principal is not None
        db.session.rollback()
    print(f"the Bearer look-up alone (load_bearer: one indexed query in an open transaction): "
          f"p50 {statistics.median(samples) * 1000:.3f} ms, p95 {percentile(samples, 95) * 1000:.3f} ms")


def decision_figure() -> None:
    """The decision alone (policy look-up + role table), without the credential look-up."""
    from app.auth import Principal
    from app.authz import permissions_of, required_permission

    def view():
        return None

    view.kompeten_policy = "training:read"
    principal = Principal(kind="tenant", user_id=1, username="x", role="operator", tenant_id=1, token_id=1)
    n = 200_000
    seconds = timeit.timeit(lambda: required_permission("employees.list", "GET", view) in permissions_of(principal),
                            number=n)
    print(f"the decision alone (required_permission + permissions_of): {seconds / n * 1e6:.2f} µs")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--logins", type=int, default=40)
    parser.add_argument("--rounds", type=int, default=2000)
    parser.add_argument("--verifies", type=int, default=30)
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()
    server = server_url()
    url = with_database(server, DB_NAME)
    create_database(with_database(server, "postgres"), DB_NAME)
    with psycopg.connect(url) as conn:
        pg_version = conn.execute("SHOW server_version").fetchone()[0]
    print(f"{machine()}, PostgreSQL {pg_version}")
    print("load average before the run: {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))
    prefix = f"kompeten_bench_auth:{os.getpid()}"
    app = make_app(url, prefix)
    add_probe_routes(app)
    try:
        argon2_figures(args.verifies)
        token = set_up(app)
        login_figures(app, args.logins)
        authz_figures(app, token, args.rounds)
        lookup_figure(app, token, args.rounds)
        decision_figure()
    finally:
        from app.extensions import db
        from app.jobs import redis_connection

        with app.app_context():
            redis = redis_connection()
            for key in redis.scan_iter(f"{prefix}:*"):
                redis.delete(key)
            db.session.remove()
            db.engine.dispose()
        if not args.keep:
            drop_database(with_database(server, "postgres"), DB_NAME)


if __name__ == "__main__":
    main()

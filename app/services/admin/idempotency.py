"""`Idempotency-Key` for the admin API's POSTs (IETF draft-ietf-httpapi-idempotency-key-header).

The key is claimed with an INSERT (unique per platform user and key) committed before the work starts, so of
concurrent requests exactly one does the work, whatever process they reach. Then:
- same key, same request (method, path, body) after the first finished → its response replayed, with the
  header `Idempotent-Replayed: true`;
- same key, same request while the first still runs → 409;
- same key, different request → 422 (the key was reused for another payload).
A first attempt that ends in a server error releases the key, so a retry can do the work; one whose process died
(no answer stored after ABANDONED_AFTER) is taken over by the next request. Keys live 24 hours.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

import sqlalchemy as sa

from app.extensions import db
from app.problems import Problem
from app.tenancy import no_tenant

MAX_KEY_LEN = 200
TTL_SQL = "interval '24 hours'"
ABANDONED_SQL = "interval '5 minutes'"  # far beyond a provisioning or a restore done inline (~0.1-2 s)


@dataclass
class Replay:
    status: int
    body: dict


def request_hash(method: str, path: str, body) -> str:
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(f"{method} {path}\n{canonical}".encode()).hexdigest()


def claim(user_id: int, key: str, method: str, path: str, body) -> Replay | None:
    """None: this request owns the key and does the work. A Replay: answer with it. Raises 409/422."""
    if not key or len(key) > MAX_KEY_LEN:
        raise Problem.invalid(f"Idempotency-Key: 1 to {MAX_KEY_LEN} characters",
                              errors=[{"field": "Idempotency-Key", "location": "headers",
                               "reason": f"1 to {MAX_KEY_LEN} characters"}])
    digest = request_hash(method, path, body)
    with no_tenant(), db.engine.begin() as conn:
        conn.execute(sa.text(f"DELETE FROM platform.idempotency_keys WHERE user_id = :u AND key = :k "  # noqa: S608
                             f"AND (created_at < now() - {TTL_SQL} "
                             f"OR (status_code IS NULL AND created_at < now() - {ABANDONED_SQL}))"),
                     {"u": user_id, "k": key})
        won = conn.execute(sa.text(
            "INSERT INTO platform.idempotency_keys (user_id, key, method, path, request_hash) "
            "VALUES (:u, :k, :m, :p, :h) ON CONFLICT (user_id, key) DO NOTHING RETURNING id"),
            {"u": user_id, "k": key, "m": method, "p": path, "h": digest}).first()
        if won is not None:
            return None
        row = conn.execute(sa.text("SELECT request_hash, status_code, response_body FROM platform.idempotency_keys "
                                   "WHERE user_id = :u AND key = :k"), {"u": user_id, "k": key}).first()
    if row is None:  # released meanwhile by a failed first attempt: try again
        return claim(user_id, key, method, path, body)
    if row.request_hash != digest:
        raise Problem.invalid("Idempotency-Key sudah dipakai untuk permintaan lain.", type_="idempotency-key-reused",
                              errors=[{"field": "Idempotency-Key", "location": "headers",
                               "reason": "already used with a different request"}])
    if row.status_code is None:
        raise Problem.conflict("Permintaan dengan Idempotency-Key ini masih diproses; coba lagi nanti.",
                               type_="idempotency-key-in-progress", headers={"Retry-After": "1"})
    return Replay(row.status_code, row.response_body)


def finish(user_id: int, key: str, status: int, body: dict) -> None:
    """Store the answer to replay (any final answer, 2xx or 4xx)."""
    with no_tenant(), db.engine.begin() as conn:
        conn.execute(sa.text("UPDATE platform.idempotency_keys SET status_code = :s, response_body = "
                             "CAST(:b AS jsonb) WHERE user_id = :u AND key = :k"),
                     {"s": status, "b": json.dumps(body, default=str), "u": user_id, "k": key})


def release(user_id: int, key: str) -> None:
    """The first attempt failed on our side: forget the key so that a retry does the work."""
    with no_tenant(), db.engine.begin() as conn:
        conn.execute(sa.text("DELETE FROM platform.idempotency_keys WHERE user_id = :u AND key = :k"),
                     {"u": user_id, "k": key})

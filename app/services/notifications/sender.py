"""The sender: claims due messages of the bound region's outbox and hands them to the SMTP server.

A claim is one short transaction: due rows (queued and due, or `sending` under a claim older than the lease: their
worker died) are picked with FOR UPDATE SKIP LOCKED, set to `sending` with the claim time and one more attempt, and
committed; two workers (or a second scheduler run) therefore never take the same message. Each message is then sent
and marked `sent` in its own commit, right after the server accepted it. A worker never sends from a claim older than
half the lease (it gives the rest of its batch back), so a claim taken over after the full lease is never also being
sent by a slow live worker; the lease must exceed half of itself plus the SMTP timeout (300 s against 30 s).
An SMTP failure puts the message back in
the queue with a backoff (`KOMPETEN_NOTIFY_RETRY_BACKOFF`, seconds between attempts); when the backoff is used up it
is `failed` and waits on the outbox page for a person to resend it. A 5xx answer about the message itself (unknown
mailbox) fails it at once.

What "never twice" covers: a message is sent again only when its worker was killed after the server accepted it and
before the `sent` mark committed (a window of one UPDATE); the Message-ID is the outbox key, so such a copy is
recognisably the same message."""

from __future__ import annotations

import logging
import os
import smtplib
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from flask import current_app

from app.extensions import db
from app.jobs import enqueue, redis_connection, tenant_job
from app.services.notifications import logo, outbox
from app.services.notifications import smtp as smtp_mod
from app.tenancy import current_tenant, tenant_context

log = logging.getLogger(__name__)

CLAIM_BATCH = 50
DEFAULT_BACKOFF = (30, 120, 600, 1800)  # after attempts 1..4; the 5th failure is final
DEFAULT_LEASE = 300  # seconds a claim holds before another worker may take the message over

_CLAIM_SQL = sa.text(
    "WITH due AS ("
    "  SELECT id FROM notification_outbox"
    "  WHERE (status = 'queued' AND next_attempt_at <= clock_timestamp())"
    "     OR (status = 'sending' AND claimed_at < clock_timestamp() - make_interval(secs => :lease))"
    "  ORDER BY id LIMIT :n FOR UPDATE SKIP LOCKED)"
    " UPDATE notification_outbox o SET status = 'sending', claimed_at = now(),"
    "   attempts = o.attempts + 1, updated_at = clock_timestamp()"
    " FROM due WHERE o.id = due.id"
    " RETURNING o.id, o.kind, o.person_key, o.object_key, o.period, o.recipient, o.recipient_name, o.subject,"
    "   o.body_text, o.body_html, o.ics, o.attempts, o.claimed_at"
)
# A batch's messages not sent within half the lease go back to the queue (the attempt not counted), so that no worker
# ever sends a message whose claim another worker may already have taken over.
_RELEASE_SQL = sa.text(
    "UPDATE notification_outbox SET status = 'queued', claimed_at = NULL, attempts = greatest(attempts - 1, 0),"
    " updated_at = clock_timestamp() WHERE id = ANY(:ids) AND status = 'sending' AND claimed_at = :claimed_at")
_SENT_SQL = sa.text(
    "UPDATE notification_outbox SET status = 'sent', sent_at = clock_timestamp(), last_error = NULL,"
    " updated_at = clock_timestamp() WHERE id = :id AND status = 'sending' AND claimed_at = :claimed_at")
_RETRY_SQL = sa.text(
    "UPDATE notification_outbox SET status = :status, last_error = :error, claimed_at = NULL,"
    " next_attempt_at = clock_timestamp() + make_interval(secs => :wait), updated_at = clock_timestamp()"
    " WHERE id = :id AND status = 'sending' AND claimed_at = :claimed_at")
# When the next message falls due: a queued one's next attempt, or the end of a claim's lease (its worker may be dead).
_NEXT_DUE_SQL = sa.text(
    "SELECT min(t) FROM (SELECT min(next_attempt_at) AS t FROM notification_outbox WHERE status = 'queued'"
    " UNION ALL SELECT min(claimed_at) + make_interval(secs => :lease) FROM notification_outbox"
    " WHERE status = 'sending') due")


def _setting(name: str, default: str) -> str:
    value = current_app.config.get(f"NOTIFY_{name}")
    if value in (None, ""):
        value = os.environ.get(f"KOMPETEN_NOTIFY_{name}", "")
    return str(value) if value not in (None, "") else default


def backoff() -> tuple[int, ...]:
    raw = _setting("RETRY_BACKOFF", ",".join(map(str, DEFAULT_BACKOFF)))
    return tuple(int(float(x)) for x in raw.split(",") if x.strip())


def lease_seconds() -> float:
    return float(_setting("LEASE", str(DEFAULT_LEASE)))


def message_key(row) -> str:
    """The Message-ID's left part: the outbox key of the region (stable across resends)."""
    parts = [current_tenant().slug, row.kind, row.person_key, row.object_key or "-", row.period or "-"]
    return ".".join(p.replace(":", "-").replace(" ", "_") for p in parts)


def sender_identity() -> smtp_mod.Sender:
    s = outbox.settings()
    return smtp_mod.Sender(name=s.sender_name or outbox.default_sender_name(), reply_to=s.reply_to,
                           bounce_address=s.bounce_address)


def claim(limit: int = CLAIM_BATCH) -> list:
    rows = db.session.execute(_CLAIM_SQL, {"n": limit, "lease": lease_seconds()}).all()
    db.session.commit()
    return sorted(rows, key=lambda r: r.id)


def _failed(row, exc: BaseException, waits: tuple[int, ...]) -> str:
    final = smtp_mod.is_permanent(exc) or row.attempts > len(waits)
    status = "failed" if final else "queued"
    wait = 0 if final else waits[row.attempts - 1]
    db.session.execute(_RETRY_SQL, {"id": row.id, "claimed_at": row.claimed_at, "status": status, "wait": wait,
                                    "error": smtp_mod.describe_error(exc)})
    db.session.commit()
    return status


def connections() -> int:
    """How many SMTP connections one sender job keeps busy at once (`KOMPETEN_NOTIFY_CONNECTIONS`, default 4): the
    sender mostly waits for the server and the database, so a few connections in parallel multiply its rate."""
    return max(1, int(_setting("CONNECTIONS", "4")))


def send_due(max_messages: int | None = None) -> dict:
    """Send what is due in the bound region's outbox, batch by batch, until nothing is due (or `max_messages`),
    over `connections()` SMTP connections in parallel (each with its own database session; the claims keep them
    apart). Returns counts: sent, queued (to retry), failed."""
    config = smtp_mod.smtp_config()
    done = {"sent": 0, "queued": 0, "failed": 0}
    if config is None:
        log.warning("no SMTP server configured (KOMPETEN_SMTP_HOST): messages wait in the outbox")
        return done
    sender, waits = sender_identity(), backoff()
    inline = logo.inline_logo()  # built once for the run, attached to each message that shows it
    db.session.commit()
    n = connections() if max_messages is None else 1
    if n == 1:
        results = [_send_loop(config, sender, waits, max_messages, inline)]
    else:
        app, tenant_id = current_app._get_current_object(), current_tenant().id

        def run() -> dict:
            with app.app_context(), tenant_context(tenant_id):
                try:
                    return _send_loop(config, sender, waits, None, inline)
                finally:
                    db.session.remove()

        with ThreadPoolExecutor(max_workers=n, thread_name_prefix="smtp") as pool:
            results = [f.result() for f in [pool.submit(run) for _ in range(n)]]
    for result in results:
        for key, value in result.items():
            done[key] += value
    if done["sent"] or done["queued"] or done["failed"]:
        log.info("outbox of %s: %d sent, %d to retry, %d failed", current_tenant().slug, done["sent"],
                 done["queued"], done["failed"])
    _schedule_retry()
    return done


def _send_loop(config: smtp_mod.SmtpConfig, sender: smtp_mod.Sender, waits: tuple[int, ...],
               max_messages: int | None, inline=None) -> dict:
    """One SMTP connection's work: claim a batch, send each message and mark it, until nothing is due."""
    done = {"sent": 0, "queued": 0, "failed": 0}
    conn: smtplib.SMTP | None = None
    lease = lease_seconds()
    try:
        while max_messages is None or sum(done.values()) < max_messages:
            rows = claim(CLAIM_BATCH if max_messages is None else min(CLAIM_BATCH, max_messages - sum(done.values())))
            if not rows:
                break
            claimed, connect_error = time.monotonic(), None
            for n, row in enumerate(rows):
                if time.monotonic() - claimed > lease / 2:  # too slow: give the rest back rather than risk a twin
                    db.session.execute(_RELEASE_SQL, {"ids": [r.id for r in rows[n:]], "claimed_at": row.claimed_at})
                    db.session.commit()
                    break
                if connect_error is not None:  # the server is unreachable: the rest of the batch waits too
                    done[_failed(row, connect_error, waits)] += 1
                    continue
                try:
                    if conn is None:
                        conn = smtp_mod.connect(config)
                except (OSError, smtplib.SMTPException) as exc:
                    connect_error = exc
                    done[_failed(row, exc, waits)] += 1
                    continue
                msg = smtp_mod.build_message(config, sender, message_key=message_key(row), recipient=row.recipient,
                                             recipient_name=row.recipient_name, subject=row.subject,
                                             body_text=row.body_text, body_html=row.body_html, ics=row.ics,
                                             inline_logo=inline)
                try:
                    smtp_mod.send(conn, config, sender, smtp_mod.serialize(msg, inline), row.recipient)
                except (OSError, smtplib.SMTPException) as exc:
                    if not isinstance(exc, smtplib.SMTPRecipientsRefused):
                        conn = _close(conn)
                    done[_failed(row, exc, waits)] += 1
                    continue
                db.session.execute(_SENT_SQL, {"id": row.id, "claimed_at": row.claimed_at})
                db.session.commit()
                done["sent"] += 1
    finally:
        _close(conn)
    return done


def _close(conn: smtplib.SMTP | None) -> None:
    if conn is not None:
        try:
            conn.quit()
        except (OSError, smtplib.SMTPException):
            conn.close()


def _schedule_retry() -> None:
    """When messages wait for their next attempt, one delayed sender job is enqueued for the earliest (the periodic
    `notifications.deliver` schedule would also get to them); a Redis key keeps it to one per region."""
    due = db.session.execute(_NEXT_DUE_SQL, {"lease": lease_seconds()}).scalar_one_or_none()
    if due is None:
        return
    # RQ's scheduler keeps whole seconds: a second more, so that the job never runs before the message is due.
    wait = max((due - datetime.now(UTC)).total_seconds(), 0.0) + 1.0
    tenant = current_tenant()
    if redis_connection().set(_retry_key(), "1", nx=True, px=max(int(wait * 1000), 1)):
        enqueue(deliver, tenant=tenant, delay=timedelta(seconds=wait))


def _retry_key() -> str:
    return f"{current_app.config['REDIS_KEY_PREFIX']}:notify:retry:{current_tenant().id}"


@tenant_job("default", retries=0, timeout=3600)
def deliver() -> dict:
    """The sender job of one region (enqueued after messages are written, by a retry, and by the periodic schedule).
    Whichever runs clears the pending-retry mark, so that this run may schedule the next retry itself."""
    redis_connection().delete(_retry_key())
    return send_due()


def enqueue_delivery() -> None:
    """Enqueue the bound region's sender job; a failing Redis leaves the messages queued for the schedule."""
    from redis.exceptions import RedisError

    try:
        enqueue(deliver)
    except RedisError as exc:
        log.warning("could not enqueue the sender (the periodic schedule will send): %s", exc)

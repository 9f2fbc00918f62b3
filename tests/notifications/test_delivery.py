"""The sender against a server in trouble: a refusing server is retried with backoff and the message arrives once;
a server down past the retry window leaves the message `failed` on the outbox page, and a resend from that page
delivers it once (audited). A suspended region sends nothing. Two senders at once never send a message twice."""

from __future__ import annotations

import threading
import time
from datetime import date

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.jobs import enqueue
from app.models.audit import AuditEntry
from app.services.notifications import compose, sender
from app.services.notifications.pipeline import daily_reminders
from app.tenancy import registry, tenant_context
from tests.notifications.conftest import outbox_rows
from tests.notifications.synthetic import address_of, populate
from tests.web.cohort_helpers import browser_as

pytestmark = pytest.mark.committed


def _remind(tenant, n=5, below=3):
    with tenant_context(tenant):
        ids = populate(n, below, 2026, opds=1)
        compose.jp_reminders(date(2026, 7, 1))
        db.session.commit()
    return ids


def _all(tenant, status):
    return lambda: all(r.status == status for r in outbox_rows(tenant) if r.kind == "jp_reminder")


def test_a_refusing_server_is_retried_and_the_message_arrives_once(malang, smtp_server, drain):
    ids = _remind(malang)
    smtp_server.mailbox.refuse = "451 4.3.0 Sistem sibuk, coba lagi nanti"
    with tenant_context(malang):
        assert sender.send_due() == {"sent": 0, "queued": 3, "failed": 0}
    rows = outbox_rows(malang)
    assert {(r.status, r.attempts) for r in rows if r.kind == "jp_reminder"} == {("queued", 1)}
    assert all("SMTP 451" in r.last_error for r in rows)
    smtp_server.mailbox.refuse = None  # the server recovers; the delayed retry job delivers
    drain(_all(malang, "sent"), timeout=20)
    rows = outbox_rows(malang)
    assert {(r.status, r.attempts, r.last_error) for r in rows if r.kind == "jp_reminder"} == {("sent", 2, None)}
    for employee_id in ids:
        assert len(smtp_server.mailbox.to(address_of(employee_id))) == 1


def test_a_server_down_past_the_retry_window_fails_and_a_resend_from_the_page_delivers_once(
        app, malang, smtp_server, drain):
    ids = _remind(malang, n=3, below=1)
    smtp_server.stop()
    enqueue(sender.deliver, tenant=malang)
    drain(_all(malang, "failed"), timeout=20)  # three attempts a second apart, then failed
    [row] = [r for r in outbox_rows(malang) if r.kind == "jp_reminder"]
    assert (row.status, row.attempts) == ("failed", 3)
    assert "ConnectionRefusedError" in row.last_error

    admin = browser_as(app, malang, "admin")
    page = admin.page("/notifikasi?status=failed")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Gagal" in html and address_of(ids[0]) in html and "ConnectionRefusedError" in html
    shown = admin.page(f"/notifikasi/pesan/{row.id}").get_data(as_text=True)
    assert "Kirim ulang" in shown and "masih kurang 20 JP" in shown

    smtp_server.start()
    resp = admin.submit(f"/notifikasi/pesan/{row.id}/kirim-ulang")
    assert resp.status_code == 303
    drain(_all(malang, "sent"), timeout=20)
    assert len(smtp_server.mailbox.to(address_of(ids[0]))) == 1
    [after] = [r for r in outbox_rows(malang) if r.kind == "jp_reminder"]
    assert (after.status, after.resent_count) == ("sent", 1)
    with tenant_context(malang):
        [entry] = db.session.execute(sa.select(AuditEntry).where(AuditEntry.action == "notification.resend")).scalars()
        assert entry.entity_id == str(row.id)
    # A sent message cannot be resent: the page says so and nothing is sent.
    again = admin.submit(f"/notifikasi/pesan/{row.id}/kirim-ulang")
    assert again.status_code == 303
    drain()
    assert len(smtp_server.mailbox.to(address_of(ids[0]))) == 1


def test_a_suspended_region_sends_nothing(malang, smtp_server, drain):
    _remind(malang, n=2, below=2)
    with db.engine.begin() as conn:
        conn.execute(sa.text("UPDATE platform.tenants SET status = 'suspended' WHERE id = :id"), {"id": malang.id})
    registry.invalidate(malang.slug)
    try:
        enqueue(daily_reminders, "2026-07-01", True, tenant=malang)
        enqueue(sender.deliver, tenant=malang)
        drain()
        assert smtp_server.mailbox.count() == 0
        assert {r.status for r in outbox_rows(malang)} == {"queued"}
    finally:
        with db.engine.begin() as conn:
            conn.execute(sa.text("UPDATE platform.tenants SET status = 'active' WHERE id = :id"), {"id": malang.id})
        registry.invalidate(malang.slug)


def test_two_senders_at_once_send_each_message_once(app, malang, smtp_server):
    ids = _remind(malang, n=400, below=300)
    results = []

    def run():
        with app.app_context(), tenant_context(malang):
            results.append(sender.send_due())

    threads = [threading.Thread(target=run) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sum(r["sent"] for r in results) == 300 + 0  # the one OPD has no contact: no digest
    assert smtp_server.mailbox.count() == 300
    assert len({r.message_id for r in smtp_server.mailbox.received}) == 300
    assert {len(smtp_server.mailbox.to(address_of(i))) for i in ids} == {1}
    time.sleep(0)

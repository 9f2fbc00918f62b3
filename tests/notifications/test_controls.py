"""What people control: an admin edits and previews a template (sandboxed; a broken one is refused naming the part),
sets the region's sender and reminder days (audited, checked); an employee turns optional kinds off on their own page;
addresses by NIP; the demo's local SMTP server."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models.audit import AuditEntry
from app.services.notifications import compose, sender
from app.tenancy import tenant_context
from tests.api.enrolment_factories import api, make_cohort, make_employee, make_enrolment
from tests.notifications.conftest import outbox_rows
from tests.web.cohort_helpers import browser_as

pytestmark = pytest.mark.committed

OWN = {"subject": "Panggilan {{ cohort_label }} dari {{ region_name }}",
       "body_text": "Halo {{ name }}, silakan hadir.\n{% for p in phases %}{{ p.name }} {{ p.start }}\n{% endfor %}",
       "body_html": "<p>Halo {{ name }}</p>"}


def test_an_admin_previews_saves_and_resets_a_template_and_the_next_summons_uses_it(client, malang, smtp_server):
    preview = client.post(api(malang, "/notifications/templates/summons/preview"), json=OWN)
    assert preview.status_code == 200, preview.get_json()
    assert preview.get_json()["subject"] == "Panggilan PKA Angkatan II 2026 dari Kota Malang"
    assert "Halo Budi Santoso, silakan hadir." in preview.get_json()["body_text"]
    broken = client.put(api(malang, "/notifications/templates/summons"), json={**OWN, "body_html": "{{ name"})
    assert broken.status_code == 422
    assert broken.get_json()["errors"][0]["field"] == "body_html"
    sandboxed = client.post(api(malang, "/notifications/templates/summons/preview"),
                            json={**OWN, "body_text": "{{ name.__class__.__mro__ }}"})
    assert sandboxed.status_code == 422  # the sandbox refuses Python internals
    saved = client.put(api(malang, "/notifications/templates/summons"), json=OWN)
    assert saved.status_code == 200 and saved.get_json()["own"] is True

    emp = make_employee(malang, name="Rina")
    client.put(api(malang, "/notifications/addresses"),
               json={"items": [{"nip": emp["nip"], "email": "rina@contoh.go.id"}]})
    cohort = make_cohort(malang, number=6, year=2024)
    assert client.post(api(malang, f"/cohorts/{cohort['id']}/enrolments"),
                       json={"employee_nip": emp["nip"]}).status_code == 201
    with tenant_context(malang):
        sender.send_due()
    [got] = smtp_server.mailbox.to("rina@contoh.go.id")
    assert got.message["Subject"] == "Panggilan PKA Angkatan VI 2024 dari Kota Malang"

    reset = client.delete(api(malang, "/notifications/templates/summons"))
    assert reset.get_json()["own"] is False and reset.get_json()["subject"].startswith("Surat panggilan")
    with tenant_context(malang):
        actions = sorted(db.session.execute(sa.select(AuditEntry.action)
                                            .where(AuditEntry.action.like("notification%"))).scalars())
    assert actions == ["notification_address.set", "notification_template.reset", "notification_template.set"]


def test_settings_are_checked_and_audited(client, malang):
    bad = client.put(api(malang, "/notifications/settings"),
                     json={"reply_to": "bukan-email", "reminder_days": ["13-01"]})
    assert bad.status_code == 422
    ok = client.put(api(malang, "/notifications/settings"),
                    json={"sender_name": "BKPSDM Kota Malang", "reply_to": "bkpsdm@malangkota.go.id",
                          "bounce_address": "bounce@malangkota.go.id", "reminder_days": ["07-01", "10-01"]})
    assert ok.status_code == 200, ok.get_json()
    assert ok.get_json()["reminder_days"] == ["07-01", "10-01"]
    with tenant_context(malang):
        [entry] = db.session.execute(sa.select(AuditEntry)
                                     .where(AuditEntry.action == "notification_settings.update")).scalars()
        assert entry.after["reply_to"] == "bkpsdm@malangkota.go.id"


def test_the_bounce_address_and_reply_to_reach_the_envelope_and_headers(client, malang, smtp_server):
    client.put(api(malang, "/notifications/settings"),
               json={"sender_name": "BKPSDM Kota Malang", "reply_to": "bkpsdm@malangkota.go.id",
                     "bounce_address": "bounce@malangkota.go.id"})
    emp = make_employee(malang, name="Tono")
    client.put(api(malang, "/notifications/addresses"),
               json={"items": [{"nip": emp["nip"], "email": "tono@contoh.go.id"}]})
    with tenant_context(malang):
        compose.jp_reminders()
        db.session.commit()
        sender.send_due()
    [got] = smtp_server.mailbox.to("tono@contoh.go.id")
    assert got.mail_from == "bounce@malangkota.go.id"
    assert got.message["Reply-To"] == "bkpsdm@malangkota.go.id"
    assert got.message["From"] == "BKPSDM Kota Malang <no-reply@kompeten.test>"


def test_an_employee_turns_reminders_off_on_their_page(app, malang, smtp_server):
    emp = make_employee(malang, name="Wati")
    browser = browser_as(app, malang, "employee", nip=emp["nip"])
    page = browser.page("/notifikasi/saya")
    assert page.status_code == 200 and "Pengingat 20 JP" in page.get_data(as_text=True)
    assert browser.submit("/notifikasi/saya", [("enabled", "result")]).status_code == 303
    with tenant_context(malang):
        db.session.execute(sa.text("INSERT INTO notification_addresses (employee_id, email) "
                                   "VALUES (:e, 'w@contoh.go.id')"), {"e": emp["id"]})
        db.session.commit()
        assert compose.jp_reminders()["reminders"] == 0
        db.session.commit()
    assert outbox_rows(malang) == []


def test_the_admin_pages_render(app, malang, smtp_server):
    cohort = make_cohort(malang, number=7, year=2024)
    make_enrolment(malang, cohort["id"])
    admin = browser_as(app, malang, "admin")
    for path in ("/notifikasi", "/notifikasi/pengaturan", "/notifikasi/templat/summons",
                 "/notifikasi/templat/jp_digest"):
        resp = admin.page(path)
        assert resp.status_code == 200, path
    html = admin.page("/notifikasi/templat/jp_reminder").get_data(as_text=True)
    assert "Pratinjau" in html and "masih kurang" in html
    saved = admin.submit("/notifikasi/pengaturan", [("sender_name", "BKPSDM Malang"), ("reminder_days", "07-01, 11-01"),
                                                     ("enabled_kinds", "summons"), ("enabled_kinds", "jp_reminder")])
    assert saved.status_code == 303
    with tenant_context(malang):
        from app.services.notifications import outbox

        assert outbox.settings_view()["enabled_kinds"] == ["summons", "jp_reminder"]
        assert outbox.settings_view()["reminder_days"] == ["07-01", "11-01"]
        db.session.commit()


def test_the_demo_starts_a_local_smtp_server_when_none_is_configured(app, monkeypatch, tmp_path):
    import smtplib

    from app.blueprints.demo.commands import _local_smtp

    monkeypatch.setitem(app.config, "SMTP_HOST", None)
    monkeypatch.setitem(app.config, "INSTANCE_DIR", str(tmp_path))
    monkeypatch.delenv("KOMPETEN_SMTP_HOST", raising=False)
    env: dict = {}
    mail = _local_smtp(env)
    try:
        assert env["KOMPETEN_SMTP_HOST"] == "127.0.0.1" and int(env["KOMPETEN_SMTP_PORT"]) == mail.port
        with smtplib.SMTP(mail.host, mail.port) as conn:
            conn.sendmail("a@contoh.go.id", ["b@contoh.go.id"], b"Subject: uji\r\n\r\nhalo\r\n")
        assert mail.mailbox.count() == 1 and len(list((tmp_path / "mail").glob("*.eml"))) == 1
    finally:
        mail.stop()
    assert _local_smtp({"KOMPETEN_SMTP_HOST": "smtp.malangkota.go.id"}) is None  # a configured server wins

"""What is sent, checked at a real SMTP server: the summons on enrolment (recipients, subject, Indonesian body,
the .ics of the sessions), the result, the 20 JP reminders and the OPD digest; the region's switches, an employee's
opt-out, and never a second message for the same key."""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models.notifications import EmployeeAddress, OpdContact
from app.services.notifications import compose, outbox, sender
from app.tenancy import tenant_context
from tests.api.enrolment_factories import PKA_PHASES, api, make_cohort, make_employee, make_opd
from tests.notifications.conftest import outbox_rows

pytestmark = pytest.mark.committed

CERTIFICATE = {"certificate_number": "STTPP/PKA-II/2024/017", "certificate_date": "2024-07-15"}


def _address(tenant, employee_id: int, email: str) -> None:
    with tenant_context(tenant):
        db.session.add(EmployeeAddress(employee_id=employee_id, email=email))
        db.session.commit()


def _person(tenant, email="budi@contoh.go.id", name="Budi Santoso"):
    opd = make_opd(tenant, "Dinas Pendidikan")
    emp = make_employee(tenant, opd_id=opd["id"], name=name)
    _address(tenant, emp["id"], email)
    return emp, opd


def test_an_enrolment_sends_the_summons_with_the_phases_and_an_ics(client, malang, smtp_server, drain):
    emp, _ = _person(malang)
    cohort = make_cohort(malang, number=2, year=2024, phases=PKA_PHASES)
    resp = client.post(api(malang, f"/cohorts/{cohort['id']}/enrolments"), json={"employee_nip": emp["nip"]})
    assert resp.status_code == 201, resp.get_json()
    drain(lambda: smtp_server.mailbox.count() >= 1)

    [got] = smtp_server.mailbox.to("budi@contoh.go.id")
    msg = got.message
    assert got.rcpt_tos == ("budi@contoh.go.id",)
    assert msg["Subject"] == "Surat panggilan: PKA Angkatan II 2024 (Kota Malang)"
    assert msg["To"] == "Budi Santoso <budi@contoh.go.id>"
    assert "Kota Malang" in msg["From"] and "no-reply@kompeten.test" in msg["From"]
    text = msg.get_body(("plain",)).get_content()
    assert "Yth. Budi Santoso" in text and "Saudara terdaftar sebagai peserta" in text
    assert "- Klasikal I: 22 April 2024 s.d. 8 Mei 2024" in text
    html = msg.get_body(("html",)).get_content()
    assert "<b>" in html and "Aksi perubahan" in html
    [ics] = [part for part in msg.iter_attachments() if part.get_content_type() == "text/calendar"]
    assert ics.get_filename() == "jadwal.ics"
    calendar = ics.get_content()
    assert calendar.count("BEGIN:VEVENT") == len(PKA_PHASES)
    assert "DTSTART;VALUE=DATE:20240422" in calendar and "DTEND;VALUE=DATE:20240509" in calendar  # day after
    assert "SUMMARY:PKA Angkatan II 2024 – Klasikal I" in calendar
    [row] = outbox_rows(malang)
    assert (row.kind, row.status, row.attempts, row.person_key) == ("summons", "sent", 1, f"employee:{emp['id']}")


def test_the_result_is_sent_when_recorded_unless_the_employee_turned_it_off(client, malang, smtp_server, drain):
    emp, _ = _person(malang)
    cohort = make_cohort(malang, number=3, year=2024)
    enrolment = client.post(api(malang, f"/cohorts/{cohort['id']}/enrolments"),
                            json={"employee_nip": emp["nip"]}).get_json()
    client.post(api(malang, f"/enrolments/{enrolment['id']}/transition"), json={"to": "attending"})
    resp = client.post(api(malang, f"/enrolments/{enrolment['id']}/transition"), json={"to": "passed", **CERTIFICATE})
    assert resp.status_code == 200, resp.get_json()
    drain(lambda: smtp_server.mailbox.count() >= 2)
    subjects = sorted(r.message["Subject"] for r in smtp_server.mailbox.to("budi@contoh.go.id"))
    assert subjects == ["Hasil PKA Angkatan III 2024: LULUS (Kota Malang)",
                        "Surat panggilan: PKA Angkatan III 2024 (Kota Malang)"]
    result = next(r.message for r in smtp_server.mailbox.received if r.message["Subject"].startswith("Hasil"))
    assert "Nomor STTPP: STTPP/PKA-II/2024/017 tanggal 15 Juli 2024" in result.get_body(("plain",)).get_content()


def test_an_employee_who_turned_results_off_gets_no_result(client, malang, smtp_server, drain):
    emp, _ = _person(malang)
    with tenant_context(malang):
        from app.services.notifications import people

        people.set_my_preferences(emp["nip"], enabled=["jp_reminder"])
        db.session.commit()
    cohort = make_cohort(malang, number=4, year=2024)
    enrolment = client.post(api(malang, f"/cohorts/{cohort['id']}/enrolments"),
                            json={"employee_nip": emp["nip"]}).get_json()
    client.post(api(malang, f"/enrolments/{enrolment['id']}/transition"), json={"to": "attending"})
    client.post(api(malang, f"/enrolments/{enrolment['id']}/transition"), json={"to": "failed"})
    drain(lambda: smtp_server.mailbox.count() >= 1)
    assert [r.kind for r in outbox_rows(malang)] == ["summons"]  # the summons always goes; the result was off


def test_a_kind_the_region_turned_off_is_not_written(client, malang, smtp_server, drain):
    emp, _ = _person(malang)
    resp = client.put(api(malang, "/notifications/settings"),
                      json={"enabled_kinds": ["result", "jp_reminder", "jp_digest"], "reminder_days": ["07-01"]})
    assert resp.status_code == 200, resp.get_json()
    assert "summons" not in resp.get_json()["enabled_kinds"]
    cohort = make_cohort(malang, number=5, year=2024)
    assert client.post(api(malang, f"/cohorts/{cohort['id']}/enrolments"),
                       json={"employee_nip": emp["nip"]}).status_code == 201
    drain()
    assert outbox_rows(malang) == [] and smtp_server.mailbox.count() == 0


def _reminder_region(tenant):
    """Three employees of one OPD (one compliant), an OPD contact; one employee opted out of reminders."""
    opd = make_opd(tenant, "Dinas Kesehatan")
    people_ = [make_employee(tenant, opd_id=opd["id"], name=n) for n in ("Ani", "Bima", "Citra", "Dewi")]
    with tenant_context(tenant):
        for p in people_:
            db.session.add(EmployeeAddress(employee_id=p["id"], email=f"{p['name'].lower()}@contoh.go.id"))
        db.session.add(OpdContact(opd_id=opd["id"], name="Kepala Dinas Kesehatan", email="kadinkes@contoh.go.id"))
        db.session.execute(sa.text(
            "INSERT INTO jp_entries (employee_id, year, jp, source, title, completed_on) VALUES "
            "(:a, 2026, 8, 'other', 'Webinar', '2026-03-01'), (:c, 2026, 24, 'other', 'Latsar', '2026-03-01')"),
            {"a": people_[0]["id"], "c": people_[2]["id"]})
        db.session.execute(sa.text("INSERT INTO notification_optouts (employee_id, kind) VALUES (:d, 'jp_reminder')"),
                           {"d": people_[3]["id"]})
        db.session.commit()
    return people_


def test_reminders_go_to_each_employee_below_20_jp_and_one_digest_to_the_opd(malang, smtp_server):
    _reminder_region(malang)
    with tenant_context(malang):
        written = compose.jp_reminders(date(2026, 7, 1))
        db.session.commit()
        assert written == {"day": "2026-07-01", "below": 3, "reminders": 2, "digests": 1}
        again = compose.jp_reminders(date(2026, 7, 1))  # a second scheduler run the same day
        db.session.commit()
        assert (again["reminders"], again["digests"]) == (0, 0)
        assert sender.send_due()["sent"] == 3
        assert sender.send_due()["sent"] == 0
    ani = [r.message for r in smtp_server.mailbox.to("ani@contoh.go.id")]
    assert len(ani) == 1 and ani[0]["Subject"] == "Pengingat: JP Anda tahun 2026 baru 8 dari 20 JP (Kota Malang)"
    assert "masih kurang 12 JP" in ani[0].get_body(("plain",)).get_content()
    assert len(smtp_server.mailbox.to("bima@contoh.go.id")) == 1
    assert smtp_server.mailbox.to("citra@contoh.go.id") == []  # 24 JP
    assert smtp_server.mailbox.to("dewi@contoh.go.id") == []  # turned reminders off
    [digest] = [r.message for r in smtp_server.mailbox.to("kadinkes@contoh.go.id")]
    assert digest["Subject"] == "Rekap 20 JP Dinas Kesehatan: 3 ASN belum memenuhi (Kota Malang)"
    body = digest.get_body(("plain",)).get_content()
    assert "Yth. Kepala Dinas Kesehatan" in body and "Dewi" in body and "Citra" not in body


def test_the_daily_job_sends_only_on_the_regions_reminder_days(malang, smtp_server, drain):
    from app.jobs import enqueue
    from app.services.notifications.pipeline import daily_reminders

    _reminder_region(malang)
    with tenant_context(malang):
        outbox.update_settings(reminder_days=["10-01"])
        db.session.commit()
    enqueue(daily_reminders, "2026-07-01", tenant=malang)
    drain()
    assert outbox_rows(malang) == []
    enqueue(daily_reminders, "2026-10-01", tenant=malang)
    enqueue(daily_reminders, "2026-10-01", tenant=malang)  # the scheduler ran twice
    drain(lambda: smtp_server.mailbox.count() >= 3)
    assert smtp_server.mailbox.count() == 3
    assert {r.period for r in outbox_rows(malang)} == {"2026-10-01"}


def test_the_outbox_key_is_a_database_constraint(malang):
    row = {"kind": "jp_reminder", "person_key": "employee:1", "object_key": "", "period": "2026-07-01",
           "recipient": "a@contoh.go.id", "subject": "s", "body_text": "t", "body_html": "h"}
    with tenant_context(malang):
        db.session.execute(sa.insert(outbox.OutboxMessage).values(**row))
        with pytest.raises(sa.exc.IntegrityError, match="uq_notification_outbox_key"):
            db.session.execute(sa.insert(outbox.OutboxMessage).values(**row))
        db.session.rollback()

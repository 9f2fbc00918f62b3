"""Phase reminders, checked at a real SMTP server: the region's number of days before a phase starts, one message
per registered or attending participant (with the phase's dates, place, session blocks and agenda), written once
however often the daily job runs; the setting as a database CHECK; the employee's opt-out; `kompeten notify phases`."""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.jobs import enqueue
from app.models.cohorts import CohortPhase
from app.models.notifications import EmployeeAddress
from app.services.notifications import compose, outbox, people, sender
from app.services.notifications.pipeline import daily_phase_reminders
from app.tenancy import tenant_context
from tests.api.enrolment_factories import PKA_PHASES, api, make_cohort, make_employee, make_enrolment, make_opd
from tests.notifications.conftest import outbox_rows

pytestmark = pytest.mark.committed

KLASIKAL_I_SESSIONS = [{"start_date": "2024-04-22", "end_date": "2024-04-30", "label": "Klasikal"},
                       {"start_date": "2024-05-01", "end_date": "2024-05-01", "label": "Studi lapangan"},
                       {"start_date": "2024-05-06", "end_date": "2024-05-08", "label": "Klasikal"}]


def _cohort_with_people(tenant):
    """PKA Angkatan II 2024 (Klasikal I in three blocks, with an agenda item) and five people: registered,
    attending, withdrawn, passed (of an earlier phase's cohort: not enrolled any more), and one registered who
    turned phase reminders off."""
    opd = make_opd(tenant, "Dinas Pendidikan")
    cohort = make_cohort(tenant, number=2, year=2024, phases=PKA_PHASES)
    with tenant_context(tenant):
        db.session.execute(sa.update(CohortPhase).where(CohortPhase.cohort_id == cohort["id"],
                                                        CohortPhase.name == "Klasikal I")
                           .values(sessions=KLASIKAL_I_SESSIONS,
                                   agenda=[{"day": "2024-05-01", "title": "Studi lapangan ke Pemkot Batu"}]))
        db.session.commit()
    who = {}
    for name, status in (("Ani", "registered"), ("Bima", "attending"), ("Citra", "withdrawn"), ("Dewi", "passed"),
                         ("Eko", "registered")):
        emp = make_employee(tenant, opd_id=opd["id"], name=name)
        make_enrolment(tenant, cohort["id"], emp["id"], status=status)
        with tenant_context(tenant):
            db.session.add(EmployeeAddress(employee_id=emp["id"], email=f"{name.lower()}@contoh.go.id"))
            db.session.commit()
        who[name] = emp
    with tenant_context(tenant):
        people.set_my_preferences(who["Eko"]["nip"], enabled=["result", "jp_reminder"])
        db.session.commit()
    return cohort, who


def test_phase_reminders_go_days_before_to_the_enrolled_once_however_often_the_job_runs(client, malang,
                                                                                      smtp_server, drain):
    cohort, _ = _cohort_with_people(malang)
    resp = client.put(api(malang, "/notifications/settings"), json={"phase_reminder_days": 3})
    assert resp.status_code == 200 and resp.get_json()["phase_reminder_days"] == 3, resp.get_json()
    enqueue(daily_phase_reminders, "2024-04-18", tenant=malang)  # Klasikal I (22 Apr) is 4 days away: nothing
    drain()
    assert outbox_rows(malang) == []
    enqueue(daily_phase_reminders, "2024-04-19", tenant=malang)
    enqueue(daily_phase_reminders, "2024-04-19", tenant=malang)  # the scheduler ran twice
    enqueue(daily_phase_reminders, "2024-04-20", tenant=malang)  # and the next day: the same phase, already written
    drain(lambda: smtp_server.mailbox.count() >= 2)

    assert sorted(r.rcpt_tos[0] for r in smtp_server.mailbox.received) == ["ani@contoh.go.id", "bima@contoh.go.id"]
    rows = outbox_rows(malang)
    with tenant_context(malang):
        klasikal = db.session.execute(sa.select(CohortPhase.id).where(CohortPhase.cohort_id == cohort["id"],
                                                                      CohortPhase.name == "Klasikal I")).scalar_one()
    assert {(r.kind, r.object_key, r.period, r.status) for r in rows} == {
        ("phase_reminder", f"phase:{klasikal}", "2024-04-22", "sent")}
    assert len(rows) == 2
    [ani] = [r.message for r in smtp_server.mailbox.to("ani@contoh.go.id")]
    assert ani["Subject"] == "Pengingat: Klasikal I PKA Angkatan II 2024 dimulai 22 April 2024 (Kota Malang)"
    assert ani["To"] == "Ani <ani@contoh.go.id>"
    text = ani.get_body(("plain",)).get_content()
    assert "Yth. Ani (NIP" in text
    assert "Tahap Klasikal I pada" in text and "dimulai 3 hari lagi, 22 April 2024 s.d. 8 Mei 2024" in text
    assert "- Klasikal: 22 April 2024 s.d. 30 April 2024\n- Studi lapangan: 1 Mei 2024\n" \
           "- Klasikal: 6 Mei 2024 s.d. 8 Mei 2024\n" in text
    assert "- 1 Mei 2024: Studi lapangan ke Pemkot Batu" in text
    html = ani.get_body(("html",)).get_content()
    assert "<b>Klasikal I</b>" in html and "<td>Studi lapangan</td>" in html


def test_the_region_chooses_how_many_days_and_can_turn_phase_reminders_off(client, malang, smtp_server):
    _cohort_with_people(malang)
    resp = client.put(api(malang, "/notifications/settings"), json={"phase_reminder_days": 31})
    assert resp.status_code == 422 and "phase_reminder_days" in str(resp.get_json())
    with tenant_context(malang):
        assert outbox.settings().phase_reminder_days == 3  # the default
        with pytest.raises(sa.exc.IntegrityError, match="ck_notification_settings_phase_reminder_days"):
            db.session.execute(sa.text("UPDATE notification_settings SET phase_reminder_days = 0"))
        db.session.rollback()
        outbox.update_settings(phase_reminder_days=1)
        db.session.commit()
        assert compose.phase_reminders(date(2024, 4, 19))["reminders"] == 0  # 3 days ahead: too early for 1 day
        assert compose.phase_reminders(date(2024, 4, 21))["reminders"] == 2
        db.session.commit()
        assert sender.send_due()["sent"] == 2
        enabled = [k for k in outbox.settings_view()["enabled_kinds"] if k != "phase_reminder"]
        outbox.update_settings(enabled_kinds=enabled)
        db.session.commit()
        assert compose.phase_reminders(date(2024, 7, 7)) == {"day": "2024-07-07", "phases": 0, "reminders": 0}
        db.session.commit()
    assert [(r.period, r.status) for r in outbox_rows(malang)] == [("2024-04-22", "sent")] * 2


def test_notify_phases_by_hand(app, malang, smtp_server):
    _cohort_with_people(malang)
    runner = app.test_cli_runner()
    result = runner.invoke(args=["notify", "phases", malang.slug, "--day", "2024-03-07"])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "kota-malang 2024-03-07: 1 phases; 2 reminders written"  # MOOC, 9 Mar
    again = runner.invoke(args=["notify", "phases", malang.slug, "--day", "2024-03-07"])
    assert again.output.strip() == "kota-malang 2024-03-07: 1 phases; 0 reminders written"
    [row, _] = outbox_rows(malang)
    assert row.subject == "Pengingat: MOOC PKA Angkatan II 2024 dimulai 9 Maret 2024 (Kota Malang)"
    assert "dimulai lusa, 9 Maret 2024 s.d. 22 Maret 2024" in row.body_text
    assert "- MOOC: 9 Maret 2024 s.d. 22 Maret 2024" in row.body_text  # a phase without blocks is one block


def test_the_settings_page_sets_the_days_and_the_new_templates_preview(app, malang, smtp_server):
    from tests.web.cohort_helpers import browser_as

    admin = browser_as(app, malang, "admin")
    settings = admin.page("/notifikasi/pengaturan").get_data(as_text=True)
    assert 'name="phase_reminder_days"' in settings and 'value="3"' in settings
    assert "Pengingat tahap angkatan (peserta)" in settings and "Rekap mingguan untuk staf BKPSDM" in settings
    for kind, words in (("phase_reminder", "Studi lapangan"), ("staff_digest", "Impor yang gagal minggu ini")):
        html = admin.page(f"/notifikasi/templat/{kind}").get_data(as_text=True)
        assert "Pratinjau" in html and words in html, kind
    refused = admin.submit("/notifikasi/pengaturan", [("phase_reminder_days", "0"), ("enabled_kinds", "summons")])
    assert refused.status_code == 422
    saved = admin.submit("/notifikasi/pengaturan", [("phase_reminder_days", "7"), ("enabled_kinds", "summons"),
                                                     ("enabled_kinds", "phase_reminder")])
    assert saved.status_code == 303
    with tenant_context(malang):
        view = outbox.settings_view()
        assert (view["phase_reminder_days"], view["enabled_kinds"]) == (7, ["summons", "phase_reminder"])
        db.session.commit()


def test_a_cohort_without_phases_is_reminded_of_its_own_dates(malang, smtp_server):
    cohort = make_cohort(malang, number=9, year=2024, start_date=date(2024, 9, 2), end_date=date(2024, 9, 6))
    emp = make_employee(malang, name="Fajar")
    make_enrolment(malang, cohort["id"], emp["id"])
    with tenant_context(malang):
        db.session.add(EmployeeAddress(employee_id=emp["id"], email="fajar@contoh.go.id"))
        db.session.commit()
        assert compose.phase_reminders(date(2024, 9, 1)) == {"day": "2024-09-01", "phases": 1, "reminders": 1}
        db.session.commit()
        assert sender.send_due()["sent"] == 1
    [row] = outbox_rows(malang)
    assert (row.object_key, row.period) == (f"cohort:{cohort['id']}", "2024-09-02")
    [msg] = [r.message for r in smtp_server.mailbox.to("fajar@contoh.go.id")]
    assert msg["Subject"] == "Pengingat: Pelaksanaan PKA Angkatan IX 2024 dimulai 2 September 2024 (Kota Malang)"
    assert "dimulai besok, 2 September 2024 s.d. 6 September 2024" in msg.get_body(("plain",)).get_content()

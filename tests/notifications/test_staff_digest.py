"""The weekly digest to BKPSDM staff, checked at a real SMTP server: each area's section (reconciliation's open
differences, the week's failed imports), one message per staff user (admins and unscoped operators with an address),
once per week however often it runs, and nothing at all when every section is empty."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from app.areas import DigestWindow, digest_sections
from app.extensions import db
from app.jobs import enqueue
from app.services.notifications import digest
from app.services.notifications.pipeline import weekly_staff_digest
from app.tenancy import tenant_context
from tests.api.enrolment_factories import make_opd
from tests.fixtures.auth import create_user
from tests.notifications.conftest import outbox_rows

pytestmark = pytest.mark.committed

MONDAY = "2026-12-07"  # the digest of the week 30 Nov - 6 Dec 2026


def _staff(tenant) -> dict[str, int]:
    opd = make_opd(tenant, "Dinas Kesehatan")
    users = {"admin": create_user(tenant, "admin"), "operator": create_user(tenant, "operator"),
             "opd_operator": create_user(tenant, "operator", opd_ids=(opd["id"],)),
             "viewer": create_user(tenant, "viewer"), "no_email": create_user(tenant, "admin"),
             "inactive": create_user(tenant, "admin", active=False)}
    with tenant_context(tenant):
        for key, user in users.items():
            if key != "no_email":
                db.session.execute(sa.text("UPDATE users SET email = :e, full_name = :n WHERE id = :id"),
                                   {"e": f"{key}@bkpsdm.contoh.go.id", "n": f"Staf {key}", "id": user["id"]})
        db.session.commit()
    return {k: u["id"] for k, u in users.items()}


def _waiting_work(tenant) -> None:
    """A classified partner report with 2 open differences (and one decided, one consistent row), a superseded
    report with an open row (not counted); imports: one failed during the week, one failed before it, one done."""
    with tenant_context(tenant):
        partner = db.session.execute(sa.text("SELECT id FROM partners ORDER BY id LIMIT 1")).scalar()
        if partner is None:
            partner = db.session.execute(sa.text("INSERT INTO partners (code, name, kind) VALUES "
                                                 "('BPSDMJATIM', 'BPSDM Provinsi Jawa Timur', 'bpsdm') RETURNING id")
                                         ).scalar_one()
        program = db.session.execute(sa.text("SELECT id FROM programs WHERE code = 'PKA'")).scalar_one()
        runs = {}
        for state, name in (("classified", "laporan-pka-2026.xlsx"), ("superseded", "laporan-lama.xlsx")):
            runs[state] = db.session.execute(sa.text(
                "INSERT INTO reconciliation_runs (partner_id, program_id, year, filename, stored_path, checksum, "
                "size_bytes, state) VALUES (:p, :g, 2026, :f, '/tmp/x', repeat('a', 64), 10, :s) RETURNING id"),
                {"p": partner, "g": program, "f": name, "s": state}).scalar_one()
        for run, klass, applied in ((runs["classified"], "jp_differs", None),
                                    (runs["classified"], "status_differs", None),
                                    (runs["classified"], "partner_only", datetime(2026, 12, 1, tzinfo=UTC)),
                                    (runs["classified"], "consistent", None),
                                    (runs["superseded"], "jp_differs", None)):
            db.session.execute(sa.text("INSERT INTO reconciliation_rows (run_id, klass, nip, applied_at) "
                                       "VALUES (:r, :k, '198001012005011001', :a)"),
                               {"r": run, "k": klass, "a": applied})
        for filename, state, finished, error in (
                ("pppk-angkatan-3.xlsx", "failed", datetime(2026, 12, 2, 2, 15, tzinfo=UTC), "kolom NIP tidak ada"),
                ("pppk-lama.xlsx", "failed", datetime(2026, 11, 20, tzinfo=UTC), "berkas rusak"),
                ("pppk-ok.xlsx", "done", datetime(2026, 12, 3, tzinfo=UTC), None)):
            db.session.execute(sa.text(
                "INSERT INTO import_runs (kind, filename, stored_path, checksum, size_bytes, mode, state, error, "
                "created_by, finished_at) VALUES ('pppk-enrolments', :f, '/tmp/x', repeat('b', 64), 10, "
                "'valid-only', :s, :e, 'operator1', :t)"), {"f": filename, "s": state, "e": error, "t": finished})
        db.session.commit()


def test_the_areas_declare_their_sections_in_order():
    assert [s.name for s in digest_sections()][:2] == ["reconciliation", "imports"]


def test_the_weekly_digest_goes_to_each_staff_user_once_with_each_areas_section(malang, smtp_server, drain):
    users = _staff(malang)
    _waiting_work(malang)
    enqueue(weekly_staff_digest, MONDAY, tenant=malang)
    enqueue(weekly_staff_digest, MONDAY, tenant=malang)  # the scheduler ran twice
    enqueue(weekly_staff_digest, "2026-12-09", tenant=malang)  # and by hand later that week
    drain(lambda: smtp_server.mailbox.count() >= 2)

    assert sorted(r.rcpt_tos[0] for r in smtp_server.mailbox.received) == ["admin@bkpsdm.contoh.go.id",
                                                                          "operator@bkpsdm.contoh.go.id"]
    rows = outbox_rows(malang)
    assert sorted((r.kind, r.person_key, r.period) for r in rows) == sorted(
        ("staff_digest", f"user:{users[k]}", "2026-W50") for k in ("admin", "operator"))
    [msg] = [r.message for r in smtp_server.mailbox.to("admin@bkpsdm.contoh.go.id")]
    assert msg["Subject"] == ("Rekap mingguan 30 November 2026 – 6 Desember 2026: 3 hal menunggu tindak lanjut "
                              "(Kota Malang)")
    text = msg.get_body(("plain",)).get_content()
    assert "Yth. Staf admin," in text
    assert "Selisih rekonsiliasi yang belum diputuskan: 2\n" in text
    assert " 2026 dari " in text and "(laporan-pka-2026.xlsx): 2 selisih belum diputuskan\n" in text
    assert "laporan-lama.xlsx" not in text  # superseded
    assert "Impor yang gagal minggu ini: 1\n- pppk-angkatan-3.xlsx (02-12-2026 09:15 WIB, oleh operator1): " \
           "kolom NIP tidak ada\n" in text
    assert "pppk-lama.xlsx" not in text and "pppk-ok.xlsx" not in text
    html = msg.get_body(("html",)).get_content()
    assert "<h3" in html and "Impor yang gagal minggu ini: 1</h3>" in html


def test_nothing_is_sent_when_every_section_is_empty(app, malang, smtp_server):
    _staff(malang)
    with tenant_context(malang):
        period, window, words = digest.week_of(datetime(2026, 12, 7).date())
        assert (period, words) == ("2026-W50", "30 November 2026 – 6 Desember 2026")
        assert isinstance(window, DigestWindow) and digest.sections(window) == []
    result = app.test_cli_runner().invoke(args=["notify", "digest", malang.slug, "--day", MONDAY])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "kota-malang 2026-W50: 0 sections; 0 digests written"
    assert outbox_rows(malang) == []


def test_the_schedules_fan_out_one_job_per_active_region(app, malang, drain):
    from app.jobs import queue
    from app.schedules import active_region_ids, fan_out, schedules

    declared = schedules()
    assert declared["notifications.phase_reminders"].cron == "0 0 * * *"  # 07:00 WIB
    assert declared["notifications.staff_digest"].cron == "0 1 * * 1"  # Mondays 08:00 WIB
    regions = active_region_ids()
    assert fan_out("notifications.staff_digest") == len(regions) >= 1
    jobs = [j for j in queue("default").jobs if j.func_name.endswith("weekly_staff_digest")]
    assert len(jobs) == len(regions)
    drain()
    assert outbox_rows(malang) == []  # nothing waits in this region: no digest

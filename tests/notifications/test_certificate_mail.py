""""STTPP Anda sudah terbit": written when the region issues a passed participant's STTPP (and, with the new link,
when a corrected one replaces it), checked at a real SMTP server through real RQ workers: recipient, subject,
Indonesian body, the verification link and the page it opens, the unique key on re-issue, the employee's opt-out,
the region's switch, a partner-issued STTPP (nothing), and a message that cannot be written (the issue stands)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models.certificates import Certificate
from app.models.notifications import EmployeeAddress, NotificationTemplate
from app.services.certificates import issuing
from app.services.notifications import compose, outbox
from app.tenancy import tenant_context
from tests.api.enrolment_factories import api
from tests.certificates.test_certificates import certs_of, csrf_of, issue, page_login, pka  # noqa: F401 - fixture
from tests.fixtures.factories import count_queries
from tests.notifications.conftest import outbox_rows
from tests.web.cohort_helpers import browser_as

pytestmark = pytest.mark.committed

PUBLIC = "https://kompeten.contoh.go.id"
EMAILS = {"Ahmad Fauzi": "ahmad@contoh.go.id", "Budi Santoso": "budi@contoh.go.id", "Citra Dewi": "citra@contoh.go.id"}


@pytest.fixture
def addressed(app, malang, pka, monkeypatch):  # noqa: F811 - the pka fixture
    """The three passed participants of PKA Angkatan II 2024 reachable by e-mail (the attending one too)."""
    monkeypatch.setitem(app.config, "PUBLIC_BASE_URL", PUBLIC)
    with tenant_context(malang):
        for person in pka["people"]:
            db.session.add(EmployeeAddress(employee_id=person["id"], email=EMAILS[person["name"]]))
        attending = db.session.execute(sa.text("SELECT employee_id FROM enrolments WHERE cohort_id = :c AND status = "
                                               "'attending'"), {"c": pka["cohort"]["id"]}).scalar_one()
        db.session.add(EmployeeAddress(employee_id=attending, email="dedi@contoh.go.id"))
        db.session.commit()
    return pka


def _certificate_rows(tenant):
    return [m for m in outbox_rows(tenant) if m.kind == "certificate"]


def _code_of(tenant, cohort_id: int, name: str) -> str:
    return next(c["code"] for c in certs_of(tenant, cohort_id) if c["participant_name"] == name)


def test_issuing_a_cohort_sends_each_passed_participant_their_sttpp_and_its_link(malang, addressed, anon_client,
                                                                                make_user, smtp_server, drain):
    admin = make_user(malang, "admin")
    page_login(anon_client, "kota-malang", admin["username"])
    page = f"/t/kota-malang/angkatan/{addressed['cohort']['id']}/sertifikat"
    assert anon_client.post(page, data={"csrf_token": csrf_of(anon_client, page)}).status_code == 303  # Terbitkan
    drain(lambda: smtp_server.mailbox.count() >= 3)

    assert sorted(r for m in smtp_server.mailbox.received for r in m.rcpt_tos) == sorted(EMAILS.values())
    [got] = smtp_server.mailbox.to("budi@contoh.go.id")
    msg = got.message
    assert msg["Subject"] == ("STTPP Anda sudah terbit: Pelatihan Kepemimpinan Administrator Angkatan II Tahun 2024 "
                              "(Kota Malang)")
    assert msg["To"] == "Budi Santoso <budi@contoh.go.id>"
    code = _code_of(malang, addressed["cohort"]["id"], "Budi Santoso")
    url = f"{PUBLIC}/t/kota-malang/verifikasi/{code}"
    text = msg.get_body(("plain",)).get_content()
    assert "Yth. Budi Santoso" in text and "telah diterbitkan oleh Kota Malang" in text
    assert "Nomor STTPP: 893/002/PKA-II/BKPSDM/2024\nTanggal: 11 Juli 2024\nJumlah: 333 JP" in text
    assert f"diunduh (PDF) di:\n{url}\n" in text and "menggantikan" not in text
    assert f'<a href="{url}">Lihat dan unduh STTPP</a>' in msg.get_body(("html",)).get_content()
    page = anon_client.get(url.removeprefix(PUBLIC))  # the link opens the public verification page
    body = page.get_data(as_text=True)
    assert page.status_code == 200 and "893/002/PKA-II/BKPSDM/2024" in body and "sah dan berlaku" in body

    keys = {(m.person_key, m.object_key, m.period) for m in _certificate_rows(malang)}
    with tenant_context(malang):
        ids = dict(db.session.execute(sa.select(Certificate.employee_id, Certificate.id)).all())
    assert keys == {(f"employee:{e}", f"certificate:{c}", "") for e, c in ids.items()}


def test_re_issuing_or_a_retry_writes_nothing_twice(malang, addressed, smtp_server, drain):
    issue(malang, addressed["cohort"]["id"])
    assert len(_certificate_rows(malang)) == 3
    assert issue(malang, addressed["cohort"]["id"])["unchanged"] == 3  # "Terbitkan" again: nothing new
    with tenant_context(malang):  # the reaction run once more for the same certificates (a retried job)
        ids = list(db.session.execute(sa.select(Certificate.id)).scalars())
        assert compose.certificates_for(ids) == 0
        db.session.commit()
    drain(lambda: smtp_server.mailbox.count() >= 3)
    assert len(_certificate_rows(malang)) == 3 and smtp_server.mailbox.count() == 3


def test_a_cohorts_messages_are_one_savepoint_one_select_and_one_insert(malang, addressed):
    with tenant_context(malang):
        with count_queries() as statements:
            issuing.issue_cohort(addressed["cohort"]["id"])
        db.session.commit()
    savepoints = [s for s in statements if s.startswith("SAVEPOINT")]
    inserts = [s for s in statements if s.startswith("INSERT INTO notification_outbox")]
    selects = [s for s in statements if "notification_optouts" in s]
    assert len(savepoints) == 1 and len(inserts) == 1 and len(selects) == 1  # not one per participant
    assert len(_certificate_rows(malang)) == 3


def test_a_corrected_result_sends_the_new_link_saying_the_old_sttpp_was_replaced(client, malang, addressed,
                                                                                 anon_client, smtp_server, drain):
    issue(malang, addressed["cohort"]["id"])
    drain(lambda: smtp_server.mailbox.count() >= 3)
    old = _code_of(malang, addressed["cohort"]["id"], "Budi Santoso")
    budi = next(e for e, p in zip(addressed["enrolments"], addressed["people"], strict=True)
                if p["name"] == "Budi Santoso")
    resp = client.patch(api(malang, f"/enrolments/{budi['id']}"),  # the single correction path (API)
                        json={"reason": "Nomor STTPP salah ketik",
                              "certificate_number": "893/002-R/PKA-II/BKPSDM/2024"})
    assert resp.status_code == 200, resp.get_json()
    drain(lambda: smtp_server.mailbox.count() >= 4)

    new = _code_of(malang, addressed["cohort"]["id"], "Budi Santoso")
    assert new != old
    first, second = smtp_server.mailbox.to("budi@contoh.go.id")
    assert f"/verifikasi/{old}" in first.message.get_body(("plain",)).get_content()
    msg = second.message
    assert msg["Subject"].startswith("STTPP Anda sudah terbit (pengganti): Pelatihan Kepemimpinan Administrator")
    text = msg.get_body(("plain",)).get_content()
    assert "Nomor STTPP: 893/002-R/PKA-II/BKPSDM/2024" in text
    assert "STTPP ini menggantikan STTPP nomor 893/002/PKA-II/BKPSDM/2024 tanggal 11 Juli 2024" in text
    assert f"{PUBLIC}/t/kota-malang/verifikasi/{new}\n" in text and old not in text
    assert "sah dan berlaku" in anon_client.get(f"/t/kota-malang/verifikasi/{new}").get_data(as_text=True)
    assert "telah diganti" in anon_client.get(f"/t/kota-malang/verifikasi/{old}").get_data(as_text=True)
    assert len(smtp_server.mailbox.to("ahmad@contoh.go.id")) == 1  # the others' certificates did not change


def test_an_employee_who_turned_it_off_gets_nothing_and_the_admin_can_switch_it_off(app, malang, addressed,
                                                                                    smtp_server, drain):
    budi = next(p for p in addressed["people"] if p["name"] == "Budi Santoso")
    browser = browser_as(app, malang, "employee", nip=budi["nip"])
    assert "STTPP sudah terbit" in browser.page("/notifikasi/saya").get_data(as_text=True)
    assert browser.submit("/notifikasi/saya", [("enabled", "result")]).status_code == 303  # certificate unticked
    issue(malang, addressed["cohort"]["id"])
    drain(lambda: smtp_server.mailbox.count() >= 2)
    assert smtp_server.mailbox.to("budi@contoh.go.id") == []
    assert {m.recipient for m in _certificate_rows(malang)} == {"ahmad@contoh.go.id", "citra@contoh.go.id"}

    with tenant_context(malang):  # the region's admin turns the kind off: a corrected STTPP writes nothing
        outbox.update_settings(enabled_kinds=["summons", "result"])
        ahmad = next(e for e, p in zip(addressed["enrolments"], addressed["people"], strict=True)
                     if p["name"] == "Ahmad Fauzi")
        db.session.execute(sa.text("UPDATE enrolments SET jp_earned = 300 WHERE id = :i"), {"i": ahmad["id"]})
        db.session.commit()
    assert issue(malang, addressed["cohort"]["id"])["replaced"] == 1
    assert len(_certificate_rows(malang)) == 2


def test_a_partner_issued_sttpp_sends_nothing(malang, addressed, smtp_server):
    with tenant_context(malang):
        program_id = db.session.execute(sa.text("SELECT program_id FROM cohorts WHERE id = :c"),
                                        {"c": addressed["cohort"]["id"]}).scalar_one()
        issuing.set_issuer(program_id, "partner")
        db.session.commit()
    assert issue(malang, addressed["cohort"]["id"])["partner"] == 3
    assert _certificate_rows(malang) == []


def test_a_message_that_cannot_be_written_never_undoes_the_issue(malang, addressed, smtp_server):
    with tenant_context(malang):  # a stored wording that fails at render time (StrictUndefined)
        db.session.add(NotificationTemplate(kind="certificate", subject="STTPP {{ tidak_ada.sama_sekali }}",
                                            body_text="x", body_html="x"))
        db.session.commit()
    assert issue(malang, addressed["cohort"]["id"])["issued"] == 3
    assert len(certs_of(malang, addressed["cohort"]["id"])) == 3 and _certificate_rows(malang) == []


def test_the_admin_sees_the_kind_in_the_settings_and_edits_its_wording_with_a_preview(app, malang, smtp_server):
    admin = browser_as(app, malang, "admin")
    assert "STTPP sudah terbit (peserta lulus)" in admin.page("/notifikasi/pengaturan").get_data(as_text=True)
    html = admin.page("/notifikasi/templat/certificate").get_data(as_text=True)
    assert "Pratinjau" in html and "STTPP Anda sudah terbit" in html and "/verifikasi/" in html
    own = {"subject": "STTPP {{ certificate_number }} terbit", "body_text": "Unduh: {{ certificate_url }}",
           "body_html": "<p>{{ certificate_number }}</p>"}
    saved = admin.submit("/notifikasi/templat/certificate", [*own.items(), ("action", "save")])
    assert saved.status_code == 303
    with tenant_context(malang):
        assert db.session.get(NotificationTemplate, "certificate").subject == own["subject"]
        db.session.commit()

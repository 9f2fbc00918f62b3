"""The region's logo in its mail (the STTPP template's logo, inline as a cid: image in multipart/related, never a
remote URL) and the STTPP's public verification link in the result mail, checked at a real SMTP server."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models.certificates import Certificate
from app.models.notifications import EmployeeAddress
from app.services.certificates import issuing
from app.services.certificates import templates as certificate_templates
from app.services.notifications import compose, sender
from app.tenancy import tenant_context
from tests.api.enrolment_factories import PKA_PHASES, api, make_cohort, make_employee, make_enrolment, make_opd
from tests.certificates.test_certificates import PNG

pytestmark = pytest.mark.committed


def _person(tenant, name="Budi Santoso", email="budi@contoh.go.id"):
    emp = make_employee(tenant, opd_id=make_opd(tenant, "Dinas Pendidikan")["id"], name=name)
    with tenant_context(tenant):
        db.session.add(EmployeeAddress(employee_id=emp["id"], email=email))
        db.session.commit()
    return emp


def _set_logo(tenant) -> None:
    with tenant_context(tenant):
        certificate_templates.set_logo(PNG)
        db.session.commit()


def _parts(msg) -> list[str]:
    return [part.get_content_type() for part in msg.walk()]


def test_the_summons_carries_the_regions_logo_inline(client, malang, smtp_server, drain):
    emp = _person(malang)
    _set_logo(malang)
    cohort = make_cohort(malang, number=2, year=2024, phases=PKA_PHASES)
    assert client.post(api(malang, f"/cohorts/{cohort['id']}/enrolments"),
                       json={"employee_nip": emp["nip"]}).status_code == 201
    drain(lambda: smtp_server.mailbox.count() >= 1)

    [got] = smtp_server.mailbox.to("budi@contoh.go.id")
    msg = got.message
    assert _parts(msg) == ["multipart/mixed", "multipart/alternative", "text/plain", "multipart/related",
                           "text/html", "image/png", "text/calendar"]
    html = msg.get_body(("html",)).get_content()
    assert '<img src="cid:logo@kompeten" alt="Logo Kota Malang"' in html and "http" not in html.split("<img")[1][:40]
    [image] = [p for p in msg.walk() if p.get_content_type() == "image/png"]
    assert image["Content-ID"] == "<logo@kompeten>" and image.get_content_disposition() == "inline"
    assert image.get_content() == PNG
    assert "Saudara terdaftar sebagai peserta" in msg.get_body(("plain",)).get_content()


def test_a_region_without_a_logo_sends_no_image(client, malang, smtp_server, drain):
    emp = _person(malang)
    cohort = make_cohort(malang, number=3, year=2024, phases=PKA_PHASES)
    assert client.post(api(malang, f"/cohorts/{cohort['id']}/enrolments"),
                       json={"employee_nip": emp["nip"]}).status_code == 201
    drain(lambda: smtp_server.mailbox.count() >= 1)
    [got] = smtp_server.mailbox.to("budi@contoh.go.id")
    assert "image/png" not in _parts(got.message) and "multipart/related" not in _parts(got.message)
    assert "<img" not in got.message.get_body(("html",)).get_content()


def test_the_result_links_the_sttpp_verification_page_when_the_certificate_exists(app, client, malang, smtp_server,
                                                                                  monkeypatch):
    monkeypatch.setitem(app.config, "PUBLIC_BASE_URL", "https://kompeten.contoh.go.id")
    emp = _person(malang)
    _set_logo(malang)
    cohort = make_cohort(malang, number=4, year=2024, phases=PKA_PHASES)
    enrolment = make_enrolment(malang, cohort["id"], emp["id"], status="passed",
                               certificate_number="893/017/PKA-II/BKPSDM/2024")
    with tenant_context(malang):
        assert compose.result_for(enrolment["id"]) == 1  # written before the STTPP exists: no link
        before = db.session.execute(sa.text("SELECT body_text FROM notification_outbox")).scalar_one()
        assert "Nomor STTPP: 893/017/PKA-II/BKPSDM/2024" in before and "diunduh" not in before
        db.session.execute(sa.text("DELETE FROM notification_outbox"))
        issuing.issue_cohort(cohort["id"])
        code = db.session.execute(sa.select(Certificate.code)
                                  .where(Certificate.enrolment_id == enrolment["id"])).scalar_one()
        assert compose.result_for(enrolment["id"]) == 1
        db.session.commit()
        assert sender.send_due()["sent"] == 2  # the result, and "STTPP Anda sudah terbit" written by the issue

    url = f"https://kompeten.contoh.go.id/t/{malang.slug}/verifikasi/{code}"
    [got] = [m for m in smtp_server.mailbox.to("budi@contoh.go.id") if m.message["Subject"].startswith("Hasil")]
    msg = got.message
    assert msg["Subject"] == "Hasil PKA Angkatan IV 2024: LULUS (Kota Malang)"
    text = msg.get_body(("plain",)).get_content()
    assert "Nomor STTPP: 893/017/PKA-II/BKPSDM/2024 tanggal 11 Juli 2024, 333 JP." in text
    assert f"STTPP dapat diunduh di {url}\n" in text
    html = msg.get_body(("html",)).get_content()
    assert f'<a href="{url}">Unduh STTPP</a>' in html and 'src="cid:logo@kompeten"' in html
    assert "image/png" in _parts(msg)
    page = client.get(f"/t/{malang.slug}/verifikasi/{code}")  # the link opens the public verification page
    assert page.status_code == 200 and "893/017/PKA-II/BKPSDM/2024" in page.get_data(as_text=True)

"""A region's export bundle carries its STTPP certificates (logos, a replaced one pointing at its successor) and a
restore brings them back so that the old codes still verify, with the same PDFs."""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models.certificates import Certificate
from app.models.cohorts import Enrolment
from app.services.admin.bundles import tenant_fingerprints
from app.services.certificates import documents, issuing, templates
from app.tenancy import resolve, tenant_context
from tests.admin.conftest import region_body
from tests.admin.test_exports import export_now
from tests.api.enrolment_factories import make_cohort, make_employee, make_enrolment
from tests.certificates.test_certificates import PNG, pdf_text

pytestmark = pytest.mark.committed


def test_certificates_survive_export_and_restore(app, api, made, run_worker):
    made.extend(["kab-sttpp-asal", "kab-sttpp-pulih"])
    assert api.post("/tenants", json=region_body("kab-sttpp-asal")).status_code == 201
    source = resolve("kab-sttpp-asal")
    cohort = make_cohort(source, program_code="PKA", number=2, year=2024)
    ids = []
    for n in range(3):
        e = make_enrolment(source, cohort["id"], make_employee(source)["id"], status="passed")
        ids.append(e["id"])
        with tenant_context(source):
            db.session.execute(sa.update(Enrolment).where(Enrolment.id == e["id"]).values(
                certificate_number=f"893/{n}/2024", certificate_date=date(2024, 7, 11), jp_earned=333))
            db.session.commit()
    with tenant_context(source):
        templates.set_logo(PNG)
        issuing.issue_cohort(cohort["id"])
        db.session.execute(sa.update(Enrolment).where(Enrolment.id == ids[0]).values(jp_earned=300))
        issuing.issue_cohort(cohort["id"])  # the first one replaced: a row pointing at a later id
        db.session.commit()
        codes = dict(db.session.execute(sa.select(Certificate.code, Certificate.status)).all())
    before = tenant_fingerprints("kab-sttpp-asal")
    assert before["certificates"]["rows"] == 4 and before["certificate_logos"]["rows"] == 1

    pdf_before = _first_valid_pdf(app, "kab-sttpp-asal")
    assert api.post("/tenants/kab-sttpp-asal/archive").status_code == 200
    export = export_now(api, "kab-sttpp-asal", run_worker)
    assert api.delete("/tenants/kab-sttpp-asal", json={"confirm": "kab-sttpp-asal"}).status_code == 200
    restored = api.post("/tenants", json={"restore_from": export["id"], "slug": "kab-sttpp-pulih"})
    assert restored.status_code == 201, restored.get_json()
    assert tenant_fingerprints("kab-sttpp-pulih") == before
    client = app.test_client()
    for code, status in codes.items():
        html = client.get(f"/t/kab-sttpp-pulih/verifikasi/{code}").get_data(as_text=True)
        assert ("telah diganti" if status == "replaced" else "sah dan berlaku") in html
    after = _first_valid_pdf(app, "kab-sttpp-pulih")
    # the same document but for the region's slug in the URL (which moves the byte offsets): the same text
    assert pdf_text(after) == pdf_text(pdf_before).replace("kab-sttpp-asal", "kab-sttpp-pulih")


def _first_valid_pdf(app, slug: str) -> bytes:
    with app.test_request_context(base_url="https://kompeten.example.id"), tenant_context(slug):
        cert = db.session.execute(sa.select(Certificate).where(Certificate.status == "valid")
                                  .order_by(Certificate.id).limit(1)).scalar_one()
        return documents.pdf_of(cert)

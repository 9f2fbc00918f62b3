"""One's own certificates through the API: /me/certificates and each one's PDF."""

from __future__ import annotations

import io

from flask import send_file
from flask_login import current_user

from app.blueprints.certificates.schemas import OwnCertificateListSchema
from app.services.certificates import documents
from app.services.employees import records as employees
from app.web.blueprints import tenant_api_blueprint

my_certificates_api = tenant_api_blueprint("my_certificates", __name__, "me/certificates",
                                           "Your STTPP certificates: printed fields, verification code, PDF.",
                                           read="self", write="self")


@my_certificates_api.get("")
@my_certificates_api.response(200, OwnCertificateListSchema)
def list_mine():
    """Your valid certificates, newest first, each with its verification code and URL."""
    emp, _opd = employees.linked_employee(current_user.nip)
    items = documents.own_certificates(emp.id)
    for item in items:
        item["verify_url"] = documents.verify_url(item["code"])
    return {"total": len(items), "items": items}


@my_certificates_api.get("/<int:certificate_id>/pdf")
@my_certificates_api.response(200, description="The certificate as a PDF.")
def pdf(certificate_id: int):
    """One of your certificates as a PDF (another person's is a 404)."""
    emp, _opd = employees.linked_employee(current_user.nip)
    cert = documents.own_certificate(certificate_id, emp.id)
    resp = send_file(io.BytesIO(documents.pdf_of(cert)), mimetype="application/pdf",
                     download_name=documents.filename(cert))
    resp.headers["Cache-Control"] = "no-store"
    return resp

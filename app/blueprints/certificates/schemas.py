"""Schemas of the certificates API."""

from __future__ import annotations

from marshmallow import Schema, fields


class OwnCertificateSchema(Schema):
    id = fields.Integer()
    code = fields.String(metadata={"description": "verification code (public look-up)"})
    verify_url = fields.String()
    status = fields.String()
    issuer = fields.String(metadata={"description": "region or partner"})
    issuer_name = fields.String()
    program_name = fields.String()
    cohort_label = fields.String()
    start_date = fields.Date(allow_none=True)
    end_date = fields.Date(allow_none=True)
    jp = fields.Integer()
    participant_name = fields.String()
    participant_nip = fields.String()
    number = fields.String()
    issued_on = fields.Date()
    has_pdf = fields.Boolean()


class OwnCertificateListSchema(Schema):
    total = fields.Integer()
    items = fields.List(fields.Nested(OwnCertificateSchema))

"""Schemas of the learning submissions API (the employee's and the staff's)."""

from __future__ import annotations

import marshmallow as ma
from flask_smorest.fields import Upload

from app.models.submissions import MAX_JP, SUBMISSION_KINDS, SUBMISSION_STATUSES
from app.services.pagination import ListArgsSchema, PageSchema
from app.web.inputs import StrippedString


class SubmissionFileSchema(ma.Schema):
    file = Upload(required=True, metadata={"description": "the certificate: PDF, JPG or PNG, at most 5 MB (the type "
                                                          "is read from the content)"})


class SubmissionCreateSchema(ma.Schema):
    title = StrippedString(required=True, validate=ma.validate.Length(min=2, max=300))
    organiser = StrippedString(required=True, validate=ma.validate.Length(min=2, max=200),
                               metadata={"description": "penyelenggara"})
    kind = ma.fields.String(required=True, validate=ma.validate.OneOf(SUBMISSION_KINDS),
                            metadata={"description": "jenis (SIASN's list, plus elearning and kursus)"})
    start_date = ma.fields.Date(required=True)
    end_date = ma.fields.Date(required=True)
    jp_claimed = ma.fields.Integer(required=True, validate=ma.validate.Range(min=1, max=MAX_JP))
    certificate_number = StrippedString(load_default=None, validate=ma.validate.Length(max=100))


class SubmissionEmployeeSchema(ma.Schema):
    id = ma.fields.Integer()
    nip = ma.fields.String()
    name = ma.fields.String()
    opd_id = ma.fields.Integer(allow_none=True)
    opd_name = ma.fields.String(allow_none=True)


class SubmissionSchema(ma.Schema):
    id = ma.fields.Integer()
    title = ma.fields.String()
    organiser = ma.fields.String()
    kind = ma.fields.String()
    kind_label = ma.fields.String()
    start_date = ma.fields.Date()
    end_date = ma.fields.Date()
    year = ma.fields.Integer(metadata={"description": "the ledger year (of end_date)"})
    jp_claimed = ma.fields.Integer()
    jp_granted = ma.fields.Integer(allow_none=True)
    certificate_number = ma.fields.String(allow_none=True)
    file_name = ma.fields.String()
    file_mime = ma.fields.String()
    file_size = ma.fields.Integer()
    status = ma.fields.String(metadata={"description": "pending, verified or rejected"})
    note = ma.fields.String(allow_none=True, metadata={"description": "the staff's note (verification, correction)"})
    reason = ma.fields.String(allow_none=True, metadata={"description": "why it was rejected"})
    submitted_by = ma.fields.String()
    decided_by = ma.fields.String(allow_none=True)
    decided_at = ma.fields.DateTime(allow_none=True)
    created_at = ma.fields.DateTime()
    updated_at = ma.fields.DateTime()
    employee = ma.fields.Nested(SubmissionEmployeeSchema)


class SubmissionListSchema(ma.Schema):
    total = ma.fields.Integer()
    items = ma.fields.List(ma.fields.Nested(SubmissionSchema))


class SubmissionPageSchema(PageSchema):
    items = ma.fields.List(ma.fields.Nested(SubmissionSchema))


class SubmissionQueueArgsSchema(ListArgsSchema):
    status = ma.fields.String(load_default=None, validate=ma.validate.OneOf(SUBMISSION_STATUSES))
    opd_id = ma.fields.Integer(load_default=None, validate=ma.validate.Range(min=1, max=2**31 - 1))


class VerifySchema(ma.Schema):
    jp_granted = ma.fields.Integer(required=True, validate=ma.validate.Range(min=1, max=MAX_JP),
                                   metadata={"description": "at most the JP claimed"})
    note = StrippedString(load_default=None, validate=ma.validate.Length(max=1000))


class RejectSchema(ma.Schema):
    reason = StrippedString(required=True, validate=ma.validate.Length(min=1, max=1000))


class CorrectSchema(ma.Schema):
    jp_granted = ma.fields.Integer(required=True, validate=ma.validate.Range(min=1, max=MAX_JP))
    reason = StrippedString(required=True, validate=ma.validate.Length(min=1, max=1000))

import marshmallow as ma

from app.domain.nip import NipError, parse_nip
from app.models.cohorts import ENROLMENT_STATUSES
from app.services.pagination import ListArgsSchema, PageSchema

Score = ma.fields.Decimal(places=2, allow_none=True, validate=ma.validate.Range(min=0, max=100),
                         metadata={"minimum": 0, "maximum": 100})  # apispec would print the bounds as strings


def _valid_nip(value: str) -> None:
    try:
        parse_nip(value)
    except NipError as exc:
        raise ma.ValidationError(exc.message) from None


class EnrolmentCreateSchema(ma.Schema):
    employee_id = ma.fields.Integer(validate=ma.validate.Range(min=1))
    employee_nip = ma.fields.String(validate=_valid_nip)

    @ma.validates_schema
    def _one_of(self, data, **_kwargs):
        if "employee_id" not in data and "employee_nip" not in data:
            raise ma.ValidationError("isi employee_nip atau employee_id", "employee_nip")


class EnrolmentTransitionSchema(ma.Schema):
    to = ma.fields.String(required=True, validate=ma.validate.OneOf(ENROLMENT_STATUSES))
    certificate_number = ma.fields.String(validate=ma.validate.Length(min=1, max=100))
    certificate_date = ma.fields.Date()
    jp_earned = ma.fields.Integer(validate=ma.validate.Range(min=1))
    score = Score


class EnrolmentPhaseResultInSchema(ma.Schema):
    passed = ma.fields.Boolean(required=True)
    score = Score


class EnrolmentPhaseResultSchema(ma.Schema):
    enrolment_id = ma.fields.Integer()
    phase_id = ma.fields.Integer()
    phase_name = ma.fields.String()
    position = ma.fields.Integer()
    passed = ma.fields.Boolean(allow_none=True)
    score = ma.fields.Float(allow_none=True)


class EnrolmentEmployeeSchema(ma.Schema):
    id = ma.fields.Integer()
    nip = ma.fields.String()
    name = ma.fields.String()
    opd_id = ma.fields.Integer(allow_none=True)
    opd_name = ma.fields.String(allow_none=True)


class EnrolmentCertificateSchema(ma.Schema):
    number = ma.fields.String(allow_none=True, metadata={"description": "STTPP number"})
    date = ma.fields.Date(allow_none=True)


class EnrolmentSchema(ma.Schema):
    id = ma.fields.Integer()
    cohort_id = ma.fields.Integer()
    employee = ma.fields.Nested(EnrolmentEmployeeSchema)
    status = ma.fields.String(metadata={"enum": list(ENROLMENT_STATUSES)})
    status_changed_at = ma.fields.DateTime()
    certificate = ma.fields.Nested(EnrolmentCertificateSchema, allow_none=True)
    jp_earned = ma.fields.Integer(allow_none=True)
    score = ma.fields.Float(allow_none=True)
    created_at = ma.fields.DateTime()
    phase_results = ma.fields.List(ma.fields.Nested(EnrolmentPhaseResultSchema),
                                   metadata={"description": "graded phases of the cohort (detail only)"})


class EnrolmentListArgsSchema(ListArgsSchema):
    status = ma.fields.String(validate=ma.validate.OneOf(ENROLMENT_STATUSES))


class EnrolmentPageSchema(PageSchema):
    items = ma.fields.List(ma.fields.Nested(EnrolmentSchema), required=True)

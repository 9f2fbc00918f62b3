import marshmallow as ma

from app.models.employees import EMPLOYEE_TYPES, GENDERS, JABATAN_KINDS
from app.services.employees.ledger import EXTERNAL_SOURCES, MAX_YEAR, MIN_YEAR
from app.services.pagination import ListArgsSchema, PageSchema
from app.web.inputs import StrippedString


class OpdRefSchema(ma.Schema):
    id = ma.fields.Integer()
    name = ma.fields.String()


class EmployeeSchema(ma.Schema):
    """An employee as shown, and as created (the NIP is checked by the service, which names its error code)."""

    id = ma.fields.Integer(dump_only=True)
    nip = ma.fields.String(required=True, metadata={"description": "18 digits; birth date and gender must agree"})
    name = StrippedString(required=True, validate=ma.validate.Length(min=2, max=200))
    gender = ma.fields.String(required=True, validate=ma.validate.OneOf(GENDERS))
    birth_date = ma.fields.Date(load_default=None, allow_none=True,
                                metadata={"description": "optional; derived from the NIP when absent"})
    employee_type = ma.fields.String(required=True, validate=ma.validate.OneOf(EMPLOYEE_TYPES))
    golongan = ma.fields.String(allow_none=True, validate=ma.validate.Length(max=20),
                                metadata={"description": "PNS I/a…IV/e, PPPK I…XVII"})
    jabatan = ma.fields.String(allow_none=True, validate=ma.validate.Length(max=200))
    jabatan_kind = ma.fields.String(allow_none=True, validate=ma.validate.OneOf(JABATAN_KINDS))
    opd_id = ma.fields.Integer(allow_none=True)
    opd = ma.fields.Nested(OpdRefSchema, dump_only=True, allow_none=True)
    active = ma.fields.Boolean(dump_only=True)
    source_updated_at = ma.fields.DateTime(dump_only=True, allow_none=True)
    created_at = ma.fields.DateTime(dump_only=True)
    updated_at = ma.fields.DateTime(dump_only=True)
    incomplete = ma.fields.Boolean(dump_only=True, metadata={
        "description": "data belum lengkap: created from a partner's report; OPD, golongan or jabatan missing"})
    data_incomplete_since = ma.fields.DateTime(dump_only=True, allow_none=True)


class EmployeeUpdateSchema(ma.Schema):
    """What a person may change; the NIP (and the birth date it encodes) is immutable."""

    name = StrippedString(validate=ma.validate.Length(min=2, max=200))
    gender = ma.fields.String(validate=ma.validate.OneOf(GENDERS))
    employee_type = ma.fields.String(validate=ma.validate.OneOf(EMPLOYEE_TYPES))
    golongan = ma.fields.String(allow_none=True, validate=ma.validate.Length(max=20))
    jabatan = ma.fields.String(allow_none=True, validate=ma.validate.Length(max=200))
    jabatan_kind = ma.fields.String(allow_none=True, validate=ma.validate.OneOf(JABATAN_KINDS))
    opd_id = ma.fields.Integer(allow_none=True)
    active = ma.fields.Boolean()


class EmployeeListArgsSchema(ListArgsSchema):
    q = ma.fields.String(validate=ma.validate.Length(max=200),
                         metadata={"description": "digits: NIP prefix; else part of the name (case/accent-blind)"})
    opd_id = ma.fields.Integer()
    employee_type = ma.fields.String(validate=ma.validate.OneOf(EMPLOYEE_TYPES))
    golongan = ma.fields.String(validate=ma.validate.Length(max=20))
    jabatan_kind = ma.fields.String(validate=ma.validate.OneOf(JABATAN_KINDS),
                                    metadata={"description": "jpt | administrator | pengawas | fungsional | pelaksana"})
    active = ma.fields.Boolean(load_default=None)
    incomplete = ma.fields.Boolean(load_default=None, metadata={
        "description": "true: only people flagged data belum lengkap (created from a partner's report)"})


class EmployeePageSchema(PageSchema):
    items = ma.fields.List(ma.fields.Nested(EmployeeSchema), required=True)


class JpArgsSchema(ma.Schema):
    year = ma.fields.Integer(required=True, validate=ma.validate.Range(min=MIN_YEAR, max=MAX_YEAR))


class JpLineSchema(ma.Schema):
    id = ma.fields.Integer(dump_only=True)
    source = ma.fields.String()
    title = ma.fields.String()
    jp = ma.fields.Integer()
    completed_on = ma.fields.Date()
    certificate_number = ma.fields.String(allow_none=True)
    enrolment_id = ma.fields.Integer(allow_none=True)
    cohort_id = ma.fields.Integer(allow_none=True)
    program_code = ma.fields.String(allow_none=True)


class EmployeeJpSchema(ma.Schema):
    nip = ma.fields.String()
    year = ma.fields.Integer()
    total_jp = ma.fields.Integer()
    required_jp = ma.fields.Integer()
    compliant = ma.fields.Boolean()
    shortfall = ma.fields.Integer()
    lines = ma.fields.List(ma.fields.Nested(JpLineSchema))


class JpEntryCreateSchema(ma.Schema):
    """Training outside a cohort, with its certificate (off-class learning counts only when certified)."""

    year = ma.fields.Integer(load_default=None, allow_none=True,
                             validate=ma.validate.Range(min=MIN_YEAR, max=MAX_YEAR),
                             metadata={"description": "optional; the year of completed_on (must agree)"})
    jp = ma.fields.Integer(required=True, validate=ma.validate.Range(min=1, max=1000))
    title = StrippedString(required=True, validate=ma.validate.Length(min=2, max=300))
    certificate_number = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=100))
    completed_on = ma.fields.Date(required=True)
    source = ma.fields.String(load_default="elearning", validate=ma.validate.OneOf(EXTERNAL_SOURCES))


class OpdSchema(ma.Schema):
    id = ma.fields.Integer(dump_only=True)
    code = StrippedString(allow_none=True, validate=ma.validate.Length(min=1, max=40))
    name = StrippedString(required=True, validate=ma.validate.Length(min=2, max=200))
    active = ma.fields.Boolean(dump_only=True)
    merged_into_id = ma.fields.Integer(dump_only=True, allow_none=True)


class OpdUpdateSchema(ma.Schema):
    code = StrippedString(validate=ma.validate.Length(min=1, max=40))
    name = StrippedString(validate=ma.validate.Length(min=2, max=200))


class OpdListArgsSchema(ListArgsSchema):
    q = ma.fields.String(validate=ma.validate.Length(max=200))
    active = ma.fields.Boolean(load_default=None)


class OpdPageSchema(PageSchema):
    items = ma.fields.List(ma.fields.Nested(OpdSchema), required=True)


class MergeSchema(ma.Schema):
    target_id = ma.fields.Integer(required=True)


class MergeResultSchema(ma.Schema):
    target = ma.fields.Nested(OpdSchema)
    moved_employees = ma.fields.Integer()


class SelfOpdSchema(ma.Schema):
    id = ma.fields.Integer()
    name = ma.fields.String(allow_none=True)


class SelfProfileSchema(ma.Schema):
    """The caller's own ASN record (found by the NIP their account is linked to)."""

    nip = ma.fields.String()
    name = ma.fields.String()
    gender = ma.fields.String()
    birth_date = ma.fields.Date()
    employee_type = ma.fields.String(metadata={"description": "PNS or PPPK"})
    golongan = ma.fields.String(allow_none=True)
    jabatan = ma.fields.String(allow_none=True)
    jabatan_kind = ma.fields.String(allow_none=True)
    opd = ma.fields.Nested(SelfOpdSchema, allow_none=True)
    active = ma.fields.Boolean()


class SelfProgramSchema(ma.Schema):
    id = ma.fields.Integer()
    code = ma.fields.String()
    name = ma.fields.String()
    jp = ma.fields.Integer()


class SelfCertificateSchema(ma.Schema):
    number = ma.fields.String(allow_none=True, metadata={"description": "STTPP number"})
    date = ma.fields.Date(allow_none=True)


class SelfTrainingSchema(ma.Schema):
    enrolment_id = ma.fields.Integer()
    cohort_id = ma.fields.Integer()
    cohort_label = ma.fields.String(metadata={"description": "e.g. PKA Angkatan II 2024"})
    year = ma.fields.Integer()
    mode = ma.fields.String()
    start_date = ma.fields.Date(allow_none=True)
    end_date = ma.fields.Date(allow_none=True)
    program = ma.fields.Nested(SelfProgramSchema)
    status = ma.fields.String()
    status_changed_at = ma.fields.DateTime(allow_none=True)
    certificate = ma.fields.Nested(SelfCertificateSchema, allow_none=True)
    jp_earned = ma.fields.Integer(allow_none=True)


class SelfTrainingListSchema(ma.Schema):
    nip = ma.fields.String()
    total = ma.fields.Integer()
    items = ma.fields.List(ma.fields.Nested(SelfTrainingSchema))


class SelfJpArgsSchema(ma.Schema):
    year = ma.fields.Integer(load_default=None, validate=ma.validate.Range(min=MIN_YEAR, max=MAX_YEAR),
                             metadata={"description": "calendar year; this year when absent"})

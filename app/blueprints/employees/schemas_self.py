import marshmallow as ma

from app.services.employees.ledger import MAX_YEAR, MIN_YEAR


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

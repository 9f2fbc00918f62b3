import marshmallow as ma

from app.domain.golongan import EMPLOYEE_TYPES, JABATAN_KINDS, PNS_GOLONGAN
from app.models.catalogue import COMPETENCY_TYPES, PARTNER_KINDS, PROGRAM_TYPES
from app.services.catalogue.programs import CODE_RE
from app.services.pagination import ListArgsSchema, PageSchema
from app.web.inputs import StrippedString

MAX_JP = 10_000


class CodeField(ma.fields.String):
    """A catalogue code: surrounding spaces dropped and upper-cased before it is validated (`pka` → `PKA`)."""

    def _deserialize(self, value, attr, data, **kwargs):
        return super()._deserialize(value, attr, data, **kwargs).strip().upper()


def code_field(**kwargs) -> CodeField:
    return CodeField(validate=ma.validate.Regexp(CODE_RE, error="kode harus 2-40 huruf besar, angka atau '-'"),
                     metadata={"description": "Upper-cased on input; ^[A-Z0-9-]{2,40}$"}, **kwargs)


class ProviderSchema(ma.Schema):
    """The partner that runs a program (null: the region runs it itself)."""

    id = ma.fields.Integer()
    code = ma.fields.String()
    name = ma.fields.String()


class ProgramSchema(ma.Schema):
    id = ma.fields.Integer(dump_only=True)
    code = code_field(required=True)
    name = StrippedString(required=True, validate=ma.validate.Length(min=2, max=200))
    program_type = ma.fields.String(required=True, validate=ma.validate.OneOf(PROGRAM_TYPES))
    competency_type = ma.fields.String(required=True, validate=ma.validate.OneOf(COMPETENCY_TYPES))
    provider_partner_id = ma.fields.Integer(strict=True, allow_none=True, load_default=None,
                                            metadata={"description": "null: the region runs it itself"})
    jp = ma.fields.Integer(strict=True, required=True, validate=ma.validate.Range(min=1, max=MAX_JP))
    active = ma.fields.Boolean(load_default=True)
    provider = ma.fields.Nested(ProviderSchema, dump_only=True, allow_none=True)
    eligible_jabatan_kinds = ma.fields.List(ma.fields.String(validate=ma.validate.OneOf(JABATAN_KINDS)),
                                            allow_none=True, metadata={"description": "null: any jabatan kind"})
    eligible_employee_types = ma.fields.List(ma.fields.String(validate=ma.validate.OneOf(EMPLOYEE_TYPES)),
                                             allow_none=True, metadata={"description": "null: PNS and PPPK"})
    min_golongan = ma.fields.String(allow_none=True, validate=ma.validate.OneOf(PNS_GOLONGAN),
                                    metadata={"description": "a PNS golongan (III/a); PPPK are not ranked"})
    not_if_passed = ma.fields.Boolean(metadata={"description": "refuse who passed this program or a higher one"})


class ProgramUpdateSchema(ma.Schema):
    code = code_field()
    name = StrippedString(validate=ma.validate.Length(min=2, max=200))
    program_type = ma.fields.String(validate=ma.validate.OneOf(PROGRAM_TYPES))
    competency_type = ma.fields.String(validate=ma.validate.OneOf(COMPETENCY_TYPES))
    provider_partner_id = ma.fields.Integer(strict=True, allow_none=True)
    jp = ma.fields.Integer(strict=True, validate=ma.validate.Range(min=1, max=MAX_JP))
    active = ma.fields.Boolean()
    eligible_jabatan_kinds = ma.fields.List(ma.fields.String(validate=ma.validate.OneOf(JABATAN_KINDS)),
                                            allow_none=True, metadata={"description": "null: any jabatan kind"})
    eligible_employee_types = ma.fields.List(ma.fields.String(validate=ma.validate.OneOf(EMPLOYEE_TYPES)),
                                             allow_none=True, metadata={"description": "null: PNS and PPPK"})
    min_golongan = ma.fields.String(allow_none=True, validate=ma.validate.OneOf(PNS_GOLONGAN),
                                    metadata={"description": "a PNS golongan (III/a); PPPK are not ranked"})
    not_if_passed = ma.fields.Boolean(metadata={"description": "refuse who passed this program or a higher one"})


class ProgramListArgsSchema(ListArgsSchema):
    program_type = ma.fields.String(validate=ma.validate.OneOf(PROGRAM_TYPES))
    competency_type = ma.fields.String(validate=ma.validate.OneOf(COMPETENCY_TYPES))
    active = ma.fields.Boolean(load_default=None)
    q = ma.fields.String(validate=ma.validate.Length(max=200))


class ProgramPageSchema(PageSchema):
    items = ma.fields.List(ma.fields.Nested(ProgramSchema), required=True)


class PartnerSchema(ma.Schema):
    id = ma.fields.Integer(dump_only=True)
    code = code_field(required=True)
    name = StrippedString(required=True, validate=ma.validate.Length(min=2, max=200))
    kind = ma.fields.String(required=True, validate=ma.validate.OneOf(PARTNER_KINDS))
    active = ma.fields.Boolean(dump_only=True)


class PartnerListArgsSchema(ListArgsSchema):
    q = ma.fields.String(validate=ma.validate.Length(max=200))
    kind = ma.fields.String(validate=ma.validate.OneOf(PARTNER_KINDS))
    active = ma.fields.Boolean(load_default=None)


class PartnerPageSchema(PageSchema):
    items = ma.fields.List(ma.fields.Nested(PartnerSchema), required=True)

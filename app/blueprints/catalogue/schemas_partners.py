import marshmallow as ma

from app.models.catalogue import PARTNER_KINDS
from app.services.catalogue.programs import CODE_RE
from app.services.pagination import ListArgsSchema, PageSchema
from app.web.inputs import StrippedString


class CodeField(ma.fields.String):
    """A catalogue code: surrounding spaces dropped and upper-cased before it is validated (`pka` → `PKA`)."""

    def _deserialize(self, value, attr, data, **kwargs):
        return super()._deserialize(value, attr, data, **kwargs).strip().upper()


def code_field(**kwargs) -> CodeField:
    return CodeField(validate=ma.validate.Regexp(CODE_RE, error="kode harus 2-40 huruf besar, angka atau '-'"),
                     metadata={"description": "Upper-cased on input; ^[A-Z0-9-]{2,40}$"}, **kwargs)


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

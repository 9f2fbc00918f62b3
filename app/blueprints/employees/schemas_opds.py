import marshmallow as ma

from app.services.pagination import ListArgsSchema, PageSchema
from app.web.inputs import StrippedString


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

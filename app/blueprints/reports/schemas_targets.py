import marshmallow as ma


class TargetSchema(ma.Schema):
    year = ma.fields.Integer(dump_only=True)
    people = ma.fields.Integer(required=True, strict=True, validate=ma.validate.Range(min=1))
    note = ma.fields.String(allow_none=True, load_default=None, validate=ma.validate.Length(max=300))
    updated_at = ma.fields.DateTime(dump_only=True)


class TargetListSchema(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(TargetSchema), required=True)

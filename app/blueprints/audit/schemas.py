import marshmallow as ma

from app.services.pagination import MAX_LIMIT


class AuditLogArgsSchema(ma.Schema):
    limit = ma.fields.Integer(load_default=50, validate=ma.validate.Range(min=1, max=MAX_LIMIT))
    before_id = ma.fields.Integer(load_default=None, validate=ma.validate.Range(min=1),
                                  metadata={"description": "the next page: next_before_id of the previous one"})
    actor = ma.fields.String(validate=ma.validate.Length(max=100), metadata={"description": "username, exact"})
    action = ma.fields.String(validate=ma.validate.Length(max=100),
                              metadata={"description": "prefix: `user.` matches user.invite, user.update..."})
    entity = ma.fields.String(validate=ma.validate.Length(max=100), metadata={"description": "table name"})
    entity_id = ma.fields.String(validate=ma.validate.Length(max=100))
    date_from = ma.fields.Date(data_key="from", metadata={"description": "first day (WIB), inclusive"})
    date_to = ma.fields.Date(data_key="to", metadata={"description": "last day (WIB), inclusive"})

    @ma.validates_schema
    def _ordered(self, data, **_kwargs):
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            raise ma.ValidationError("tanggal 'from' setelah tanggal 'to'", field_name="from")


class AuditLogEntrySchema(ma.Schema):
    id = ma.fields.Integer()
    at = ma.fields.DateTime()
    actor_id = ma.fields.Integer(allow_none=True)
    actor = ma.fields.String(allow_none=True)
    action = ma.fields.String()
    entity = ma.fields.String()
    entity_id = ma.fields.String(allow_none=True)
    before = ma.fields.Dict(allow_none=True)
    after = ma.fields.Dict(allow_none=True)
    request_id = ma.fields.String(allow_none=True)
    ip = ma.fields.String(allow_none=True)


class AuditLogPageSchema(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(AuditLogEntrySchema), required=True)
    limit = ma.fields.Integer(required=True)
    next_before_id = ma.fields.Integer(allow_none=True, metadata={"description": "null on the last page"})

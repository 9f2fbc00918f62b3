import marshmallow as ma


class LoginSchema(ma.Schema):
    username = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=64),
                                metadata={"description": "Username, or the NIP for users linked to one."})
    password = ma.fields.String(required=True, load_only=True, validate=ma.validate.Length(min=1, max=256))


class PrincipalSchema(ma.Schema):
    user_id = ma.fields.Integer()
    username = ma.fields.String()
    role = ma.fields.String()
    nip = ma.fields.String(allow_none=True)
    opd_ids = ma.fields.List(ma.fields.Integer(), allow_none=True)


class LoginResultSchema(ma.Schema):
    user = ma.fields.Nested(PrincipalSchema)
    csrf_token = ma.fields.String(metadata={"description": "Send as X-CSRF-Token on writes made with the cookie."})

import marshmallow as ma

from app.models.accounts import TENANT_ROLES
from app.services.accounts.credentials import DEFAULT_TOKEN_DAYS, MAX_TOKEN_DAYS


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


class PlatformPrincipalSchema(ma.Schema):
    user_id = ma.fields.Integer()
    username = ma.fields.String()
    role = ma.fields.String(metadata={"enum": ["vendor", "province", "national"]})
    province_code = ma.fields.String(allow_none=True, metadata={"description": "For province users: their province"})


class PlatformLoginResultSchema(ma.Schema):
    user = ma.fields.Nested(PlatformPrincipalSchema)
    csrf_token = ma.fields.String(metadata={"description": "Send as X-CSRF-Token on writes made with the cookie."})


class AccountSchema(ma.Schema):
    id = ma.fields.Integer()
    username = ma.fields.String()
    full_name = ma.fields.String()
    email = ma.fields.String(allow_none=True)
    role = ma.fields.String()
    effective_role = ma.fields.String(metadata={"description": "the role of this request (a token's may be lower)"})
    via_token = ma.fields.Boolean()
    nip = ma.fields.String(allow_none=True)
    opd_ids = ma.fields.List(ma.fields.Integer())


class AccountPasswordChangeSchema(ma.Schema):
    current_password = ma.fields.String(required=True, load_only=True, validate=ma.validate.Length(min=1, max=256))
    new_password = ma.fields.String(required=True, load_only=True, validate=ma.validate.Length(min=1, max=256))


class AccountSetPasswordSchema(ma.Schema):
    token = ma.fields.String(required=True, load_only=True, validate=ma.validate.Length(min=1, max=200),
                             metadata={"description": "the token of the one-time link (its last path segment)"})
    password = ma.fields.String(required=True, load_only=True, validate=ma.validate.Length(min=1, max=256))


class AccountPasswordSetSchema(ma.Schema):
    user_id = ma.fields.Integer()
    username = ma.fields.String(metadata={"description": "log in with this username and the new password"})


class AccountSessionSchema(ma.Schema):
    id_prefix = ma.fields.String(metadata={"description": "the first 8 characters of the session id"})
    created_at = ma.fields.DateTime()
    last_seen_at = ma.fields.DateTime(allow_none=True)
    ip = ma.fields.String(allow_none=True)
    user_agent = ma.fields.String(allow_none=True)
    current = ma.fields.Boolean(metadata={"description": "the session of this request"})


class AccountSessionsRevokedSchema(ma.Schema):
    revoked = ma.fields.Integer()


class AccountTokenSchema(ma.Schema):
    id = ma.fields.Integer()
    name = ma.fields.String()
    prefix = ma.fields.String(metadata={"description": "the first 12 characters, to recognise the token"})
    role = ma.fields.String()
    expires_at = ma.fields.DateTime()
    revoked_at = ma.fields.DateTime(allow_none=True)
    last_used_at = ma.fields.DateTime(allow_none=True)
    created_at = ma.fields.DateTime()
    active = ma.fields.Boolean()


class AccountTokenCreatedSchema(AccountTokenSchema):
    token = ma.fields.String(metadata={"description": "the secret (kpt_...): shown once, never again"})


class AccountTokenCreateSchema(ma.Schema):
    name = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=100))
    role = ma.fields.String(load_default=None, validate=ma.validate.OneOf(TENANT_ROLES),
                            metadata={"description": "at most your own role (default: your role)"})
    expires_in_days = ma.fields.Integer(load_default=DEFAULT_TOKEN_DAYS,
                                        validate=ma.validate.Range(min=1, max=MAX_TOKEN_DAYS))

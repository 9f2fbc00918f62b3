import marshmallow as ma

from app.models.accounts import TENANT_ROLES
from app.services.pagination import ListArgsSchema, PageSchema
from app.web.inputs import StrippedString

USERNAME_RE = r"^[a-z0-9._-]{3,64}$"


class UserAdminSchema(ma.Schema):
    """A user as admins see them (never a password hash)."""

    id = ma.fields.Integer()
    username = ma.fields.String()
    full_name = ma.fields.String()
    email = ma.fields.String(allow_none=True)
    role = ma.fields.String()
    active = ma.fields.Boolean()
    nip = ma.fields.String(allow_none=True)
    opd_ids = ma.fields.List(ma.fields.Integer(), metadata={"description": "operators only; empty = all OPDs"})
    password_set = ma.fields.Boolean(metadata={"description": "false until the invitation link is used"})
    last_login_at = ma.fields.DateTime(allow_none=True)
    created_at = ma.fields.DateTime()
    updated_at = ma.fields.DateTime()


class UserAdminInviteSchema(ma.Schema):
    username = ma.fields.String(required=True, validate=ma.validate.Regexp(
        USERNAME_RE, error="3-64 karakter: huruf kecil, angka, titik, garis bawah atau tanda hubung"))
    full_name = StrippedString(required=True, validate=ma.validate.Length(min=1, max=200))
    email = ma.fields.Email(load_default=None, allow_none=True, validate=ma.validate.Length(max=200))
    role = ma.fields.String(required=True, validate=ma.validate.OneOf(TENANT_ROLES))
    opd_ids = ma.fields.List(ma.fields.Integer(), load_default=None, allow_none=True,
                             validate=ma.validate.Length(max=100),
                             metadata={"description": "operators only: the OPDs they are limited to"})
    nip = ma.fields.String(load_default=None, allow_none=True, validate=ma.validate.Length(max=18),
                           metadata={"description": "required for role employee: an employee of this region"})


class UserAdminUpdateSchema(ma.Schema):
    full_name = StrippedString(validate=ma.validate.Length(min=1, max=200))
    email = ma.fields.Email(allow_none=True, validate=ma.validate.Length(max=200))
    role = ma.fields.String(validate=ma.validate.OneOf(TENANT_ROLES))
    opd_ids = ma.fields.List(ma.fields.Integer(), validate=ma.validate.Length(max=100),
                             metadata={"description": "replaces the scope; [] = all OPDs"})


class UserAdminLinkSchema(ma.Schema):
    purpose = ma.fields.String(metadata={"description": "invite | reset"})
    set_password_url = ma.fields.String(metadata={"description": "shown once; it cannot be retrieved again"})
    expires_at = ma.fields.DateTime()


class UserAdminInvitedSchema(ma.Schema):
    user = ma.fields.Nested(UserAdminSchema)
    link = ma.fields.Nested(UserAdminLinkSchema)


class UserAdminListArgsSchema(ListArgsSchema):
    role = ma.fields.String(validate=ma.validate.OneOf(TENANT_ROLES))
    active = ma.fields.Boolean(load_default=None)
    q = ma.fields.String(validate=ma.validate.Length(max=200),
                         metadata={"description": "part of the username or the full name"})


class UserAdminPageSchema(PageSchema):
    items = ma.fields.List(ma.fields.Nested(UserAdminSchema), required=True)


class UserAdminSessionSchema(ma.Schema):
    id_prefix = ma.fields.String(metadata={"description": "the first 8 characters of the session id"})
    created_at = ma.fields.DateTime()
    last_seen_at = ma.fields.DateTime(allow_none=True)
    ip = ma.fields.String(allow_none=True)
    user_agent = ma.fields.String(allow_none=True)
    current = ma.fields.Boolean()


class UserAdminRevokedSchema(ma.Schema):
    revoked = ma.fields.Integer(metadata={"description": "how many sessions were ended"})

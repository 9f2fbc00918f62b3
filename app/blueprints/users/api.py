"""Managing the region's users (admins only). Ids of other regions' users are not found here (404)."""

from flask_login import current_user

from app.blueprints.users.schemas import (
    UserAdminInvitedSchema,
    UserAdminInviteSchema,
    UserAdminLinkSchema,
    UserAdminListArgsSchema,
    UserAdminPageSchema,
    UserAdminRevokedSchema,
    UserAdminSchema,
    UserAdminSessionSchema,
    UserAdminUpdateSchema,
)
from app.services.users import manage as service
from app.web.blueprints import tenant_api_blueprint
from app.web.responses import commit

blp = tenant_api_blueprint("users", __name__, "users",
                           "The region's users (admins only): invite, change role and OPD scope, reset, disable.",
                           read="users:manage", write="users:manage")


@blp.get("")
@blp.arguments(UserAdminListArgsSchema, location="query")
@blp.response(200, UserAdminPageSchema)
def list_users(args):
    return service.list_users(**args)


@blp.post("")
@blp.arguments(UserAdminInviteSchema)
@blp.response(201, UserAdminInvitedSchema)
def invite_user(data):
    """Invite a user: the answer carries a one-time set-password link (7 days), shown only here."""
    return commit(service.invite_user(**data))


@blp.get("/<int:user_id>")
@blp.response(200, UserAdminSchema)
def get_user(user_id):
    return service.user_detail(user_id)


@blp.patch("/<int:user_id>")
@blp.arguments(UserAdminUpdateSchema)
@blp.response(200, UserAdminSchema)
def update_user(data, user_id):
    """Change name, e-mail, role or OPD scope; it applies from the user's next request."""
    return commit(service.update_user(user_id, **data))


@blp.post("/<int:user_id>/reset-password")
@blp.response(200, UserAdminLinkSchema)
def reset_password(user_id):
    """A new set-password link (24 h), shown only here; older unused links stop working."""
    return commit(service.reset_password(user_id))


@blp.post("/<int:user_id>/disable")
@blp.response(200, UserAdminSchema)
def disable_user(user_id):
    """Disable: all the user's sessions and tokens are revoked at once."""
    return commit(service.disable_user(user_id))


@blp.post("/<int:user_id>/enable")
@blp.response(200, UserAdminSchema)
def enable_user(user_id):
    return commit(service.enable_user(user_id))


@blp.get("/<int:user_id>/sessions")
@blp.response(200, UserAdminSessionSchema(many=True))
def user_sessions(user_id):
    return service.user_sessions(user_id, current_session_id=current_user.session_id)


@blp.post("/<int:user_id>/sessions/revoke")
@blp.response(200, UserAdminRevokedSchema)
def revoke_user_sessions(user_id):
    """Sign the user out everywhere."""
    return commit({"revoked": service.revoke_user_sessions(user_id)})

"""The caller's own account. Session ids are secrets (the cookie carries them): they are shown and named by
their first 8 characters only. Token secrets are shown once, when made."""

from flask_login import current_user

from app.authz import PUBLIC, policy
from app.blueprints.accounts.schemas_account import (
    AccountPasswordChangeSchema,
    AccountPasswordSetSchema,
    AccountSchema,
    AccountSessionSchema,
    AccountSessionsRevokedSchema,
    AccountSetPasswordSchema,
    AccountTokenCreatedSchema,
    AccountTokenCreateSchema,
    AccountTokenSchema,
)
from app.services.accounts import credentials as token_service
from app.services.users import manage as user_service
from app.web.blueprints import tenant_api_blueprint
from app.web.responses import commit

blp = tenant_api_blueprint("account", __name__, "",
                           "Your own account: profile, password, sessions and personal access tokens.",
                           read="self", write="self")


@blp.post("/auth/set-password")
@blp.arguments(AccountSetPasswordSchema)
@blp.response(200, AccountPasswordSetSchema)
@policy(PUBLIC)
def set_password(data):
    """Set a password with a one-time link's token (invitation or reset); the link works once."""
    return commit(user_service.set_password_with_token(data["token"], data["password"]))


@blp.get("/me")
@blp.response(200, AccountSchema)
def me():
    return user_service.own_account(current_user)


@blp.post("/me/password")
@blp.arguments(AccountPasswordChangeSchema)
@blp.response(204)
def change_password(data):
    """Change your password (the current one is required); your other sessions end."""
    user_service.change_own_password(current_user, **data)
    commit(None)


@blp.get("/me/sessions")
@blp.response(200, AccountSessionSchema(many=True))
def my_sessions():
    return token_service.list_sessions(current_user.user_id, current_session_id=current_user.session_id)


@blp.post("/me/sessions/revoke-others")
@blp.response(200, AccountSessionsRevokedSchema)
def revoke_other_sessions():
    """Sign out everywhere but here."""
    return commit({"revoked": token_service.revoke_own_other_sessions(current_user)})


@blp.post("/me/sessions/<id_prefix>/revoke")
@blp.response(204)
def revoke_session(id_prefix):
    token_service.revoke_own_session(current_user, id_prefix)
    commit(None)


@blp.get("/me/tokens")
@blp.response(200, AccountTokenSchema(many=True))
def my_tokens():
    return token_service.list_tokens(current_user.user_id)


@blp.post("/me/tokens")
@blp.arguments(AccountTokenCreateSchema)
@blp.response(201, AccountTokenCreatedSchema)
def create_token(data):
    """Make a personal access token (Authorization: Bearer kpt_...); the secret is shown only here.
    A request made with a token cannot make tokens (403)."""
    return commit(token_service.create_token(current_user, **data))


@blp.delete("/me/tokens/<int:token_id>")
@blp.response(204)
def revoke_token(token_id):
    token_service.revoke_token(current_user, token_id)
    commit(None)

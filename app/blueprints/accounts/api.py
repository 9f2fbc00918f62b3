"""Logging in as JSON and one's own account: a region's users (/t/<slug>/api/v1/auth, /me...) and platform users
(/api/v1/auth). Session ids are secrets (the cookie carries them): they are shown and named by their first 8
characters only. Token secrets are shown once, when made."""

from flask_login import current_user

from app.authz import PUBLIC, policy
from app.blueprints.accounts.schemas import (
    AccountPasswordChangeSchema,
    AccountPasswordSetSchema,
    AccountSchema,
    AccountSessionSchema,
    AccountSessionsRevokedSchema,
    AccountSetPasswordSchema,
    AccountTokenCreatedSchema,
    AccountTokenCreateSchema,
    AccountTokenSchema,
    LoginResultSchema,
    LoginSchema,
    PlatformLoginResultSchema,
    PlatformPrincipalSchema,
    PrincipalSchema,
)
from app.services.accounts import credentials as token_service
from app.services.accounts import login as service
from app.services.users import manage as user_service
from app.web.api import PLATFORM_API_PREFIX
from app.web.blueprints import platform_api_blueprint, tenant_api_blueprint
from app.web.responses import commit

auth_api = tenant_api_blueprint("auth", __name__, "auth", "Logging in and out of a region (JSON, for API clients).",
                                read="self", write="self")


def _view(principal):
    return {"user_id": principal.user_id, "username": principal.username, "role": principal.role,
            "nip": principal.nip, "opd_ids": sorted(principal.opd_ids) if principal.opd_ids else None}


@auth_api.post("/login")
@policy(PUBLIC)
@auth_api.arguments(LoginSchema)
@auth_api.response(200, LoginResultSchema)
def login(data):
    """Log in with username (or NIP) and password; sets the session cookie of this region."""
    result = service.login_tenant_user(data["username"], data["password"])
    return commit({"user": _view(result.principal), "csrf_token": result.csrf_token})


@auth_api.post("/logout")
@auth_api.response(204)
def logout():
    """End this session (the cookie stops working at once)."""
    service.logout()
    commit(None)


@auth_api.get("/whoami")
@auth_api.response(200, PrincipalSchema)
def whoami():
    return _view(current_user)


account_api = tenant_api_blueprint("account", __name__, "",
                           "Your own account: profile, password, sessions and personal access tokens.",
                           read="self", write="self")


@account_api.post("/auth/set-password")
@account_api.arguments(AccountSetPasswordSchema)
@account_api.response(200, AccountPasswordSetSchema)
@policy(PUBLIC)
def set_password(data):
    """Set a password with a one-time link's token (invitation or reset); the link works once."""
    return commit(user_service.set_password_with_token(data["token"], data["password"]))


@account_api.get("/me")
@account_api.response(200, AccountSchema)
def me():
    return user_service.own_account(current_user)


@account_api.post("/me/password")
@account_api.arguments(AccountPasswordChangeSchema)
@account_api.response(204)
def change_password(data):
    """Change your password (the current one is required); your other sessions end."""
    user_service.change_own_password(current_user, **data)
    commit(None)


@account_api.get("/me/sessions")
@account_api.response(200, AccountSessionSchema(many=True))
def my_sessions():
    return token_service.list_sessions(current_user.user_id, current_session_id=current_user.session_id)


@account_api.post("/me/sessions/revoke-others")
@account_api.response(200, AccountSessionsRevokedSchema)
def revoke_other_sessions():
    """Sign out everywhere but here."""
    return commit({"revoked": token_service.revoke_own_other_sessions(current_user)})


@account_api.post("/me/sessions/<id_prefix>/revoke")
@account_api.response(204)
def revoke_session(id_prefix):
    token_service.revoke_own_session(current_user, id_prefix)
    commit(None)


@account_api.get("/me/tokens")
@account_api.response(200, AccountTokenSchema(many=True))
def my_tokens():
    return token_service.list_tokens(current_user.user_id)


@account_api.post("/me/tokens")
@account_api.arguments(AccountTokenCreateSchema)
@account_api.response(201, AccountTokenCreatedSchema)
def create_token(data):
    """Make a personal access token (Authorization: Bearer kpt_...); the secret is shown only here.
    A request made with a token cannot make tokens (403)."""
    return commit(token_service.create_token(current_user, **data))


@account_api.delete("/me/tokens/<int:token_id>")
@account_api.response(204)
def revoke_token(token_id):
    token_service.revoke_token(current_user, token_id)
    commit(None)


platform_auth_api = platform_api_blueprint(
    "platform_auth_api", __name__, "Logging in and out of the platform (vendor, province and national users).",
    url_prefix=f"{PLATFORM_API_PREFIX}/auth")


def _platform_view(principal) -> dict:
    return {"user_id": principal.user_id, "username": principal.username, "role": principal.role,
            "province_code": principal.province_code}


@platform_auth_api.post("/login")
@policy(PUBLIC)
@platform_auth_api.arguments(LoginSchema)  # JSON only: a cross-site text/plain form cannot log in
@platform_auth_api.response(200, PlatformLoginResultSchema)
def platform_login(data):
    """{username, password} → {user, csrf_token}; sets the platform session cookie."""
    result = service.login_platform_user(data["username"], data["password"])
    return commit({"user": _platform_view(result.principal), "csrf_token": result.csrf_token})


@platform_auth_api.post("/logout")
@platform_auth_api.response(204)
def platform_logout():
    service.logout()
    commit(None)


@platform_auth_api.get("/whoami")
@platform_auth_api.response(200, PlatformPrincipalSchema)
def platform_whoami():
    return _platform_view(current_user)

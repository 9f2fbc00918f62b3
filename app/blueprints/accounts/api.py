from flask_login import current_user

from app.authz import PUBLIC, policy
from app.blueprints.accounts.schemas import LoginResultSchema, LoginSchema, PrincipalSchema
from app.services.accounts import login as service
from app.web.blueprints import tenant_api_blueprint
from app.web.responses import commit

blp = tenant_api_blueprint("auth", __name__, "auth", "Logging in and out of a region (JSON, for API clients).",
                           read="self", write="self")


def _view(principal):
    return {"user_id": principal.user_id, "username": principal.username, "role": principal.role,
            "nip": principal.nip, "opd_ids": sorted(principal.opd_ids) if principal.opd_ids else None}


@blp.post("/login")
@policy(PUBLIC)
@blp.arguments(LoginSchema)
@blp.response(200, LoginResultSchema)
def login(data):
    """Log in with username (or NIP) and password; sets the session cookie of this region."""
    result = service.login_tenant_user(data["username"], data["password"])
    return commit({"user": _view(result.principal), "csrf_token": result.csrf_token})


@blp.post("/logout")
@blp.response(204)
def logout():
    """End this session (the cookie stops working at once)."""
    service.logout()
    commit(None)


@blp.get("/whoami")
@blp.response(200, PrincipalSchema)
def whoami():
    return _view(current_user)

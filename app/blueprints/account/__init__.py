from app.blueprints import tenant_api_blueprint

blp = tenant_api_blueprint("account", __name__, "",
                           "Your own account: profile, password, sessions and personal access tokens.",
                           read="self", write="self")

from app.blueprints.account import routes  # noqa: E402,F401

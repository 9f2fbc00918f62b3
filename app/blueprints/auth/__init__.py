from app.blueprints import tenant_api_blueprint

blp = tenant_api_blueprint("auth", __name__, "auth", "Logging in and out of a region (JSON, for API clients).",
                           read="self", write="self")

from app.blueprints.auth import routes  # noqa: E402,F401

from app.blueprints import tenant_api_blueprint

blp = tenant_api_blueprint("users", __name__, "users",
                           "The region's users (admins only): invite, change role and OPD scope, reset, disable.",
                           read="users:manage", write="users:manage")

from app.blueprints.users import routes  # noqa: E402,F401

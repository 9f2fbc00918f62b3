from app.blueprints import tenant_api_blueprint

blp = tenant_api_blueprint("imports", __name__, "imports",
                           "Bulk imports (PPPK enrolments from LAN or a provincial LMS), run by workers.")

from app.blueprints.imports import routes  # noqa: E402,F401

from app.blueprints import tenant_api_blueprint

blp = tenant_api_blueprint("programs", __name__, "programs",
                           "The training catalogue: programs with their type, competency type, provider and JP.")

from app.blueprints.programs import routes  # noqa: E402,F401

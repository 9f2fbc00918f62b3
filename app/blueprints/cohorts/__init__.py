from app.blueprints import tenant_api_blueprint

blp = tenant_api_blueprint("cohorts", __name__, "cohorts",
                           "Cohorts (angkatan): one run of a program in a year, with its ordered phases.")

from app.blueprints.cohorts import routes  # noqa: E402,F401

from app.blueprints import tenant_api_blueprint

blp = tenant_api_blueprint("opds", __name__, "opds", "OPD (Organisasi Perangkat Daerah): the region's departments.")

from app.blueprints.opds import routes  # noqa: E402,F401

from app.blueprints import tenant_api_blueprint

# Everyone who reads training data reads OPDs; only admins change the organisation (create, rename, merge,
# deactivate), since OPD-scoped operators are defined by it.
blp = tenant_api_blueprint("opds", __name__, "opds", "OPD (Organisasi Perangkat Daerah): the region's departments.",
                           read="training:read", write="org:manage")

from app.blueprints.opds import routes  # noqa: E402,F401

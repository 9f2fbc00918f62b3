from app.blueprints import tenant_api_blueprint

# Staff read the region's yearly targets; only admins set them (they are the region's own commitment).
blp = tenant_api_blueprint("targets", __name__, "targets",
                           "Yearly training targets (people to train), compared with what was achieved in the rollups.",
                           read="training:read", write="org:manage")

from app.blueprints.targets import routes  # noqa: E402,F401

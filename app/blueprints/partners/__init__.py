from app.blueprints import tenant_api_blueprint

blp = tenant_api_blueprint("partners", __name__, "partners",
                           "Partner institutions (BPSDM, Badiklat, LAN RI) that train the region's staff.")

from app.blueprints.partners import routes  # noqa: E402,F401

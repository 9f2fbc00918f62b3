from app.blueprints import tenant_api_blueprint

blp = tenant_api_blueprint("reconciliations", __name__, "reconciliations",
                           "Reconciliation of partner completion reports (BPSDM, Badiklat, LAN) with the enrolments.")

from app.blueprints.reconciliations import routes  # noqa: E402,F401

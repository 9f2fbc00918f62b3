from app.blueprints import tenant_api_blueprint

blp = tenant_api_blueprint(
    "enrolments", __name__, "",
    "Enrolments: employees in cohorts, the status machine (registered → attending → passed | failed | withdrawn), "
    "per-phase results and certificates (STTPP). A pass adds the JP to the employee's ledger.",
)

from app.blueprints.enrolments import routes  # noqa: E402,F401

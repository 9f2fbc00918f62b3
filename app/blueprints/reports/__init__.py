from app.blueprints import tenant_api_blueprint

blp = tenant_api_blueprint("reports", __name__, "reports",
                           "Reports: 20 JP compliance, training recap, cohort roster; as JSON, CSV or XLSX.")

from app.blueprints.reports import routes  # noqa: E402,F401

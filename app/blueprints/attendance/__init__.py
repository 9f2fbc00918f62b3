from app.blueprints import tenant_api_blueprint

blp = tenant_api_blueprint("attendance", __name__, "cohorts",
                           "Attendance per session day of a cohort (present / excused / absent), bulk-marked.")

from app.blueprints.attendance import routes  # noqa: E402,F401

from app.blueprints.cohorts.schemas_attendance import (
    AttendanceDaySheetSchema,
    AttendanceMarkDaySchema,
    AttendanceMarkResultSchema,
    AttendanceSummaryArgsSchema,
    AttendanceSummarySchema,
)
from app.services.cohorts import attendance as service
from app.web.blueprints import tenant_api_blueprint
from app.web.responses import commit

blp = tenant_api_blueprint("attendance", __name__, "cohorts",
                           "Attendance per session day of a cohort (present / excused / absent), bulk-marked.")


@blp.put("/<int:cohort_id>/attendance/<day>")
@blp.arguments(AttendanceMarkDaySchema)
@blp.response(200, AttendanceMarkResultSchema)
def mark_day(data, cohort_id, day):
    """Bulk-mark one session day (YYYY-MM-DD): an optional default for everyone plus individual marks."""
    return commit(service.mark_day(cohort_id, service.parse_day(day), **data))


@blp.get("/<int:cohort_id>/attendance/<day>")
@blp.response(200, AttendanceDaySheetSchema)
def day_sheet(cohort_id, day):
    """Every non-withdrawn participant with their status that day (null = not marked yet)."""
    return service.day_sheet(cohort_id, service.parse_day(day))


@blp.get("/<int:cohort_id>/attendance")
@blp.arguments(AttendanceSummaryArgsSchema, location="query")
@blp.response(200, AttendanceSummarySchema)
def summary(args, cohort_id):
    """Present / excused / absent day counts per participant between `from` and `to` (inclusive)."""
    return service.summary(cohort_id, **args)

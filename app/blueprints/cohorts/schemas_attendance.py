import marshmallow as ma

from app.models.cohorts import ATTENDANCE_STATUSES, ENROLMENT_STATUSES

AttendanceStatus = ma.fields.String(validate=ma.validate.OneOf(ATTENDANCE_STATUSES))


class AttendanceMarkSchema(ma.Schema):
    enrolment_id = ma.fields.Integer(required=True)
    status = ma.fields.String(required=True, validate=ma.validate.OneOf(ATTENDANCE_STATUSES))


class AttendanceMarkDaySchema(ma.Schema):
    default_status = ma.fields.String(validate=ma.validate.OneOf(ATTENDANCE_STATUSES),
                                      metadata={"description": "for every participant not in marks"})
    marks = ma.fields.List(ma.fields.Nested(AttendanceMarkSchema), load_default=list,
                           validate=ma.validate.Length(max=10_000))


class AttendanceMarkResultSchema(ma.Schema):
    cohort_id = ma.fields.Integer()
    day = ma.fields.Date()
    marked = ma.fields.Integer()
    skipped = ma.fields.List(ma.fields.Integer(), metadata={"description": "withdrawn enrolments, not marked"})


class AttendanceDayItemSchema(ma.Schema):
    enrolment_id = ma.fields.Integer()
    enrolment_status = ma.fields.String(metadata={"enum": list(ENROLMENT_STATUSES)})
    nip = ma.fields.String()
    name = ma.fields.String()
    status = ma.fields.String(allow_none=True, metadata={"enum": list(ATTENDANCE_STATUSES)})


class AttendanceDaySheetSchema(ma.Schema):
    cohort_id = ma.fields.Integer()
    day = ma.fields.Date()
    items = ma.fields.List(ma.fields.Nested(AttendanceDayItemSchema))


class AttendanceSummaryArgsSchema(ma.Schema):
    date_from = ma.fields.Date(data_key="from")
    date_to = ma.fields.Date(data_key="to")


class AttendanceSummaryItemSchema(ma.Schema):
    enrolment_id = ma.fields.Integer()
    enrolment_status = ma.fields.String()
    nip = ma.fields.String()
    name = ma.fields.String()
    present = ma.fields.Integer()
    excused = ma.fields.Integer()
    absent = ma.fields.Integer()


class AttendanceSummarySchema(ma.Schema):
    cohort_id = ma.fields.Integer()
    date_from = ma.fields.Date(data_key="from", attribute="from", allow_none=True)
    date_to = ma.fields.Date(data_key="to", attribute="to", allow_none=True)
    items = ma.fields.List(ma.fields.Nested(AttendanceSummaryItemSchema))

import marshmallow as ma
from flask_smorest.fields import Upload

from app.domain.nip import NipError, parse_nip
from app.models.cohorts import ATTENDANCE_STATUSES, COHORT_MODES, ENROLMENT_STATUSES
from app.services.cohorts.schedule import TIMINGS, parse_angkatan
from app.services.pagination import ListArgsSchema, PageSchema
from app.web.inputs import StrippedString

MIN_YEAR, MAX_YEAR = 1990, 2100
MAX_PHASES = 50


class AngkatanField(ma.fields.Field):
    """An angkatan number: an integer ≥ 1, or as files write it ("02", "II", "Angkatan II"); dumped as int."""

    default_error_messages = {"invalid": "angkatan tidak valid"}

    def _deserialize(self, value, attr, data, **kwargs):
        try:
            return parse_angkatan(value)
        except ValueError as exc:
            raise ma.ValidationError(str(exc)) from exc


def _int(**kwargs) -> ma.fields.Integer:
    return ma.fields.Integer(strict=True, **kwargs)


class PhaseSessionInSchema(ma.Schema):
    start_date = ma.fields.Date(required=True)
    end_date = ma.fields.Date(required=True)
    label = StrippedString(validate=ma.validate.Length(max=200), load_default=None)


class PhaseAgendaInSchema(ma.Schema):
    day = ma.fields.Date(required=True)
    title = StrippedString(required=True, validate=ma.validate.Length(min=1, max=200))


class CohortPhaseInSchema(ma.Schema):
    name = StrippedString(required=True, validate=ma.validate.Length(min=1, max=200))
    start_date = ma.fields.Date(required=True)
    end_date = ma.fields.Date(required=True)
    graded = ma.fields.Boolean(load_default=False)
    sessions = ma.fields.List(ma.fields.Nested(PhaseSessionInSchema), validate=ma.validate.Length(max=60),
                              metadata={"description": "dated blocks inside the phase; none = the whole phase"})
    agenda = ma.fields.List(ma.fields.Nested(PhaseAgendaInSchema), validate=ma.validate.Length(max=200),
                            metadata={"description": "optional day-level items, each on a day of a block"})


class CohortPhaseReplaceSchema(CohortPhaseInSchema):
    id = _int(allow_none=True, load_default=None,
              metadata={"description": "an existing phase to keep (with its results); omit for a new phase"})


class CohortPhaseSchema(ma.Schema):
    id = ma.fields.Integer()
    position = ma.fields.Integer()
    name = ma.fields.String()
    start_date = ma.fields.Date()
    end_date = ma.fields.Date()
    graded = ma.fields.Boolean()
    sessions = ma.fields.List(ma.fields.Dict(), allow_none=True,
                              metadata={"description": "[{start_date, end_date, label}]; null = the whole phase"})
    agenda = ma.fields.List(ma.fields.Dict(), allow_none=True, metadata={"description": "[{day, title}]"})


class CohortProgramSchema(ma.Schema):
    id = ma.fields.Integer()
    code = ma.fields.String()
    name = ma.fields.String()
    jp = ma.fields.Integer()


class CohortPartnerSchema(ma.Schema):
    id = ma.fields.Integer()
    code = ma.fields.String()
    name = ma.fields.String()


class CohortCreateSchema(ma.Schema):
    program_id = _int(required=True)
    number = AngkatanField(required=True, metadata={"description": 'angkatan: 2, "02", "II" or "Angkatan II"'})
    year = _int(required=True, validate=ma.validate.Range(min=MIN_YEAR, max=MAX_YEAR))
    partner_id = _int(allow_none=True, load_default=None)
    mode = ma.fields.String(load_default="klasikal", validate=ma.validate.OneOf(COHORT_MODES))
    quota = _int(allow_none=True, load_default=None, validate=ma.validate.Range(min=1))
    start_date = ma.fields.Date(allow_none=True, load_default=None,
                                metadata={"description": "taken from the first phase when left out"})
    end_date = ma.fields.Date(allow_none=True, load_default=None,
                              metadata={"description": "taken from the last phase when left out"})
    phases = ma.fields.List(ma.fields.Nested(CohortPhaseInSchema), load_default=list,
                            validate=ma.validate.Length(max=MAX_PHASES))


class CohortUpdateSchema(ma.Schema):
    mode = ma.fields.String(validate=ma.validate.OneOf(COHORT_MODES))
    quota = _int(allow_none=True, validate=ma.validate.Range(min=1))
    partner_id = _int(allow_none=True)
    start_date = ma.fields.Date(allow_none=True)
    end_date = ma.fields.Date(allow_none=True)


class CohortPhasesSchema(ma.Schema):
    phases = ma.fields.List(ma.fields.Nested(CohortPhaseReplaceSchema), required=True,
                            validate=ma.validate.Length(max=MAX_PHASES))


class CohortSchema(ma.Schema):
    id = ma.fields.Integer()
    label = ma.fields.String(metadata={"description": "e.g. PKA Angkatan II 2024"})
    program_id = ma.fields.Integer()
    number = ma.fields.Integer()
    year = ma.fields.Integer()
    partner_id = ma.fields.Integer(allow_none=True)
    mode = ma.fields.String()
    quota = ma.fields.Integer(allow_none=True)
    start_date = ma.fields.Date(allow_none=True)
    end_date = ma.fields.Date(allow_none=True)
    program = ma.fields.Nested(CohortProgramSchema)
    partner = ma.fields.Nested(CohortPartnerSchema, allow_none=True)
    enrolled = ma.fields.Integer(metadata={"description": "enrolments that are not withdrawn"})


class CohortDetailSchema(CohortSchema):
    phases = ma.fields.List(ma.fields.Nested(CohortPhaseSchema))
    status_counts = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.Integer(),
                                   metadata={"description": "enrolments per status"})


class CohortListArgsSchema(ListArgsSchema):
    program_id = ma.fields.Integer()
    program_code = ma.fields.String(validate=ma.validate.Length(min=1, max=40))
    year = ma.fields.Integer(validate=ma.validate.Range(min=MIN_YEAR, max=MAX_YEAR))
    partner_id = ma.fields.Integer()
    mode = ma.fields.String(validate=ma.validate.OneOf(COHORT_MODES))
    timing = ma.fields.String(validate=ma.validate.OneOf(TIMINGS),
                              metadata={"description": "upcoming (not started), running or finished, as of today"})


class CohortPageSchema(PageSchema):
    items = ma.fields.List(ma.fields.Nested(CohortSchema), required=True)


Score = ma.fields.Decimal(places=2, allow_none=True, validate=ma.validate.Range(min=0, max=100),
                         metadata={"minimum": 0, "maximum": 100})  # apispec would print the bounds as strings


def _valid_nip(value: str) -> None:
    try:
        parse_nip(value)
    except NipError as exc:
        raise ma.ValidationError(exc.message) from None


class EnrolmentCreateSchema(ma.Schema):
    employee_id = ma.fields.Integer(validate=ma.validate.Range(min=1))
    employee_nip = ma.fields.String(validate=_valid_nip)

    @ma.validates_schema
    def _one_of(self, data, **_kwargs):
        if "employee_id" not in data and "employee_nip" not in data:
            raise ma.ValidationError("isi employee_nip atau employee_id", "employee_nip")


class EnrolmentCreateOverrideSchema(EnrolmentCreateSchema):
    override_reason = StrippedString(validate=ma.validate.Length(max=500),
                                     metadata={"description": "admin only: enrol despite the program's rules"})


class BulkFiltersSchema(ma.Schema):
    opd_id = ma.fields.Integer()
    jabatan_kind = ma.fields.String(validate=ma.validate.OneOf(
        ("jpt", "administrator", "pengawas", "fungsional", "pelaksana")))
    golongan = ma.fields.List(ma.fields.String(validate=ma.validate.Length(max=8)))
    employee_type = ma.fields.String(validate=ma.validate.OneOf(("PNS", "PPPK")))
    not_passed_program = ma.fields.Boolean(load_default=False,
                                           metadata={"description": "only people who have not passed this program"})
    verified_need = ma.fields.Boolean(load_default=False, metadata={
        "description": "only people with a verified training need (AKPK) for this program in the cohort's year"})


class BulkEnrolSchema(ma.Schema):
    """A list of NIPs (`nips`, or `text` pasted one a line) or `filters`; `confirm` with the preview's `token`."""

    nips = ma.fields.List(ma.fields.Raw(), validate=ma.validate.Length(max=10_000))
    text = ma.fields.String(validate=ma.validate.Length(max=400_000))
    filters = ma.fields.Nested(BulkFiltersSchema)
    confirm = ma.fields.Boolean(load_default=False)
    token = ma.fields.String(validate=ma.validate.Length(max=64))
    override_reason = StrippedString(validate=ma.validate.Length(max=500))


class BulkEnrolUploadSchema(ma.Schema):
    file = Upload(required=True, metadata={"description": "CSV or XLSX with a NIP column"})


class BulkEnrolFileSchema(ma.Schema):
    confirm = ma.fields.Boolean(load_default=False)
    token = ma.fields.String(validate=ma.validate.Length(max=64))
    override_reason = StrippedString(validate=ma.validate.Length(max=500))


class BulkPersonSchema(ma.Schema):
    employee_id = ma.fields.Integer(allow_none=True)
    nip = ma.fields.String()
    name = ma.fields.String(allow_none=True)
    opd_id = ma.fields.Integer(allow_none=True)
    override = ma.fields.String(allow_none=True, metadata={"description": "the rule an admin overrode"})
    code = ma.fields.String(metadata={"enum": ["invalid_nip", "repeated", "not_found", "inactive",
                                               "already_enrolled", "not_eligible", "over_quota"]})
    rule = ma.fields.String(allow_none=True)
    reason = ma.fields.String()


class BulkEnrolResultSchema(ma.Schema):
    cohort_id = ma.fields.Integer()
    cohort_label = ma.fields.String()
    quota = ma.fields.Integer(allow_none=True)
    enrolled_before = ma.fields.Integer()
    will_enrol = ma.fields.Integer()
    refused_count = ma.fields.Integer()
    refused_by_reason = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.Integer())
    enrol = ma.fields.List(ma.fields.Nested(BulkPersonSchema))
    refused = ma.fields.List(ma.fields.Nested(BulkPersonSchema))
    token = ma.fields.String(metadata={"description": "send back with confirm=true"})
    confirmed = ma.fields.Boolean()
    enrolled = ma.fields.Integer()
    enrolment_ids = ma.fields.List(ma.fields.Integer())


class EnrolmentTransitionSchema(ma.Schema):
    to = ma.fields.String(required=True, validate=ma.validate.OneOf(ENROLMENT_STATUSES))
    certificate_number = ma.fields.String(validate=ma.validate.Length(min=1, max=100))
    certificate_date = ma.fields.Date()
    jp_earned = ma.fields.Integer(validate=ma.validate.Range(min=1))
    score = Score


class EnrolmentPhaseResultInSchema(ma.Schema):
    passed = ma.fields.Boolean(required=True)
    score = Score


class EnrolmentPhaseResultSchema(ma.Schema):
    enrolment_id = ma.fields.Integer()
    phase_id = ma.fields.Integer()
    phase_name = ma.fields.String()
    position = ma.fields.Integer()
    passed = ma.fields.Boolean(allow_none=True)
    score = ma.fields.Float(allow_none=True)


class EnrolmentEmployeeSchema(ma.Schema):
    id = ma.fields.Integer()
    nip = ma.fields.String()
    name = ma.fields.String()
    opd_id = ma.fields.Integer(allow_none=True)
    opd_name = ma.fields.String(allow_none=True)


class EnrolmentCertificateSchema(ma.Schema):
    number = ma.fields.String(allow_none=True, metadata={"description": "STTPP number"})
    date = ma.fields.Date(allow_none=True)


class EnrolmentSchema(ma.Schema):
    id = ma.fields.Integer()
    cohort_id = ma.fields.Integer()
    employee = ma.fields.Nested(EnrolmentEmployeeSchema)
    status = ma.fields.String(metadata={"enum": list(ENROLMENT_STATUSES)})
    status_changed_at = ma.fields.DateTime()
    certificate = ma.fields.Nested(EnrolmentCertificateSchema, allow_none=True)
    jp_earned = ma.fields.Integer(allow_none=True)
    score = ma.fields.Float(allow_none=True)
    created_at = ma.fields.DateTime()
    phase_results = ma.fields.List(ma.fields.Nested(EnrolmentPhaseResultSchema),
                                   metadata={"description": "graded phases of the cohort (detail only)"})
    corrections = ma.fields.List(ma.fields.Nested(lambda: EnrolmentCorrectionOutSchema()),
                                 metadata={"description": "corrections of the result, newest first (detail only)"})


class EnrolmentCorrectionPhaseSchema(ma.Schema):
    phase_id = ma.fields.Integer(required=True)
    passed = ma.fields.Boolean(required=True)
    score = Score


class EnrolmentCorrectionSchema(ma.Schema):
    """A correction of a finished result: what changes, and why (required, kept in the audit log)."""

    reason = StrippedString(required=True, validate=ma.validate.Length(min=5, max=500))
    status = ma.fields.String(validate=ma.validate.OneOf(("passed", "failed", "withdrawn")))
    certificate_number = StrippedString(validate=ma.validate.Length(min=1, max=100))
    certificate_date = ma.fields.Date()
    jp_earned = ma.fields.Integer(validate=ma.validate.Range(min=1))
    score = Score
    phase_results = ma.fields.List(ma.fields.Nested(EnrolmentCorrectionPhaseSchema),
                                   metadata={"description": "corrected results of graded phases"})


class EnrolmentCorrectionChangeSchema(ma.Schema):
    before = ma.fields.Raw(allow_none=True)
    after = ma.fields.Raw(allow_none=True)


class EnrolmentCorrectionOutSchema(ma.Schema):
    enrolment_id = ma.fields.Integer()
    at = ma.fields.DateTime()
    actor = ma.fields.String(allow_none=True)
    reason = ma.fields.String(allow_none=True)
    changes = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.Nested(EnrolmentCorrectionChangeSchema))


class EnrolmentListArgsSchema(ListArgsSchema):
    status = ma.fields.String(validate=ma.validate.OneOf(ENROLMENT_STATUSES))


class EnrolmentPageSchema(PageSchema):
    items = ma.fields.List(ma.fields.Nested(EnrolmentSchema), required=True)


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
    now_attending = ma.fields.Integer(metadata={"description": "registered people this first day moved to attending"})


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


class ResultsOptionsSchema(ma.Schema):
    confirm = ma.fields.Boolean(load_default=False)
    token = ma.fields.String(validate=ma.validate.Length(max=64))
    sttpp_pattern = ma.fields.String(validate=ma.validate.Length(max=100), metadata={
        "description": "for passes without NO_STTPP, e.g. STTPP/{seq:03}/PKA-II/BPSDM/2024"})
    sttpp_start = ma.fields.Integer(load_default=1, validate=ma.validate.Range(min=0, max=1_000_000))
    certificate_date = ma.fields.Date(metadata={"description": "for passes without TGL_STTPP"})


class ResultsSheetArgsSchema(ma.Schema):
    format = ma.fields.String(load_default="xlsx", validate=ma.validate.OneOf(("xlsx", "csv")))


class BulkStatusSchema(ResultsOptionsSchema):
    to = ma.fields.String(required=True, validate=ma.validate.OneOf(("attending", "passed", "failed", "withdrawn")))
    enrolment_ids = ma.fields.List(ma.fields.Integer(), validate=ma.validate.Length(max=20_000),
                                   metadata={"description": "default: every open participant"})


class ResultsRowSchema(ma.Schema):
    row = ma.fields.Integer(allow_none=True)
    nip = ma.fields.String()
    name = ma.fields.String(allow_none=True)
    action = ma.fields.String(metadata={"description": "passed | failed | withdrawn | phase_results | unchanged"})
    certificate_number = ma.fields.String(allow_none=True)
    errors = ma.fields.List(ma.fields.String())


class ResultsReportSchema(ma.Schema):
    cohort_id = ma.fields.Integer()
    rows = ma.fields.Integer()
    valid = ma.fields.Integer()
    invalid = ma.fields.Integer()
    actions = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.Integer())
    report = ma.fields.List(ma.fields.Nested(ResultsRowSchema))
    token = ma.fields.String()
    confirmed = ma.fields.Boolean()
    written = ma.fields.Integer()


class BulkRunSchema(ma.Schema):
    """A large bulk enrolment or results sheet written by a worker (more rows than COHORT_BULK_JOB_ROWS)."""

    id = ma.fields.Integer()
    cohort_id = ma.fields.Integer()
    kind = ma.fields.String(metadata={"enum": ["enrol", "results"]})
    state = ma.fields.String(metadata={"enum": ["queued", "running", "done", "failed"]})
    rows = ma.fields.Integer()
    result = ma.fields.Dict(allow_none=True, metadata={
        "description": "when done: the same report as a confirmation in the request"})
    error = ma.fields.String(allow_none=True, metadata={"description": "why it failed (Indonesian)"})
    requested_by = ma.fields.String(allow_none=True)
    created_at = ma.fields.DateTime()
    finished_at = ma.fields.DateTime(allow_none=True)
    url = ma.fields.String(metadata={"description": "this run, to poll"})

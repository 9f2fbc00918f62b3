import marshmallow as ma

from app.services.files.writers import DELIMITERS, EXPORTERS
from app.services.pagination import MAX_LIMIT, ListArgsSchema, PageSchema

FORMATS = ("json", *EXPORTERS)
YEAR_MIN, YEAR_MAX = 2000, 2100


def _one_of(choices) -> ma.validate.OneOf:
    return ma.validate.OneOf(choices, error="harus salah satu dari: {choices}")


class DownloadArgsSchema(ma.Schema):
    format = ma.fields.String(load_default="json", validate=_one_of(FORMATS),
                              metadata={"description": "json (default), csv or xlsx (a file download)"})
    delimiter = ma.fields.String(load_default=",", validate=_one_of(DELIMITERS),
                                 metadata={"description": "CSV only: ',' (default) or ';' (Excel with Indonesian "
                                                          "regional settings; decimals then use a comma)"})


class YearArgsSchema(DownloadArgsSchema):
    year = ma.fields.Integer(
        required=True, validate=ma.validate.Range(min=YEAR_MIN, max=YEAR_MAX, error="harus antara {min} dan {max}"),
        error_messages={"required": "tahun wajib diisi", "invalid": "tahun harus berupa bilangan bulat"})


class ComplianceArgsSchema(YearArgsSchema):
    opd_id = ma.fields.Integer(validate=ma.validate.Range(min=1), load_default=None)
    below_only = ma.fields.Boolean(load_default=False,
                                   metadata={"description": "list only the people below 20 JP"})
    part = ma.fields.String(load_default="people", validate=_one_of(("people", "opds")),
                            metadata={"description": "CSV/XLSX only: the people list (default) or the per-OPD summary"})
    limit = ma.fields.Integer(load_default=50, validate=ma.validate.Range(min=1, max=MAX_LIMIT))
    offset = ma.fields.Integer(load_default=0, validate=ma.validate.Range(min=0, max=10_000_000))


class RosterArgsSchema(ListArgsSchema, DownloadArgsSchema):
    pass


class ComplianceTotalsSchema(ma.Schema):
    active_employees = ma.fields.Integer()
    compliant = ma.fields.Integer()
    below = ma.fields.Integer()
    share_pct = ma.fields.Float(allow_none=True, metadata={"description": "compliant / active × 100, 2 decimals"})
    total_jp = ma.fields.Integer()


class ComplianceGroupSchema(ComplianceTotalsSchema):
    opd_id = ma.fields.Integer(allow_none=True, metadata={"description": "null: employees with no OPD"})
    opd_name = ma.fields.String(allow_none=True)


class CompliancePersonSchema(ma.Schema):
    employee_id = ma.fields.Integer()
    nip = ma.fields.String()
    name = ma.fields.String()
    employee_type = ma.fields.String()
    golongan = ma.fields.String(allow_none=True)
    jabatan = ma.fields.String(allow_none=True)
    opd_id = ma.fields.Integer(allow_none=True)
    opd_name = ma.fields.String(allow_none=True)
    jp = ma.fields.Integer()
    shortfall = ma.fields.Integer(metadata={"description": "20 − JP, 0 when compliant"})


class CompliancePeoplePageSchema(PageSchema):
    items = ma.fields.List(ma.fields.Nested(CompliancePersonSchema), required=True)


class ComplianceReportSchema(ma.Schema):
    year = ma.fields.Integer()
    threshold = ma.fields.Integer()
    opd_id = ma.fields.Function(lambda report: report.opd.id if report.opd else None, allow_none=True)
    below_only = ma.fields.Boolean()
    overall = ma.fields.Nested(ComplianceTotalsSchema)
    opds = ma.fields.List(ma.fields.Nested(ComplianceGroupSchema))
    people = ma.fields.Nested(CompliancePeoplePageSchema)


class RecapCountsSchema(ma.Schema):
    cohorts = ma.fields.Integer()
    participants = ma.fields.Integer(metadata={"description": "enrolments"})
    passed = ma.fields.Integer()
    failed = ma.fields.Integer()
    withdrawn = ma.fields.Integer()
    in_progress = ma.fields.Integer(metadata={"description": "registered or attending"})
    jp_delivered = ma.fields.Integer(metadata={"description": "JP in the ledger for these cohorts' enrolments"})


class RecapProgramSchema(RecapCountsSchema):
    program_id = ma.fields.Integer()
    program_code = ma.fields.String()
    program_name = ma.fields.String()
    program_type = ma.fields.String()
    competency_type = ma.fields.String()


class RecapTypeSchema(RecapCountsSchema):
    program_type = ma.fields.String()


class RecapCompetencySchema(RecapCountsSchema):
    competency_type = ma.fields.String()


class OutsideCohortsSchema(ma.Schema):
    entries = ma.fields.Integer()
    employees = ma.fields.Integer()
    jp = ma.fields.Integer()


class TrainingRecapSchema(ma.Schema):
    year = ma.fields.Integer()
    programs = ma.fields.List(ma.fields.Nested(RecapProgramSchema))
    by_program_type = ma.fields.List(ma.fields.Nested(RecapTypeSchema))
    by_competency_type = ma.fields.List(ma.fields.Nested(RecapCompetencySchema))
    totals = ma.fields.Nested(RecapCountsSchema)
    outside_cohorts = ma.fields.Nested(OutsideCohortsSchema,
                                       metadata={"description": "JP completed that year outside any cohort"})


class RosterCohortSchema(ma.Schema):
    id = ma.fields.Integer()
    program_id = ma.fields.Integer()
    program_code = ma.fields.String()
    program_name = ma.fields.String()
    number = ma.fields.Integer()
    year = ma.fields.Integer()
    mode = ma.fields.String()
    quota = ma.fields.Integer(allow_none=True)
    start_date = ma.fields.Date(allow_none=True)
    end_date = ma.fields.Date(allow_none=True)
    partner_name = ma.fields.String(allow_none=True)


class RosterLineSchema(ma.Schema):
    enrolment_id = ma.fields.Integer()
    employee_id = ma.fields.Integer()
    nip = ma.fields.String()
    name = ma.fields.String()
    opd_id = ma.fields.Integer(allow_none=True)
    opd_name = ma.fields.String(allow_none=True)
    jabatan = ma.fields.String(allow_none=True)
    status = ma.fields.String()
    certificate_number = ma.fields.String(allow_none=True)
    certificate_date = ma.fields.Date(allow_none=True)
    verification_code = ma.fields.String(allow_none=True,
                                         metadata={"description": "the valid STTPP's public verification code"})
    jp_earned = ma.fields.Integer(allow_none=True)


class RosterPageSchema(PageSchema):
    items = ma.fields.List(ma.fields.Nested(RosterLineSchema), required=True)


class RosterSchema(ma.Schema):
    cohort = ma.fields.Nested(RosterCohortSchema)
    participants = ma.fields.Nested(RosterPageSchema)


class TargetSchema(ma.Schema):
    year = ma.fields.Integer(dump_only=True)
    people = ma.fields.Integer(required=True, strict=True, validate=ma.validate.Range(min=1))
    note = ma.fields.String(allow_none=True, load_default=None, validate=ma.validate.Length(max=300))
    updated_at = ma.fields.DateTime(dump_only=True)


class TargetListSchema(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(TargetSchema), required=True)

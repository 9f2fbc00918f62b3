import marshmallow as ma
from flask_smorest.fields import Upload

from app.models.reconciliation import DECISIONS, RECON_CLASSES, RECON_STATES
from app.services.pagination import MAX_LIMIT, ListArgsSchema, PageSchema, cursor_field


class ReconciliationFileSchema(ma.Schema):
    file = Upload(required=True, metadata={"description": "the partner's report: CSV (comma or semicolon) or XLSX"})


class ReconciliationFormSchema(ma.Schema):
    partner = ma.fields.String(required=True, metadata={"description": "partner code, e.g. BPSDM-JATIM"})
    cohort_id = ma.fields.Integer(load_default=None, metadata={"description": "the cohort the report is for"})
    program = ma.fields.String(load_default=None,
                               metadata={"description": "program code, with year, when the report spans angkatan"})
    year = ma.fields.Integer(load_default=None)


class NamedRefSchema(ma.Schema):
    id = ma.fields.Integer()
    code = ma.fields.String()
    name = ma.fields.String()


class ReconciliationRunSchema(ma.Schema):
    id = ma.fields.Integer()
    state = ma.fields.String(validate=ma.validate.OneOf(RECON_STATES))
    state_label = ma.fields.String()
    progress = ma.fields.Float(metadata={"description": "0..1"})
    partner = ma.fields.Nested(NamedRefSchema)
    program = ma.fields.Nested(NamedRefSchema)
    year = ma.fields.Integer()
    cohort_id = ma.fields.Integer(allow_none=True)
    cohort_label = ma.fields.String()
    filename = ma.fields.String()
    checksum = ma.fields.String()
    size_bytes = ma.fields.Integer()
    counts = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.Integer(),
                            metadata={"description": f"rows per class: {', '.join(RECON_CLASSES)}"})
    open_differences = ma.fields.Integer()
    supersedes_run_id = ma.fields.Integer(allow_none=True)
    superseded_by_run_id = ma.fields.Integer(allow_none=True)
    details = ma.fields.Dict()
    error = ma.fields.String(allow_none=True)
    created_by = ma.fields.String(allow_none=True)
    created_at = ma.fields.DateTime()
    started_at = ma.fields.DateTime(allow_none=True)
    classified_at = ma.fields.DateTime(allow_none=True)
    applied_at = ma.fields.DateTime(allow_none=True)


class ReconciliationPageSchema(PageSchema):
    items = ma.fields.List(ma.fields.Nested(ReconciliationRunSchema), required=True)


class ListRunsArgsSchema(ListArgsSchema):
    cohort_id = ma.fields.Integer(load_default=None)


class RowArgsSchema(ma.Schema):
    klass = ma.fields.String(data_key="class", load_default=None, validate=ma.validate.OneOf(RECON_CLASSES))
    page = ma.fields.Integer(load_default=1, validate=ma.validate.Range(min=1))
    per_page = ma.fields.Integer(load_default=50, validate=ma.validate.Range(min=1, max=MAX_LIMIT))
    cursor = cursor_field()


class ReconciliationRowSchema(ma.Schema):
    id = ma.fields.Integer()
    run_id = ma.fields.Integer()
    row_number = ma.fields.Integer(allow_none=True, metadata={"description": "line in the file; null: local-only"})
    klass = ma.fields.String(data_key="class")
    detail = ma.fields.String(allow_none=True, metadata={
        "description": "partner_only: unknown_nip | other_cohort; certificate_missing: the side without it"})
    duplicate_of_row = ma.fields.Integer(allow_none=True)
    error_column = ma.fields.String(allow_none=True)
    error_code = ma.fields.String(allow_none=True)
    error_reason = ma.fields.String(allow_none=True)
    nip = ma.fields.String()
    name = ma.fields.String(allow_none=True)
    cohort_id = ma.fields.Integer(allow_none=True)
    cohort = ma.fields.String(allow_none=True)
    partner_status = ma.fields.String(allow_none=True)
    partner_jp = ma.fields.Integer(allow_none=True)
    partner_certificate_number = ma.fields.String(allow_none=True)
    partner_certificate_date = ma.fields.Date(allow_none=True)
    partner_score = ma.fields.Decimal(allow_none=True, as_string=True)
    employee_id = ma.fields.Integer(allow_none=True)
    enrolment_id = ma.fields.Integer(allow_none=True)
    local_name = ma.fields.String(allow_none=True)
    local_status = ma.fields.String(allow_none=True)
    local_jp = ma.fields.Integer(allow_none=True)
    local_certificate_number = ma.fields.String(allow_none=True)
    local_certificate_date = ma.fields.Date(allow_none=True)
    decision = ma.fields.String(allow_none=True)
    decided_by = ma.fields.String(allow_none=True)
    applied_at = ma.fields.DateTime(allow_none=True)
    outcome = ma.fields.String(allow_none=True)


class RowPageSchema(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(ReconciliationRowSchema))
    total = ma.fields.Integer()
    page = ma.fields.Integer()
    per_page = ma.fields.Integer()
    total_estimated = ma.fields.Boolean()
    next_cursor = ma.fields.String(allow_none=True, metadata={"description": "null on the last page"})
    prev_cursor = ma.fields.String(allow_none=True, metadata={"description": "null on the first page"})


class DownloadArgsSchema(ma.Schema):
    format = ma.fields.String(load_default="xlsx", validate=ma.validate.OneOf(("xlsx", "csv")))
    klass = ma.fields.String(data_key="class", load_default=None, validate=ma.validate.OneOf(RECON_CLASSES))
    delimiter = ma.fields.String(load_default=",", validate=ma.validate.OneOf((",", ";")))


class RowDecisionSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    decision = ma.fields.String(required=True, validate=ma.validate.OneOf(DECISIONS))


class ApplySchema(ma.Schema):
    classes = ma.fields.Dict(keys=ma.fields.String(validate=ma.validate.OneOf(RECON_CLASSES)),
                             values=ma.fields.String(validate=ma.validate.OneOf(DECISIONS)), load_default=dict,
                             metadata={"description": "class -> partner (take theirs) | local (keep ours)"})
    rows = ma.fields.List(ma.fields.Nested(RowDecisionSchema), load_default=list,
                          metadata={"description": "per-row decisions; they win over the class's"})


class ChangeSchema(ma.Schema):
    change = ma.fields.String(metadata={"description": "new | gone | changed"})
    nip = ma.fields.String()
    name = ma.fields.String(allow_none=True)
    cohort_id = ma.fields.Integer(allow_none=True)
    before_row = ma.fields.Integer(allow_none=True)
    after_row = ma.fields.Integer(allow_none=True)
    before_class = ma.fields.String(allow_none=True)
    after_class = ma.fields.String(allow_none=True)
    before_status = ma.fields.String(allow_none=True)
    after_status = ma.fields.String(allow_none=True)
    before_jp = ma.fields.Integer(allow_none=True)
    after_jp = ma.fields.Integer(allow_none=True)
    before_certificate_number = ma.fields.String(allow_none=True)
    after_certificate_number = ma.fields.String(allow_none=True)


class ChangesSchema(ma.Schema):
    run_id = ma.fields.Integer()
    previous_run_id = ma.fields.Integer(allow_none=True)
    counts = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.Integer())
    items = ma.fields.List(ma.fields.Nested(ChangeSchema))

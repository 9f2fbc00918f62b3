import marshmallow as ma
from flask_smorest.fields import Upload

from app.models.imports import IMPORT_MODES, IMPORT_STATES
from app.services.pagination import ListArgsSchema, PageSchema


class ImportUploadFileSchema(ma.Schema):
    file = Upload(required=True, metadata={"description": "CSV (comma or semicolon; UTF-8 or Windows-1252) or XLSX"})


class ImportUploadFormSchema(ma.Schema):
    mode = ma.fields.String(load_default="valid-only", validate=ma.validate.OneOf(IMPORT_MODES))
    dry_run = ma.fields.Boolean(load_default=False)


class ImportRowsSchema(ma.Schema):
    read = ma.fields.Integer()
    valid = ma.fields.Integer()
    invalid = ma.fields.Integer()
    duplicate = ma.fields.Integer()
    created = ma.fields.Integer()
    updated = ma.fields.Integer()
    unchanged = ma.fields.Integer()


class ImportTimingsSchema(ma.Schema):
    created_at = ma.fields.DateTime()
    started_at = ma.fields.DateTime(allow_none=True)
    validated_at = ma.fields.DateTime(allow_none=True)
    finished_at = ma.fields.DateTime(allow_none=True)
    seconds = ma.fields.Float(allow_none=True)


class ImportRunSchema(ma.Schema):
    id = ma.fields.Integer()
    kind = ma.fields.String()
    filename = ma.fields.String()
    checksum = ma.fields.String()
    size_bytes = ma.fields.Integer()
    mode = ma.fields.String()
    dry_run = ma.fields.Boolean()
    state = ma.fields.String(validate=ma.validate.OneOf(IMPORT_STATES))
    progress = ma.fields.Float(metadata={"description": "0..1"})
    same_file_as_run_id = ma.fields.Integer(allow_none=True,
                                            metadata={"description": "an earlier completed run of the same file"})
    rows = ma.fields.Nested(ImportRowsSchema)
    details = ma.fields.Dict()
    error = ma.fields.String(allow_none=True)
    created_by = ma.fields.String(allow_none=True)
    timings = ma.fields.Nested(ImportTimingsSchema)
    report_available = ma.fields.Boolean()


class ImportPageSchema(PageSchema):
    items = ma.fields.List(ma.fields.Nested(ImportRunSchema), required=True)


class ImportErrorArgsSchema(ListArgsSchema):
    format = ma.fields.String(load_default="json", validate=ma.validate.OneOf(("json", "csv", "xlsx")))
    delimiter = ma.fields.String(load_default=",", validate=ma.validate.OneOf((",", ";")))


class ImportErrorSchema(ma.Schema):
    row_number = ma.fields.Integer()
    column = ma.fields.String(allow_none=True)
    value = ma.fields.String(allow_none=True)
    reason = ma.fields.String()
    code = ma.fields.String()


class ImportErrorPageSchema(PageSchema):
    items = ma.fields.List(ma.fields.Nested(ImportErrorSchema))

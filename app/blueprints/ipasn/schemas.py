import marshmallow as ma

from app.blueprints.reports.schemas import YearArgsSchema
from app.models.catalogue import LEADERSHIP_LEVELS, PROGRAM_ACTIVITY_KINDS
from app.models.employees import JABATAN_KINDS
from app.models.ipasn import ITEMS
from app.services.pagination import MAX_LIMIT


def _one_of(choices) -> ma.validate.OneOf:
    return ma.validate.OneOf(choices, error="harus salah satu dari: {choices}")


class IpasnReportArgsSchema(YearArgsSchema):
    opd_id = ma.fields.Integer(validate=ma.validate.Range(min=1), load_default=None)
    part = ma.fields.String(load_default="opds", validate=_one_of(("opds", "people")),
                            metadata={"description": "CSV/XLSX only: the per-OPD figures (default) or every ASN"})
    missing = ma.fields.String(load_default=None, validate=_one_of(ITEMS),
                               metadata={"description": "people lacking this item"})
    one_away = ma.fields.Boolean(load_default=False, metadata={"description": "people lacking exactly one item"})


class IpasnPeopleArgsSchema(IpasnReportArgsSchema):
    limit = ma.fields.Integer(load_default=50, validate=ma.validate.Range(min=1, max=MAX_LIMIT))
    offset = ma.fields.Integer(load_default=0, validate=ma.validate.Range(min=0, max=10_000_000))


class IpasnMeArgsSchema(ma.Schema):
    year = ma.fields.Integer(load_default=None, validate=ma.validate.Range(min=2000, max=2100))


class IpasnWeightSchema(ma.Schema):
    year = ma.fields.Integer(dump_only=True)
    post_kind = ma.fields.String(dump_only=True)
    leadership = ma.fields.Integer(required=True, validate=ma.validate.Range(min=0, max=40))
    functional = ma.fields.Integer(required=True, validate=ma.validate.Range(min=0, max=40))
    technical = ma.fields.Integer(required=True, validate=ma.validate.Range(min=0, max=40))
    seminar = ma.fields.Integer(required=True, validate=ma.validate.Range(min=0, max=40))
    source = ma.fields.String(load_default=None, allow_none=True, validate=ma.validate.Length(max=300))
    total = ma.fields.Integer(dump_only=True)
    inherited = ma.fields.Boolean(dump_only=True, metadata={"description": "from an earlier year's row"})


class IpasnWeightListSchema(ma.Schema):
    year = ma.fields.Integer(allow_none=True)
    items = ma.fields.List(ma.fields.Nested(IpasnWeightSchema))


class IpasnWeightArgsSchema(ma.Schema):
    year = ma.fields.Integer(load_default=None, validate=ma.validate.Range(min=2000, max=2100),
                             metadata={"description": "the weights in force that year (default: every row)"})


class IpasnExemptionSchema(ma.Schema):
    id = ma.fields.Integer(dump_only=True)
    item = ma.fields.String(dump_only=True)
    keyword = ma.fields.String(required=True, validate=ma.validate.Length(min=3, max=60))


class IpasnExemptionListSchema(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(IpasnExemptionSchema))


class IpasnMappingSchema(ma.Schema):
    activity_kind = ma.fields.String(load_default=None, allow_none=True, validate=_one_of(PROGRAM_ACTIVITY_KINDS))
    leadership_level = ma.fields.String(load_default=None, allow_none=True, validate=_one_of(LEADERSHIP_LEVELS))
    program_id = ma.fields.Integer(dump_only=True)
    code = ma.fields.String(dump_only=True)
    lines_relabelled = ma.fields.Integer(dump_only=True)


class IpasnReportSchema(ma.Schema):
    class Meta:
        unknown = ma.INCLUDE

    year = ma.fields.Integer()
    opd_id = ma.fields.Integer(allow_none=True)
    technical_min_jp = ma.fields.Integer()
    overall = ma.fields.Dict()
    opds = ma.fields.List(ma.fields.Dict())
    post_kinds = ma.fields.List(ma.fields.Dict())
    distribution = ma.fields.List(ma.fields.Dict(), metadata={"description": "people per score"})
    one_away = ma.fields.List(ma.fields.Dict(), metadata={
        "description": "per missing item: people lacking only it, the points they would add and the rise of the "
                       "region's average"})


class IpasnPersonSchema(ma.Schema):
    class Meta:
        unknown = ma.INCLUDE

    employee_id = ma.fields.Integer()
    nip = ma.fields.String()
    name = ma.fields.String()
    opd_id = ma.fields.Integer(allow_none=True)
    opd_name = ma.fields.String(allow_none=True)
    jabatan = ma.fields.String(allow_none=True)
    post_kind = ma.fields.String(validate=_one_of(JABATAN_KINDS))
    score = ma.fields.Integer()
    max_score = ma.fields.Integer()
    missing = ma.fields.Integer()
    lacks = ma.fields.List(ma.fields.String())
    items = ma.fields.Dict(metadata={"description": "leadership, functional, technical, seminar: status "
                                                    "(met, exempt, missing, n/a), weight and evidence (JP lines)"})


class IpasnPeoplePageSchema(ma.Schema):
    year = ma.fields.Integer()
    items = ma.fields.List(ma.fields.Nested(IpasnPersonSchema))
    total = ma.fields.Integer()
    limit = ma.fields.Integer()
    offset = ma.fields.Integer()


class IpasnMeSchema(ma.Schema):
    year = ma.fields.Integer()
    assessed = ma.fields.Boolean()
    person = ma.fields.Nested(IpasnPersonSchema, allow_none=True)

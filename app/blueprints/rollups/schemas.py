import marshmallow as ma

from app.services.rollups.read import MAX_YEAR, MIN_YEAR


class YearArgsSchema(ma.Schema):
    year = ma.fields.Integer(validate=ma.validate.Range(min=MIN_YEAR, max=MAX_YEAR),
                             metadata={"description": "Calendar year (default: this year, WIB)"})


class RollupArgsSchema(YearArgsSchema):
    format = ma.fields.String(load_default="json", validate=ma.validate.OneOf(("json", "csv", "xlsx")))


class IpasnFiguresSchema(ma.Schema):
    """The IP ASN competency dimension over the year's ASN (counts; average and shares derived from them)."""

    class Meta:
        unknown = ma.INCLUDE

    assessed = ma.fields.Integer(metadata={"description": "ASN assessed (a jabatan kind filled)"})
    score_total = ma.fields.Float()
    average_score = ma.fields.Float(allow_none=True, metadata={"description": "out of 40"})
    leadership_due = ma.fields.Integer()
    leadership_met = ma.fields.Integer()
    leadership_share = ma.fields.Float(allow_none=True, metadata={"description": "percent of those due"})
    functional_due = ma.fields.Integer()
    functional_met = ma.fields.Integer()
    functional_exempt = ma.fields.Integer()
    functional_share = ma.fields.Float(allow_none=True)
    technical_due = ma.fields.Integer()
    technical_met = ma.fields.Integer()
    technical_share = ma.fields.Float(allow_none=True)
    seminar_due = ma.fields.Integer()
    seminar_met = ma.fields.Integer()
    seminar_share = ma.fields.Float(allow_none=True)
    complete = ma.fields.Integer(metadata={"description": "meeting every item due"})
    one_away = ma.fields.Integer(metadata={"description": "lacking exactly one item"})
    one_away_gain = ma.fields.Float(metadata={"description": "points those one item away would add"})
    one_away_average_gain = ma.fields.Float(allow_none=True)


class FiguresSchema(ma.Schema):
    """One region's (or a sum's) figures for the year; aggregates only."""

    class Meta:
        unknown = ma.INCLUDE

    asn_pns = ma.fields.Integer()
    asn_pppk = ma.fields.Integer()
    asn_total = ma.fields.Integer()
    people_trained = ma.fields.Integer()
    jp_delivered = ma.fields.Float()
    asn_meeting_20jp = ma.fields.Integer()
    share_meeting_20jp = ma.fields.Float(allow_none=True, metadata={"description": "percent"})
    pppk_oriented = ma.fields.Integer()
    target_people = ma.fields.Integer(allow_none=True)
    achieved_vs_target = ma.fields.Float(allow_none=True, metadata={"description": "percent"})
    cohorts_by_program = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.Integer())
    regions = ma.fields.Integer(metadata={"description": "totals only: how many regions the total includes"})
    ipasn = ma.fields.Nested(IpasnFiguresSchema)


class CoverageSchema(ma.Schema):
    """How many regions a total includes, by the state of their figures."""

    regions = ma.fields.Integer()
    fresh = ma.fields.Integer()
    stale = ma.fields.Integer(metadata={"description": "last refresh failed: last good figures shown"})
    never_refreshed = ma.fields.Integer(metadata={"description": "never computed: zeros shown"})
    not_computed = ma.fields.Integer(metadata={"description": "refreshed, but not for this year: zeros shown"})
    without_activity = ma.fields.Integer(metadata={"description": "no training that year (belum ada kegiatan)"})


class RollupTenantSchema(ma.Schema):
    slug = ma.fields.String()
    name = ma.fields.String()
    kind = ma.fields.String()
    region_code = ma.fields.String()
    province_code = ma.fields.String()
    province_name = ma.fields.String(allow_none=True)
    figures = ma.fields.Nested(FiguresSchema, metadata={"description": "never null: zeros when nothing happened"})
    activity = ma.fields.Boolean(metadata={"description": "false: belum ada kegiatan (no training that year)"})
    status = ma.fields.String(metadata={"enum": ["fresh", "stale", "never_refreshed", "not_computed"]})
    refreshed_at = ma.fields.DateTime(allow_none=True)
    figures_as_of = ma.fields.DateTime(allow_none=True, metadata={"description": "when these figures were computed"})
    last_success_at = ma.fields.DateTime(allow_none=True)
    stale = ma.fields.Boolean()
    last_refresh_failed = ma.fields.Boolean()
    last_attempt_at = ma.fields.DateTime(allow_none=True)


class TrendYearSchema(ma.Schema):
    year = ma.fields.Integer()
    people_trained = ma.fields.Integer()
    jp_delivered = ma.fields.Float()
    asn_meeting_20jp = ma.fields.Integer()
    asn_total = ma.fields.Integer()
    share_meeting_20jp = ma.fields.Float(allow_none=True)


class ProvinceTotalSchema(ma.Schema):
    province_code = ma.fields.String()
    province_name = ma.fields.String(allow_none=True)
    tenants = ma.fields.Integer()
    figures = ma.fields.Nested(FiguresSchema)
    coverage = ma.fields.Nested(CoverageSchema)


class RollupSchema(ma.Schema):
    scope = ma.fields.String(metadata={"enum": ["province", "national"]})
    year = ma.fields.Integer()
    province_code = ma.fields.String(metadata={"description": "scope province only"})
    province_name = ma.fields.String(allow_none=True)
    tenants = ma.fields.List(ma.fields.Nested(RollupTenantSchema))
    provinces = ma.fields.List(ma.fields.Nested(ProvinceTotalSchema), metadata={"description": "scope national only"})
    total = ma.fields.Nested(FiguresSchema)
    coverage = ma.fields.Nested(CoverageSchema)
    trend = ma.fields.List(ma.fields.Nested(TrendYearSchema), metadata={"description": "contiguous years"})


class BreakdownCellSchema(ma.Schema):
    kind = ma.fields.String()
    label = ma.fields.String()
    asn_total = ma.fields.Integer(allow_none=True)
    people_trained = ma.fields.Integer(allow_none=True)
    asn_meeting_20jp = ma.fields.Integer(allow_none=True)
    jp_delivered = ma.fields.Float(allow_none=True)
    share_meeting_20jp = ma.fields.Float(allow_none=True)
    suppressed = ma.fields.Boolean(metadata={"description": "fewer than 5 people (or needed to protect one): no "
                                                            "figure shown"})


class BreakdownSchema(ma.Schema):
    year = ma.fields.Integer()
    province_code = ma.fields.String()
    province_name = ma.fields.String(allow_none=True)
    slug = ma.fields.String()
    name = ma.fields.String()
    kind = ma.fields.String()
    small_cell = ma.fields.Integer()
    by_opd_kind = ma.fields.List(ma.fields.Nested(BreakdownCellSchema))
    by_jabatan_kind = ma.fields.List(ma.fields.Nested(BreakdownCellSchema))


class RefreshArgsSchema(ma.Schema):
    """POST /admin/api/v1/tenants/<slug>/rollups/refresh (the body is optional)."""

    years = ma.fields.List(ma.fields.Integer(validate=ma.validate.Range(min=MIN_YEAR, max=MAX_YEAR)),
                           validate=ma.validate.Length(max=101),
                           metadata={"description": "only these years (default: every year of the views)"})
    inline = ma.fields.Boolean(load_default=False,
                               metadata={"description": "refresh within the call (200) instead of enqueuing (202)"})


class RefreshSchema(ma.Schema):
    tenant = ma.fields.String()
    inline = ma.fields.Boolean()
    job_id = ma.fields.String(allow_none=True, metadata={"description": "the RQ job (enqueued only)"})
    years = ma.fields.List(ma.fields.Integer(), metadata={"description": "years written (inline) or asked"})
    rows = ma.fields.Integer(allow_none=True, metadata={"description": "summary rows written (inline only)"})

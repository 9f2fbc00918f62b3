import marshmallow as ma

from app.services.rollups.read import MAX_YEAR, MIN_YEAR


class RollupArgsSchema(ma.Schema):
    year = ma.fields.Integer(validate=ma.validate.Range(min=MIN_YEAR, max=MAX_YEAR),
                             metadata={"description": "Calendar year (default: this year)"})
    format = ma.fields.String(load_default="json", validate=ma.validate.OneOf(("json", "csv", "xlsx")))


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


class RollupTenantSchema(ma.Schema):
    slug = ma.fields.String()
    name = ma.fields.String()
    kind = ma.fields.String()
    region_code = ma.fields.String()
    province_code = ma.fields.String()
    province_name = ma.fields.String(allow_none=True)
    figures = ma.fields.Nested(FiguresSchema, allow_none=True)
    refreshed_at = ma.fields.DateTime(allow_none=True)
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
    figures = ma.fields.Nested(FiguresSchema, allow_none=True)


class RollupSchema(ma.Schema):
    scope = ma.fields.String(metadata={"enum": ["province", "national"]})
    year = ma.fields.Integer()
    province_code = ma.fields.String(metadata={"description": "scope province only"})
    province_name = ma.fields.String(allow_none=True)
    tenants = ma.fields.List(ma.fields.Nested(RollupTenantSchema))
    provinces = ma.fields.List(ma.fields.Nested(ProvinceTotalSchema), metadata={"description": "scope national only"})
    total = ma.fields.Nested(FiguresSchema, allow_none=True)
    trend = ma.fields.List(ma.fields.Nested(TrendYearSchema))

"""Schemas of the planning API: needs rounds, needs, the plan, plan lines and cohort budgets. Money is whole rupiah
(an integer ≥ 0), dumped as an integer."""

from __future__ import annotations

import marshmallow as ma
from flask_smorest.fields import Upload

from app.blueprints.cohorts.schemas import CohortCreateSchema, CohortDetailSchema
from app.models.catalogue import COMPETENCY_TYPES
from app.models.planning import NEED_STATUSES, ROUND_STATUSES
from app.services.pagination import PageSchema, cursor_field
from app.web.inputs import StrippedString

MAX_RUPIAH = 10**14  # NUMERIC(15, 0)


def _int(**kwargs) -> ma.fields.Integer:
    return ma.fields.Integer(strict=True, **kwargs)


def _money(**kwargs) -> ma.fields.Integer:
    return ma.fields.Integer(strict=True, validate=ma.validate.Range(min=0, max=MAX_RUPIAH - 1,
                                                                     error="harus rupiah 0 atau lebih"), **kwargs)


class MoneyOut(ma.fields.Field):
    def _serialize(self, value, attr, obj, **kwargs):
        return None if value is None else int(value)


class RoundCreateSchema(ma.Schema):
    year = _int(required=True, validate=ma.validate.Range(min=2000, max=2100))
    deadline = ma.fields.Date(required=True, metadata={"description": "last day OPDs may enter needs"})


class RoundUpdateSchema(ma.Schema):
    deadline = ma.fields.Date()
    close = ma.fields.Boolean(load_default=False, metadata={"description": "close the round (no need left open)"})


class RoundSchema(ma.Schema):
    id = ma.fields.Integer()
    year = ma.fields.Integer()
    status = ma.fields.String(metadata={"enum": list(ROUND_STATUSES)})
    deadline = ma.fields.Date()
    past_deadline = ma.fields.Boolean()
    opened_at = ma.fields.DateTime()
    closed_at = ma.fields.DateTime(allow_none=True)
    counts = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.Integer())
    total = ma.fields.Integer()


class RoundListSchema(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(RoundSchema))


class NeedCreateSchema(ma.Schema):
    """Per employee (`employee_nip`) or per position (`position_name`, with `people`)."""

    employee_nip = StrippedString(validate=ma.validate.Length(max=30), load_default=None)
    position_name = StrippedString(validate=ma.validate.Length(max=200), load_default=None)
    people = _int(load_default=1, validate=ma.validate.Range(min=1, max=100_000))
    opd_id = _int(load_default=None, allow_none=True, metadata={"description": "default: the employee's OPD"})
    gap = StrippedString(required=True, validate=ma.validate.Length(min=1, max=1000),
                         metadata={"description": "the competency gap"})
    kind = ma.fields.String(required=True, validate=ma.validate.OneOf(COMPETENCY_TYPES))
    program_id = _int(load_default=None, allow_none=True, metadata={"description": "a catalogue program"})
    proposed_program_name = StrippedString(validate=ma.validate.Length(max=200), load_default=None,
                                           metadata={"description": "a new program, by name"})
    priority = _int(load_default=2, validate=ma.validate.OneOf((1, 2, 3)),
                    metadata={"description": "1 tinggi, 2 sedang, 3 rendah"})
    reason = StrippedString(required=True, validate=ma.validate.Length(min=1, max=1000))


class NeedSchema(ma.Schema):
    id = ma.fields.Integer()
    year = ma.fields.Integer()
    round_status = ma.fields.String()
    opd_id = ma.fields.Integer()
    opd_name = ma.fields.String()
    employee_id = ma.fields.Integer(allow_none=True)
    employee_nip = ma.fields.String(allow_none=True)
    employee_name = ma.fields.String(allow_none=True)
    position_name = ma.fields.String(allow_none=True)
    people = ma.fields.Integer()
    gap = ma.fields.String()
    kind = ma.fields.String()
    program_id = ma.fields.Integer(allow_none=True)
    program_code = ma.fields.String(allow_none=True)
    program_name = ma.fields.String(allow_none=True)
    proposed_program_name = ma.fields.String(allow_none=True)
    priority = ma.fields.Integer()
    reason = ma.fields.String()
    status = ma.fields.String(metadata={"enum": list(NEED_STATUSES)})
    note = ma.fields.String(allow_none=True)
    merged_into_id = ma.fields.Integer(allow_none=True)
    source = ma.fields.String()
    created_at = ma.fields.DateTime()
    decided_at = ma.fields.DateTime(allow_none=True)


class NeedPageSchema(PageSchema):
    items = ma.fields.List(ma.fields.Nested(NeedSchema))


class NeedListArgsSchema(ma.Schema):
    opd_id = ma.fields.Integer()
    status = ma.fields.String(validate=ma.validate.OneOf(NEED_STATUSES))
    program_id = ma.fields.Integer()
    limit = ma.fields.Integer(load_default=200, validate=ma.validate.Range(min=1, max=1000))
    offset = ma.fields.Integer(load_default=0, validate=ma.validate.Range(min=0, max=10_000_000))
    cursor = cursor_field()


class DecisionSchema(ma.Schema):
    decision = ma.fields.String(required=True, validate=ma.validate.OneOf(("verify", "merge", "reject")))
    note = StrippedString(validate=ma.validate.Length(max=1000), load_default=None,
                          metadata={"description": "required to merge or reject"})
    merged_into_id = _int(load_default=None, allow_none=True)
    program_id = _int(load_default=None, allow_none=True,
                      metadata={"description": "verify: map a proposed program to a catalogue program"})


class NeedsUploadSchema(ma.Schema):
    file = Upload(required=True, metadata={"description": "the needs template (XLSX) or a CSV with its columns"})


class UploadRowErrorSchema(ma.Schema):
    column = ma.fields.String()
    value = ma.fields.String()
    reason = ma.fields.String()


class UploadRowSchema(ma.Schema):
    row = ma.fields.Integer()
    ok = ma.fields.Boolean()
    errors = ma.fields.List(ma.fields.Nested(UploadRowErrorSchema))


class NeedsUploadResultSchema(ma.Schema):
    year = ma.fields.Integer()
    created = ma.fields.Integer()
    need_ids = ma.fields.List(ma.fields.Integer())
    rows = ma.fields.List(ma.fields.Nested(UploadRowSchema))


class SheetArgsSchema(ma.Schema):
    format = ma.fields.String(load_default="json", validate=ma.validate.OneOf(("json", "xlsx", "csv")))


class PlacesSchema(ma.Schema):
    opd_id = _int(required=True)
    places = _int(required=True, validate=ma.validate.Range(min=0, max=1_000_000))


class PlanLineCreateSchema(ma.Schema):
    year = _int(required=True, validate=ma.validate.Range(min=2000, max=2100))
    program_id = _int(required=True)
    pagu = _money(load_default=0)
    planned_cohorts = _int(load_default=1, validate=ma.validate.Range(min=0, max=1000))
    places = ma.fields.List(ma.fields.Nested(PlacesSchema), load_default=list,
                            validate=ma.validate.Length(max=2000))


class PlanLineUpdateSchema(ma.Schema):
    pagu = _money()
    planned_cohorts = _int(validate=ma.validate.Range(min=0, max=1000))
    places = ma.fields.List(ma.fields.Nested(PlacesSchema), validate=ma.validate.Length(max=2000))


class PlanLineSchema(ma.Schema):
    id = ma.fields.Integer()
    year = ma.fields.Integer()
    program_id = ma.fields.Integer()
    program_code = ma.fields.String()
    program_name = ma.fields.String()
    planned_cohorts = ma.fields.Integer()
    pagu = MoneyOut()
    places = ma.fields.List(ma.fields.Nested(PlacesSchema))
    cohort_ids = ma.fields.List(ma.fields.Integer())


class BuildResultSchema(ma.Schema):
    year = ma.fields.Integer()
    created = ma.fields.Integer()
    updated = ma.fields.Integer()
    lines = ma.fields.Integer()


class LineCohortCreateSchema(CohortCreateSchema):
    """A cohort of the line's program in the line's year (so neither is sent), with its own ceiling."""

    class Meta:
        exclude = ("program_id", "year")

    pagu = _money(load_default=None, allow_none=True)


class LinkSchema(ma.Schema):
    cohort_id = _int(required=True)


class BudgetSchema(ma.Schema):
    cohort_id = ma.fields.Integer(dump_only=True)
    pagu = _money(allow_none=True)
    honorarium = _money()
    venue = _money(metadata={"description": "the venue (tempat)"})
    consumption = _money(metadata={"description": "meals (konsumsi)"})
    partner_fee = _money(metadata={"description": "the partner institution's fee"})
    realised = MoneyOut(dump_only=True)
    cost_recorded_at = ma.fields.DateTime(dump_only=True, allow_none=True)

    @ma.post_dump
    def _ints(self, data, **_kwargs):
        for k in ("pagu", "honorarium", "venue", "consumption", "partner_fee"):
            if data.get(k) is not None:
                data[k] = int(data[k])
        return data


class LineCohortSchema(CohortDetailSchema):
    plan_line_id = ma.fields.Integer()
    budget = ma.fields.Nested(BudgetSchema)


class CellSchema(ma.Schema):
    needs = ma.fields.Integer()
    places = ma.fields.Integer()
    enrolled = ma.fields.Integer()
    passed = ma.fields.Integer()
    jp = ma.fields.Integer(metadata={"description": "JP earned by the passes"})
    realised = MoneyOut()
    cost_per_participant = MoneyOut(allow_none=True)
    cost_per_jp = MoneyOut(allow_none=True)


class OpdCellSchema(CellSchema):
    opd_id = ma.fields.Integer()
    opd_name = ma.fields.String()


class PlanCohortSchema(ma.Schema):
    id = ma.fields.Integer()
    label = ma.fields.String()
    quota = ma.fields.Integer(allow_none=True)
    start_date = ma.fields.Date(allow_none=True)
    end_date = ma.fields.Date(allow_none=True)
    enrolled = ma.fields.Integer()
    passed = ma.fields.Integer()
    jp = ma.fields.Integer()
    pagu = MoneyOut(allow_none=True)
    honorarium = MoneyOut()
    venue = MoneyOut()
    consumption = MoneyOut()
    partner_fee = MoneyOut()
    realised = MoneyOut()
    cost_per_participant = MoneyOut(allow_none=True)
    cost_per_jp = MoneyOut(allow_none=True)


class PlanProgramSchema(CellSchema):
    program_id = ma.fields.Integer()
    program_code = ma.fields.String()
    program_name = ma.fields.String()
    program_jp = ma.fields.Integer()
    plan_line_id = ma.fields.Integer(allow_none=True)
    planned_cohorts = ma.fields.Integer()
    pagu = MoneyOut()
    cohort_pagu = MoneyOut()
    cohorts = ma.fields.List(ma.fields.Nested(PlanCohortSchema))
    opds = ma.fields.List(ma.fields.Nested(OpdCellSchema))


class PlanTotalsSchema(CellSchema):
    pagu = MoneyOut()
    planned_cohorts = ma.fields.Integer()
    cohorts = ma.fields.Integer()


class PlanSchema(ma.Schema):
    year = ma.fields.Integer()
    round = ma.fields.Dict(allow_none=True)
    programs = ma.fields.List(ma.fields.Nested(PlanProgramSchema))
    opds = ma.fields.List(ma.fields.Nested(OpdCellSchema))
    totals = ma.fields.Nested(PlanTotalsSchema)


class PersonNeedSchema(NeedSchema):
    trained = ma.fields.Boolean()
    training = ma.fields.Dict(allow_none=True)


class PersonNeedListSchema(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(PersonNeedSchema))

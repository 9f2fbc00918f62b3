import marshmallow as ma

from app.models.cohorts import COHORT_MODES
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


class CohortPhaseInSchema(ma.Schema):
    name = StrippedString(required=True, validate=ma.validate.Length(min=1, max=200))
    start_date = ma.fields.Date(required=True)
    end_date = ma.fields.Date(required=True)
    graded = ma.fields.Boolean(load_default=False)


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

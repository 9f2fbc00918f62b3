from app.blueprints.cohorts.schemas import (
    CohortCreateSchema,
    CohortDetailSchema,
    CohortListArgsSchema,
    CohortPageSchema,
    CohortPhasesSchema,
    CohortUpdateSchema,
)
from app.services.cohorts import schedule as service
from app.web.blueprints import tenant_api_blueprint
from app.web.responses import commit

blp = tenant_api_blueprint("cohorts", __name__, "cohorts",
                           "Cohorts (angkatan): one run of a program in a year, with its ordered phases.")


@blp.get("")
@blp.arguments(CohortListArgsSchema, location="query")
@blp.response(200, CohortPageSchema)
def list_cohorts(args):
    return service.list_cohorts(**args)


@blp.post("")
@blp.arguments(CohortCreateSchema)
@blp.response(201, CohortDetailSchema)
def create_cohort(data):
    return commit(service.create_cohort(**data))


@blp.get("/<int:cohort_id>")
@blp.response(200, CohortDetailSchema)
def get_cohort(cohort_id):
    return service.cohort_detail(cohort_id)


@blp.patch("/<int:cohort_id>")
@blp.arguments(CohortUpdateSchema)
@blp.response(200, CohortDetailSchema)
def update_cohort(data, cohort_id):
    return commit(service.update_cohort(cohort_id, **data))


@blp.put("/<int:cohort_id>/phases")
@blp.arguments(CohortPhasesSchema)
@blp.response(200, CohortDetailSchema)
def replace_phases(data, cohort_id):
    return commit(service.replace_phases(cohort_id, data["phases"]))

from app.blueprints.cohorts.schemas_enrolments import (
    EnrolmentCreateSchema,
    EnrolmentListArgsSchema,
    EnrolmentPageSchema,
    EnrolmentPhaseResultInSchema,
    EnrolmentPhaseResultSchema,
    EnrolmentSchema,
    EnrolmentTransitionSchema,
)
from app.services.cohorts import enrolments as service
from app.web.blueprints import tenant_api_blueprint
from app.web.responses import commit

blp = tenant_api_blueprint(
    "enrolments", __name__, "",
    "Enrolments: employees in cohorts, the status machine (registered → attending → passed | failed | withdrawn), "
    "per-phase results and certificates (STTPP). A pass adds the JP to the employee's ledger.",
)


@blp.post("/cohorts/<int:cohort_id>/enrolments")
@blp.arguments(EnrolmentCreateSchema)
@blp.response(201, EnrolmentSchema)
def enrol(data, cohort_id):
    """Register an employee (by NIP or id) in a cohort, within its quota."""
    return commit(service.enrolment_detail(service.enrol(cohort_id, **data).id))


@blp.get("/cohorts/<int:cohort_id>/enrolments")
@blp.arguments(EnrolmentListArgsSchema, location="query")
@blp.response(200, EnrolmentPageSchema)
def roster(args, cohort_id):
    """The cohort roster: participants with NIP, name, OPD, status and certificate."""
    return service.list_roster(cohort_id, **args)


@blp.get("/enrolments/<int:enrolment_id>")
@blp.response(200, EnrolmentSchema)
def get_enrolment(enrolment_id):
    return service.enrolment_detail(enrolment_id)


@blp.post("/enrolments/<int:enrolment_id>/transition")
@blp.arguments(EnrolmentTransitionSchema)
@blp.response(200, EnrolmentSchema)
def transition(data, enrolment_id):
    """Change the status; `passed` needs certificate_number and certificate_date (jp_earned defaults to the
    program's JP) and every graded phase passed."""
    enrolment = service.transition(enrolment_id, data.pop("to"), **data)
    return commit(service.enrolment_detail(enrolment.id))


@blp.put("/enrolments/<int:enrolment_id>/phase-results/<int:phase_id>")
@blp.arguments(EnrolmentPhaseResultInSchema)
@blp.response(200, EnrolmentPhaseResultSchema)
def set_phase_result(data, enrolment_id, phase_id):
    """Record the result of a graded phase (e.g. aksi perubahan) while the enrolment is open."""
    return commit(service.set_phase_result(enrolment_id, phase_id, **data))

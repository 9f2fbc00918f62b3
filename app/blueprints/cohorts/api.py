"""Cohorts (/cohorts: with their phases), enrolments (/cohorts/<id>/enrolments, /enrolments/<id>: the status
machine, phase results, certificates) and attendance per day (/cohorts/<id>/attendance/<day>)."""

from flask import url_for

from app.blueprints.cohorts.schemas import (
    AttendanceDaySheetSchema,
    AttendanceMarkDaySchema,
    AttendanceMarkResultSchema,
    AttendanceSummaryArgsSchema,
    AttendanceSummarySchema,
    BulkEnrolFileSchema,
    BulkEnrolResultSchema,
    BulkEnrolSchema,
    BulkEnrolUploadSchema,
    BulkRunSchema,
    BulkStatusSchema,
    CohortCreateSchema,
    CohortDetailSchema,
    CohortListArgsSchema,
    CohortPageSchema,
    CohortPhasesSchema,
    CohortUpdateSchema,
    EnrolmentCorrectionSchema,
    EnrolmentCreateOverrideSchema,
    EnrolmentListArgsSchema,
    EnrolmentPageSchema,
    EnrolmentPhaseResultInSchema,
    EnrolmentPhaseResultSchema,
    EnrolmentSchema,
    EnrolmentTransitionSchema,
    ResultsOptionsSchema,
    ResultsReportSchema,
    ResultsSheetArgsSchema,
)
from app.services.cohorts import attendance, bulk_enrol, bulk_runs, enrolments, results_sheet, schedule
from app.web.blueprints import tenant_api_blueprint
from app.web.responses import commit, downloadable, send_table

cohorts_api = tenant_api_blueprint("cohorts", __name__, "cohorts",
                           "Cohorts (angkatan): one run of a program in a year, with its ordered phases.")


@cohorts_api.get("")
@cohorts_api.arguments(CohortListArgsSchema, location="query")
@cohorts_api.response(200, CohortPageSchema)
def list_cohorts(args):
    return schedule.list_cohorts(**args)


@cohorts_api.post("")
@cohorts_api.arguments(CohortCreateSchema)
@cohorts_api.response(201, CohortDetailSchema)
def create_cohort(data):
    return commit(schedule.create_cohort(**data))


@cohorts_api.get("/<int:cohort_id>")
@cohorts_api.response(200, CohortDetailSchema)
def get_cohort(cohort_id):
    return schedule.cohort_detail(cohort_id)


@cohorts_api.patch("/<int:cohort_id>")
@cohorts_api.arguments(CohortUpdateSchema)
@cohorts_api.response(200, CohortDetailSchema)
def update_cohort(data, cohort_id):
    return commit(schedule.update_cohort(cohort_id, **data))


@cohorts_api.put("/<int:cohort_id>/phases")
@cohorts_api.arguments(CohortPhasesSchema)
@cohorts_api.response(200, CohortDetailSchema)
def replace_phases(data, cohort_id):
    return commit(schedule.replace_phases(cohort_id, data["phases"]))


enrolments_api = tenant_api_blueprint(
    "enrolments", __name__, "",
    "Enrolments: employees in cohorts, the status machine (registered → attending → passed | failed | withdrawn), "
    "per-phase results and certificates (STTPP). A pass adds the JP to the employee's ledger.",
)


@enrolments_api.post("/cohorts/<int:cohort_id>/enrolments")
@enrolments_api.arguments(EnrolmentCreateOverrideSchema)
@enrolments_api.response(201, EnrolmentSchema)
def enrol(data, cohort_id):
    """Register an employee (by NIP or id) in a cohort, within its quota and the program's eligibility rules
    (an admin may send `override_reason` to enrol despite them; audited)."""
    return commit(enrolments.enrolment_detail(enrolments.enrol(cohort_id, **data).id))


def _queued(run):
    """202 with the run's URL: a large confirmation is written by a worker (poll the URL)."""
    from flask import jsonify

    url = url_for("enrolments.bulk_run", cohort_id=run.cohort_id, run_id=run.id)
    resp = jsonify(BulkRunSchema().dump({**bulk_runs.run_detail(run), "url": url}))
    resp.status_code, resp.headers["Location"] = 202, url
    return resp


def _bulk(cohort_id: int, nips, filters, data: dict, source: str):
    if data.get("confirm") and (nips is None) != (filters is None):
        picked = len(nips) if nips is not None else bulk_enrol.count_for_filters(cohort_id, **(filters or {}))
        if bulk_runs.runs_as_job(picked):
            return _queued(bulk_runs.start_enrol(cohort_id, nips, token=data.get("token"), filters=filters,
                                                 rows=picked, override_reason=data.get("override_reason"),
                                                 source=source))
    result = bulk_enrol.run(cohort_id, nips=nips, filters=filters, confirm_it=data.get("confirm", False),
                            token=data.get("token"), override_reason=data.get("override_reason"), source=source)
    return commit(result) if result["confirmed"] else result


@enrolments_api.post("/cohorts/<int:cohort_id>/enrolments/bulk")
@enrolments_api.arguments(BulkEnrolSchema)
@enrolments_api.response(200, BulkEnrolResultSchema)
@enrolments_api.alt_response(202, schema=BulkRunSchema, description="more than COHORT_BULK_JOB_ROWS NIPs "
                             "confirmed: written by a worker; poll the run's URL (Location)")
def bulk_enrol_people(data, cohort_id):
    """Enrol many people at once: `nips` (a list), `text` (pasted, one a line) or `filters` (OPD, jabatan kind,
    golongan, PNS/PPPK, has not passed this program). Without `confirm`: a preview of who will be enrolled and
    who is refused and why (not found, already enrolled, not eligible, over quota...), with a `token`; send the
    same body with `confirm: true` and that token to enrol them, in one audited action."""
    nips = data.get("nips")
    if nips is None and "text" in data:
        nips = bulk_enrol.nips_from_text(data["text"])
    return _bulk(cohort_id, nips, data.get("filters"), data, "api")


@enrolments_api.post("/cohorts/<int:cohort_id>/enrolments/bulk-file")
@enrolments_api.arguments(BulkEnrolUploadSchema, location="files")
@enrolments_api.arguments(BulkEnrolFileSchema, location="form")
@enrolments_api.response(200, BulkEnrolResultSchema)
@enrolments_api.alt_response(202, schema=BulkRunSchema, description="a large confirmation, written by a worker")
def bulk_enrol_file(files, form, cohort_id):
    """The same as /bulk with the NIP column of a CSV or XLSX file (preview, then confirm with the token and the
    same file)."""
    upload = files["file"]
    try:
        nips = bulk_enrol.nips_from_upload(upload.stream, upload.filename or "")
    finally:
        upload.close()
    return _bulk(cohort_id, nips, None, form, "file")


@enrolments_api.get("/cohorts/<int:cohort_id>/enrolments")
@enrolments_api.arguments(EnrolmentListArgsSchema, location="query")
@enrolments_api.response(200, EnrolmentPageSchema)
def roster(args, cohort_id):
    """The cohort roster: participants with NIP, name, OPD, status and certificate."""
    return enrolments.list_roster(cohort_id, **args)


@enrolments_api.get("/enrolments/<int:enrolment_id>")
@enrolments_api.response(200, EnrolmentSchema)
def get_enrolment(enrolment_id):
    return enrolments.enrolment_detail(enrolment_id)


@enrolments_api.post("/enrolments/<int:enrolment_id>/transition")
@enrolments_api.arguments(EnrolmentTransitionSchema)
@enrolments_api.response(200, EnrolmentSchema)
def transition(data, enrolment_id):
    """Change the status; `passed` needs certificate_number and certificate_date (jp_earned defaults to the
    program's JP) and every graded phase passed."""
    enrolment = enrolments.transition(enrolment_id, data.pop("to"), **data)
    return commit(enrolments.enrolment_detail(enrolment.id))


def _options(data: dict) -> dict:
    return {k: data[k] for k in ("sttpp_pattern", "sttpp_start", "certificate_date") if data.get(k) is not None}


@enrolments_api.get("/cohorts/<int:cohort_id>/results-sheet")
@enrolments_api.arguments(ResultsSheetArgsSchema, location="query")
@downloadable(enrolments_api)
def download_results_sheet(args, cohort_id):
    """The cohort's results sheet: the roster with HASIL/NILAI per graded phase, HASIL, NILAI, NO_STTPP,
    TGL_STTPP and JP (empty while open), to fill in and upload back."""
    columns, rows, label = results_sheet.sheet(cohort_id)
    return send_table(args["format"], columns, rows, name_parts=["hasil", label], title="Hasil")


@enrolments_api.post("/cohorts/<int:cohort_id>/results-sheet")
@enrolments_api.arguments(BulkEnrolUploadSchema, location="files")
@enrolments_api.arguments(ResultsOptionsSchema, location="form")
@enrolments_api.response(200, ResultsReportSchema)
@enrolments_api.alt_response(202, schema=BulkRunSchema, description="more than COHORT_BULK_JOB_ROWS rows "
                             "confirmed: written by a worker; poll the run's URL (Location)")
def upload_results_sheet(files, form, cohort_id):
    """Upload the filled results sheet: without `confirm` a row report (what each row will do, or why not) and a
    token; with `confirm` and the token, every valid row is written (phase results, outcome, STTPP, JP ledger).
    Passes without NO_STTPP take numbers from `sttpp_pattern` ({seq} from `sttpp_start`, in sheet order)."""
    upload = files["file"]
    try:
        rows = results_sheet.rows_from_upload(cohort_id, upload.stream, upload.filename or "")
    finally:
        upload.close()
    if form["confirm"] and bulk_runs.runs_as_job(len(rows)):
        return _queued(bulk_runs.start_results(cohort_id, rows, token=form.get("token"), source="sheet",
                                               options=_options(form)))
    result = results_sheet.run(cohort_id, rows, confirm_it=form["confirm"], token=form.get("token"), source="sheet",
                               **_options(form))
    return commit(result) if result["confirmed"] else result


@enrolments_api.get("/cohorts/<int:cohort_id>/bulk-runs/<int:run_id>")
@enrolments_api.response(200, BulkRunSchema)
def bulk_run(cohort_id, run_id):
    """A large bulk enrolment or results upload written by a worker: its state (queued, running, done, failed),
    then its report (done) or the reason (failed)."""
    run = bulk_runs.get_run(cohort_id, run_id, reap=True)
    return {**bulk_runs.run_detail(run), "url": url_for("enrolments.bulk_run", cohort_id=cohort_id, run_id=run_id)}


@enrolments_api.post("/cohorts/<int:cohort_id>/enrolments/bulk-status")
@enrolments_api.arguments(BulkStatusSchema)
@enrolments_api.response(200, ResultsReportSchema)
def bulk_status(data, cohort_id):
    """Move every open participant (or `enrolment_ids`) to `to`: attending, or passed (graded phases passed; STTPP
    numbers from `sttpp_pattern`, dated `certificate_date`), failed, withdrawn. Preview, then confirm with the
    token."""
    result = results_sheet.bulk_status(cohort_id, data["to"], data.get("enrolment_ids"), confirm_it=data["confirm"],
                                       token=data.get("token"), **_options(data))
    return commit(result) if result["confirmed"] else result


@enrolments_api.patch("/enrolments/<int:enrolment_id>")
@enrolments_api.arguments(EnrolmentCorrectionSchema)
@enrolments_api.response(200, EnrolmentSchema)
def correct(data, enrolment_id):
    """Correct a finished result (passed, failed, withdrawn) with a required `reason`: outcome, STTPP number and
    date, JP, score and graded-phase results. The JP ledger follows; the audit log keeps before, after and why."""
    enrolment = enrolments.correct(enrolment_id, **data)
    return commit(enrolments.enrolment_detail(enrolment.id))


@enrolments_api.put("/enrolments/<int:enrolment_id>/phase-results/<int:phase_id>")
@enrolments_api.arguments(EnrolmentPhaseResultInSchema)
@enrolments_api.response(200, EnrolmentPhaseResultSchema)
def set_phase_result(data, enrolment_id, phase_id):
    """Record the result of a graded phase (e.g. aksi perubahan) while the enrolment is open."""
    return commit(enrolments.set_phase_result(enrolment_id, phase_id, **data))


attendance_api = tenant_api_blueprint("attendance", __name__, "cohorts",
                           "Attendance per session day of a cohort (present / excused / absent), bulk-marked.")


@attendance_api.put("/<int:cohort_id>/attendance/<day>")
@attendance_api.arguments(AttendanceMarkDaySchema)
@attendance_api.response(200, AttendanceMarkResultSchema)
def mark_day(data, cohort_id, day):
    """Bulk-mark one session day (YYYY-MM-DD): an optional default for everyone plus individual marks."""
    return commit(attendance.mark_day(cohort_id, attendance.parse_day(day), **data))


@attendance_api.get("/<int:cohort_id>/attendance/<day>")
@attendance_api.response(200, AttendanceDaySheetSchema)
def day_sheet(cohort_id, day):
    """Every non-withdrawn participant with their status that day (null = not marked yet)."""
    return attendance.day_sheet(cohort_id, attendance.parse_day(day))


@attendance_api.get("/<int:cohort_id>/attendance")
@attendance_api.arguments(AttendanceSummaryArgsSchema, location="query")
@attendance_api.response(200, AttendanceSummarySchema)
def summary(args, cohort_id):
    """Present / excused / absent day counts per participant between `from` and `to` (inclusive)."""
    return attendance.summary(cohort_id, **args)

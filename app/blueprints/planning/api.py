"""The planning API (/planning): AKPK needs rounds and needs (form or the region's XLSX template), BKPSDM's
decisions, the year's development plan with its figures (JSON or XLSX), plan lines, cohorts made from a line, and
cohort budgets."""

from __future__ import annotations

from app.blueprints.planning.schemas import (
    BudgetSchema,
    BuildResultSchema,
    DecisionSchema,
    LineCohortCreateSchema,
    LineCohortSchema,
    LinkSchema,
    NeedCreateSchema,
    NeedListArgsSchema,
    NeedPageSchema,
    NeedSchema,
    NeedsUploadResultSchema,
    NeedsUploadSchema,
    PersonNeedListSchema,
    PlanLineCreateSchema,
    PlanLineSchema,
    PlanLineUpdateSchema,
    PlanSchema,
    RoundCreateSchema,
    RoundListSchema,
    RoundSchema,
    RoundUpdateSchema,
    SheetArgsSchema,
)
from app.services.employees import records as employees
from app.services.planning import needs, needs_sheet, plan
from app.services.scope import ensure_employee_in_scope
from app.web.blueprints import tenant_api_blueprint
from app.web.responses import commit, downloadable, send_table

planning_api = tenant_api_blueprint("planning", __name__, "planning",
                                    "Training needs (AKPK) per year and OPD, the development plan and its budget.")


@planning_api.get("/rounds")
@planning_api.response(200, RoundListSchema)
def list_rounds():
    """Every year's needs round, newest first, with its needs counted per status."""
    return {"items": needs.list_rounds()}


@planning_api.post("/rounds")
@planning_api.arguments(RoundCreateSchema)
@planning_api.response(201, RoundSchema)
def open_round(data):
    """BKPSDM opens the year's round (one a year) with a deadline."""
    return commit(needs.open_round(**data))


@planning_api.get("/rounds/<int:year>")
@planning_api.response(200, RoundSchema)
def get_round(year):
    return needs.round_out(needs.get_round(year))


@planning_api.patch("/rounds/<int:year>")
@planning_api.arguments(RoundUpdateSchema)
@planning_api.response(200, RoundSchema)
def update_round(data, year):
    """Move the deadline, or close the round (`close: true`; refused while a need waits for a decision)."""
    return commit(needs.update_round(year, **data))


@planning_api.get("/rounds/<int:year>/needs")
@planning_api.arguments(NeedListArgsSchema, location="query")
@planning_api.response(200, NeedPageSchema)
def list_needs(args, year):
    """The round's needs (an operator limited to OPDs: theirs only)."""
    return needs.list_needs(year, **args)


@planning_api.post("/rounds/<int:year>/needs")
@planning_api.arguments(NeedCreateSchema)
@planning_api.response(201, NeedSchema)
def submit_need(data, year):
    """Enter one need: per employee (`employee_nip`) or per position (`position_name`, `people`); the program from
    the catalogue (`program_id`) or a new one by name (`proposed_program_name`)."""
    return commit(needs.submit_need(year, **data))


@planning_api.get("/rounds/<int:year>/needs-template")
@downloadable(planning_api)
def needs_template(year):
    """The region's needs template (XLSX): NIP or NAMA_JABATAN (with JUMLAH_ORANG), OPD, KESENJANGAN, JENIS,
    PROGRAM or PROGRAM_BARU, PRIORITAS, ALASAN."""
    needs.get_round(year)
    return send_table("xlsx", needs_sheet.COLUMNS, needs_sheet.template_rows(),
                      name_parts=["templat-kebutuhan", year], title="Kebutuhan")


@planning_api.post("/rounds/<int:year>/needs-file")
@planning_api.arguments(NeedsUploadSchema, location="files")
@planning_api.response(201, NeedsUploadResultSchema)
def upload_needs(files, year):
    """Upload the filled template: every row is checked; any bad row → 422 with the rows and columns at fault
    (`rows`), nothing written; else every row becomes a need."""
    upload = files["file"]
    try:
        return commit(needs_sheet.upload(year, upload.stream, upload.filename or ""))
    finally:
        upload.close()


@planning_api.get("/needs/<int:need_id>")
@planning_api.response(200, NeedSchema)
def get_need(need_id):
    return needs.need_detail(need_id)


@planning_api.post("/needs/<int:need_id>/decision")
@planning_api.arguments(DecisionSchema)
@planning_api.response(200, NeedSchema)
def decide(data, need_id):
    """BKPSDM verifies (optionally mapping a proposed program to `program_id`), merges (`merged_into_id`, `note`)
    or rejects (`note`) a need."""
    return commit(needs.decide(need_id, **data))


@planning_api.get("/employees/<nip>/needs")
@planning_api.response(200, PersonNeedListSchema)
def person_needs(nip):
    """A person's verified needs and whether they were trained for each."""
    emp = ensure_employee_in_scope(employees.get_employee(nip))
    return {"items": needs.needs_of_employee(emp.id)}


@planning_api.get("/plans/<int:year>")
@planning_api.arguments(SheetArgsSchema, location="query")
@planning_api.response(200, PlanSchema)
@downloadable(planning_api)
def get_plan(args, year):
    """The year's plan and its realisation per program (with cohorts and OPDs) and per OPD: needs, places,
    enrolled, passed, JP, pagu, realised, cost per participant and per JP; `format=xlsx` for the budget report."""
    if args["format"] != "json":
        return send_table(args["format"], plan.SHEET_COLUMNS, plan.sheet_rows(year),
                          name_parts=["rencana-pengembangan", year], title=f"Rencana {year}")
    return plan.figures(year)


@planning_api.post("/plans/<int:year>/build")
@planning_api.response(200, BuildResultSchema)
def build_plan(year):
    """Lines from the year's verified needs: one per program, places per OPD = people needing it."""
    return commit(plan.build_plan(year))


@planning_api.post("/plan-lines")
@planning_api.arguments(PlanLineCreateSchema)
@planning_api.response(201, PlanLineSchema)
def create_line(data):
    return commit(plan.create_line(**data))


@planning_api.get("/plan-lines/<int:line_id>")
@planning_api.response(200, PlanLineSchema)
def get_line(line_id):
    return plan.line_detail(line_id)


@planning_api.patch("/plan-lines/<int:line_id>")
@planning_api.arguments(PlanLineUpdateSchema)
@planning_api.response(200, PlanLineSchema)
def update_line(data, line_id):
    """The line's pagu, planned cohorts, or places per OPD (all replaced)."""
    return commit(plan.update_line(line_id, **data))


@planning_api.post("/plan-lines/<int:line_id>/cohorts")
@planning_api.arguments(LineCohortCreateSchema)
@planning_api.response(201, LineCohortSchema)
def create_cohort(data, line_id):
    """A cohort of the line's program and year, linked to the line, with its ceiling (`pagu`, within the line's)."""
    return commit(plan.create_cohort(line_id, **data))


@planning_api.post("/plan-lines/<int:line_id>/links")
@planning_api.arguments(LinkSchema)
@planning_api.response(200, PlanLineSchema)
def link_cohort(data, line_id):
    """Link an existing cohort of the line's program and year to the line."""
    return commit(plan.link_cohort(line_id, data["cohort_id"]))


@planning_api.get("/cohorts/<int:cohort_id>/budget")
@planning_api.response(200, BudgetSchema)
def get_budget(cohort_id):
    plan_cohort = plan.schedule.get_cohort(cohort_id)
    return plan.budget_of(plan_cohort.id)


@planning_api.put("/cohorts/<int:cohort_id>/budget")
@planning_api.arguments(BudgetSchema)
@planning_api.response(200, BudgetSchema)
def set_budget(data, cohort_id):
    """A cohort's ceiling and realised cost: honorarium, venue, consumption, partner_fee (whole rupiah)."""
    return commit(plan.set_budget(cohort_id, **data))

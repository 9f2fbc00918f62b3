"""The SIASN link's API: the region's connection settings (admins), program mapping, push, compare, export."""

from flask_login import current_user

from app.authz import policy
from app.blueprints.siasn.schemas import (
    CompareSchema,
    ExportArgsSchema,
    MappingInSchema,
    MappingListSchema,
    MappingSchema,
    PushListSchema,
    QueuedSchema,
    SendOursSchema,
    SettingsInSchema,
    SettingsOutSchema,
    TakenSchema,
    TakeTheirsSchema,
)
from app.services.siasn import compare, connection, export, mapping, push
from app.web.blueprints import tenant_api_blueprint
from app.web.responses import commit, downloadable, send_table

blp = tenant_api_blueprint("siasn", __name__, "siasn",
                           "SIASN (BKN) link: connection settings, program mapping, push of results, compare, export.")


@blp.get("/settings")
@policy("org:manage")
@blp.response(200, SettingsOutSchema)
def get_settings():
    """The connection settings; secrets are never returned (only whether each is set)."""
    return connection.view()


@blp.put("/settings")
@policy("org:manage")
@blp.arguments(SettingsInSchema)
@blp.response(200, SettingsOutSchema)
def put_settings(data):
    """Store the settings (secrets encrypted; an empty secret keeps the stored one)."""
    return commit(connection.save(**data, updated_by=current_user.username))


@blp.post("/settings/check")
@policy("org:manage")
@blp.response(200, SettingsOutSchema)
def check_settings():
    """Check the connection: fetch the gateway and SSO tokens now."""
    return commit(connection.check())


@blp.get("/mappings")
@blp.response(200, MappingListSchema)
def list_mappings():
    return {"items": mapping.list_mappings()}


@blp.put("/mappings/<int:program_id>")
@blp.arguments(MappingInSchema)
@blp.response(200, MappingSchema)
def put_mapping(data, program_id):
    result = mapping.set_mapping(program_id, **data)
    commit(None)
    return next(m for m in mapping.list_mappings() if m["program_id"] == program_id) | {"source": result["source"]}


@blp.post("/cohorts/<int:cohort_id>/push")
@blp.response(202, QueuedSchema)
def push_cohort(cohort_id):
    """Queue the cohort's passed, certified results for SIASN (and deletions of revoked ones)."""
    queued = commit(push.queue_results(cohort_id=cohort_id))
    return {**queued, "jobs": push.start(queued["push_ids"])}


@blp.post("/enrolments/<int:enrolment_id>/push")
@blp.response(202, QueuedSchema)
def push_enrolment(enrolment_id):
    queued = commit(push.queue_results(enrolment_ids=[enrolment_id]))
    return {**queued, "jobs": push.start(queued["push_ids"])}


@blp.get("/cohorts/<int:cohort_id>/pushes")
@blp.response(200, PushListSchema)
def cohort_pushes(cohort_id):
    return {"items": push.cohort_status(cohort_id)}


@blp.get("/employees/<int:employee_id>/compare")
@blp.response(200, CompareSchema)
def compare_person(employee_id):
    return compare.compare_person(employee_id)


@blp.get("/cohorts/<int:cohort_id>/compare")
@blp.response(200, CompareSchema)
def compare_cohort(cohort_id):
    return compare.compare_cohort(cohort_id)


@blp.post("/employees/<int:employee_id>/send-ours")
@blp.arguments(SendOursSchema)
@blp.response(202, QueuedSchema)
def send_ours(data, employee_id):
    queued = commit(compare.send_ours(employee_id, data["jp_entry_id"]))
    return {**queued, "jobs": push.start(queued["push_ids"])}


@blp.post("/employees/<int:employee_id>/take-theirs")
@blp.arguments(TakeTheirsSchema)
@blp.response(200, TakenSchema)
def take_theirs(data, employee_id):
    return commit(compare.take_theirs(employee_id, data["kind"], data["siasn_id"]))


@blp.get("/export")
@blp.arguments(ExportArgsSchema, location="query")
@blp.response(200)
@downloadable(blp)
def export_bulk(args):
    """SIASN bulk-upload file (XLSX or CSV) of passed, certified results, for regions without web-service access."""
    rows = export.rows(cohort_id=args["cohort_id"], year=args["year"])
    return send_table(args["format"], export.COLUMNS, rows, name_parts=["siasn", args["cohort_id"], args["year"]],
                      title="Riwayat diklat SIASN")

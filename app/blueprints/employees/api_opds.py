from app.blueprints.employees.schemas_opds import (
    MergeResultSchema,
    MergeSchema,
    OpdListArgsSchema,
    OpdPageSchema,
    OpdSchema,
    OpdUpdateSchema,
)
from app.services.employees import opds as service
from app.web.blueprints import tenant_api_blueprint
from app.web.responses import commit

# Everyone who reads training data reads OPDs; only admins change the organisation (create, rename, merge,
# deactivate), since OPD-scoped operators are defined by it.
blp = tenant_api_blueprint("opds", __name__, "opds", "OPD (Organisasi Perangkat Daerah): the region's departments.",
                           read="training:read", write="org:manage")


@blp.get("")
@blp.arguments(OpdListArgsSchema, location="query")
@blp.response(200, OpdPageSchema)
def list_opds(args):
    return service.list_opds(**args)


@blp.post("")
@blp.arguments(OpdSchema)
@blp.response(201, OpdSchema)
def create_opd(data):
    return commit(service.create_opd(**data))


@blp.get("/<int:opd_id>")
@blp.response(200, OpdSchema)
def get_opd(opd_id):
    return service.get_opd(opd_id)


@blp.patch("/<int:opd_id>")
@blp.arguments(OpdUpdateSchema)
@blp.response(200, OpdSchema)
def update_opd(data, opd_id):
    return commit(service.update_opd(opd_id, **data))


@blp.post("/<int:opd_id>/deactivate")
@blp.response(200, OpdSchema)
def deactivate_opd(opd_id):
    return commit(service.deactivate_opd(opd_id))


@blp.post("/<int:opd_id>/merge")
@blp.arguments(MergeSchema)
@blp.response(200, MergeResultSchema)
def merge_opd(data, opd_id):
    target, moved = service.merge_opds(opd_id, data["target_id"])
    return commit({"target": target, "moved_employees": moved})

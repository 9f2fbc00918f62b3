from app.blueprints.reports.schemas_targets import TargetListSchema, TargetSchema
from app.services.reports import targets as service
from app.web.blueprints import tenant_api_blueprint
from app.web.responses import commit

# Staff read the region's yearly targets; only admins set them (they are the region's own commitment).
blp = tenant_api_blueprint("targets", __name__, "targets",
                           "Yearly training targets (people to train), compared with what was achieved in the rollups.",
                           read="training:read", write="org:manage")


@blp.get("")
@blp.response(200, TargetListSchema)
def list_targets():
    return {"items": service.list_targets()}


@blp.put("/<int:year>")
@blp.arguments(TargetSchema)
@blp.response(200, TargetSchema)
def set_target(data, year):
    return commit(service.set_target(year, data["people"], data.get("note")))


@blp.delete("/<int:year>")
@blp.response(204)
def delete_target(year):
    service.delete_target(year)
    commit(None)

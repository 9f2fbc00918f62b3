from app.blueprints.targets import blp
from app.blueprints.targets.schemas import TargetListSchema, TargetSchema
from app.services import targets as service
from app.web import commit


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

from app.blueprints.catalogue.schemas import (
    ProgramListArgsSchema,
    ProgramPageSchema,
    ProgramSchema,
    ProgramUpdateSchema,
)
from app.services.catalogue import programs as service
from app.web.blueprints import tenant_api_blueprint
from app.web.responses import commit

blp = tenant_api_blueprint("programs", __name__, "programs",
                           "The training catalogue: programs with their type, competency type, provider and JP.")


@blp.get("")
@blp.arguments(ProgramListArgsSchema, location="query")
@blp.response(200, ProgramPageSchema)
def list_programs(args):
    return service.list_programs(**args)


@blp.post("")
@blp.arguments(ProgramSchema)
@blp.response(201, ProgramSchema)
def create_program(data):
    return commit(service.create_program(**data))


@blp.get("/<int:program_id>")
@blp.response(200, ProgramSchema)
def get_program(program_id):
    return service.program_detail(program_id)


@blp.patch("/<int:program_id>")
@blp.arguments(ProgramUpdateSchema)
@blp.response(200, ProgramSchema)
def update_program(data, program_id):
    return commit(service.update_program(program_id, **data))

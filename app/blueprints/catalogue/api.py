"""The training catalogue's API: programs (/programs) and partner institutions (/partners)."""

from app.blueprints.catalogue.schemas import (
    PartnerListArgsSchema,
    PartnerPageSchema,
    PartnerSchema,
    ProgramListArgsSchema,
    ProgramPageSchema,
    ProgramSchema,
    ProgramUpdateSchema,
)
from app.services.catalogue import programs as service
from app.web.blueprints import tenant_api_blueprint
from app.web.responses import commit

programs_api = tenant_api_blueprint("programs", __name__, "programs",
                           "The training catalogue: programs with their type, competency type, provider and JP.")


@programs_api.get("")
@programs_api.arguments(ProgramListArgsSchema, location="query")
@programs_api.response(200, ProgramPageSchema)
def list_programs(args):
    return service.list_programs(**args)


@programs_api.post("")
@programs_api.arguments(ProgramSchema)
@programs_api.response(201, ProgramSchema)
def create_program(data):
    return commit(service.create_program(**data))


@programs_api.get("/<int:program_id>")
@programs_api.response(200, ProgramSchema)
def get_program(program_id):
    return service.program_detail(program_id)


@programs_api.patch("/<int:program_id>")
@programs_api.arguments(ProgramUpdateSchema)
@programs_api.response(200, ProgramSchema)
def update_program(data, program_id):
    return commit(service.update_program(program_id, **data))


partners_api = tenant_api_blueprint("partners", __name__, "partners",
                           "Partner institutions (BPSDM, Badiklat, LAN RI) that train the region's staff.")


@partners_api.get("")
@partners_api.arguments(PartnerListArgsSchema, location="query")
@partners_api.response(200, PartnerPageSchema)
def list_partners(args):
    return service.list_partners(**args)


@partners_api.post("")
@partners_api.arguments(PartnerSchema)
@partners_api.response(201, PartnerSchema)
def create_partner(data):
    return commit(service.create_partner(**data))


@partners_api.get("/<int:partner_id>")
@partners_api.response(200, PartnerSchema)
def get_partner(partner_id):
    return service.get_partner(partner_id)

from app.blueprints.catalogue.schemas_partners import PartnerListArgsSchema, PartnerPageSchema, PartnerSchema
from app.services.catalogue import programs as service
from app.web.blueprints import tenant_api_blueprint
from app.web.responses import commit

blp = tenant_api_blueprint("partners", __name__, "partners",
                           "Partner institutions (BPSDM, Badiklat, LAN RI) that train the region's staff.")


@blp.get("")
@blp.arguments(PartnerListArgsSchema, location="query")
@blp.response(200, PartnerPageSchema)
def list_partners(args):
    return service.list_partners(**args)


@blp.post("")
@blp.arguments(PartnerSchema)
@blp.response(201, PartnerSchema)
def create_partner(data):
    return commit(service.create_partner(**data))


@blp.get("/<int:partner_id>")
@blp.response(200, PartnerSchema)
def get_partner(partner_id):
    return service.get_partner(partner_id)

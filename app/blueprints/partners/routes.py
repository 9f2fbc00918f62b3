from app.blueprints.partners import blp
from app.blueprints.partners.schemas import PartnerListArgsSchema, PartnerPageSchema, PartnerSchema
from app.services import catalogue as service
from app.web import commit


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

"""Province and national rollups: each region's yearly aggregates, for province and national users."""

from app.areas import Area
from app.blueprints.rollups import api, commands, pages
from app.services.rollups.metrics import on_tenant_data_changed
from app.signals import tenant_data_changed

AREA = Area(
    name="rollups",
    platform_api=(api.blp,),
    web=(pages.bp,),
    commands=(commands.rollups,),
    subscribers=((tenant_data_changed, on_tenant_data_changed),),
)

"""Running regions: the vendors' admin API (provision, suspend, upgrade, export, archive, delete) and the commands
that run the platform (db, tenants, admin tokens, worker)."""

from app.areas import Area
from app.blueprints.admin import api, commands

AREA = Area(
    name="admin",
    admin_api=(api.blp,),
    commands=(commands.db, commands.tenants, commands.admin, commands.worker),
)

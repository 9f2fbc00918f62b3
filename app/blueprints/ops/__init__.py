"""Running the platform for hundreds of regions: /metrics for Prometheus, the vendors' job dashboard, scheduled
backups with retention (readiness is /readyz in the health area)."""

from app.areas import Area
from app.blueprints.ops import api, commands, metrics, pages

AREA = Area(
    name="ops",
    web=(metrics.bp, pages.bp),
    admin_api=(api.blp,),
    commands=(commands.ops,),
)

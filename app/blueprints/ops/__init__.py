"""Running the platform for hundreds of regions: /metrics for Prometheus, the vendors' job dashboard, scheduled
backups with retention (readiness is /readyz in the health area)."""

from app.areas import Area
from app.blueprints.ops import commands, metrics, pages

AREA = Area(
    name="ops",
    web=(metrics.bp, pages.bp),
    commands=(commands.ops,),
)

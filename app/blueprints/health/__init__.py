"""Routes for machines at the root: the health check (load balancers, Docker) and the favicon (browsers)."""

from app.areas import Area
from app.blueprints.health import api

AREA = Area(name="health", web=(api.bp,))

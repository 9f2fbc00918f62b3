"""Liveness for load balancers and orchestrators."""

from app.areas import Area
from app.blueprints.health import api

AREA = Area(name="health", web=(api.bp,))

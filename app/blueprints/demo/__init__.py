"""The demo: the four first regions with data built from the seed articles, their users, and `kompeten demo`."""

from app.areas import Area
from app.blueprints.demo import commands

AREA = Area(
    name="demo",
    commands=(commands.demo, ("tenants", commands.seed_demo)),
)

"""The dashboards: a region's home page and the platform's home page."""

from app.areas import Area, NavItem
from app.blueprints.home import pages

AREA = Area(
    name="home",
    web=(pages.bp, pages.platform_bp),
    nav=(NavItem("home.index", "Beranda", "self", order=10),),
)

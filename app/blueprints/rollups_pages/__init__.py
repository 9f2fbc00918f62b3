"""Rollup pages for province and national users (Bahasa Indonesia): tenants side by side, totals, and charts
drawn as inline SVG on the server (the CSP allows no script or external style)."""

from flask import Blueprint

bp = Blueprint("rollups_pages", __name__)

from app.blueprints.rollups_pages import routes  # noqa: E402,F401

"""Rollups as JSON (and CSV/XLSX) for platform users: a province's tenants, or the nation's. Platform routes, not
tenant routes: they read only the platform summary table (app.services.rollups.read)."""

from flask import Blueprint

bp = Blueprint("rollups_api", __name__)

from app.blueprints.rollups_api import routes  # noqa: E402,F401

from flask import Blueprint

bp = Blueprint("platform_auth", __name__)

from app.blueprints.platform_auth import routes  # noqa: E402,F401

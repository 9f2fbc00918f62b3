from flask import Blueprint

from app.tenancy import TENANT_URL_PREFIX

bp = Blueprint("pages", __name__, url_prefix=TENANT_URL_PREFIX)

from app.blueprints.pages import routes  # noqa: E402,F401

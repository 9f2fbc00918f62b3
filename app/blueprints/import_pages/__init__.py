from flask import Blueprint

from app.tenancy import TENANT_URL_PREFIX

bp = Blueprint("import_pages", __name__, url_prefix=f"{TENANT_URL_PREFIX}/impor")

from app.blueprints.import_pages import routes  # noqa: E402,F401

from flask import Blueprint

from app.blueprints.pages.views import html_problems, no_store
from app.tenancy import TENANT_URL_PREFIX

bp = Blueprint("reconciliation_pages", __name__, url_prefix=f"{TENANT_URL_PREFIX}/rekonsiliasi")
html_problems(bp)
no_store(bp)

from app.blueprints.reconciliation_pages import routes  # noqa: E402,F401

from flask import Blueprint

from app.tenancy import TENANT_URL_PREFIX

bp = Blueprint("cohort_pages", __name__, url_prefix=TENANT_URL_PREFIX)

from app.blueprints.cohort_pages import catalogue, cohorts, common, roster  # noqa: E402,F401

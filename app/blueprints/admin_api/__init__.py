"""The vendors' admin API under /admin/api/v1 (its own OpenAPI document at /admin/api/v1/openapi.json).
Platform routes: no tenant in the URL; every view declares the admin scope it needs (default: tenants:read for
reads, tenants:write for writes), and only vendor users' tokens carry those scopes."""

from app.api import ADMIN_API_PREFIX
from app.authz import BLUEPRINT_POLICIES
from app.blueprints import CheckedBlueprint

BLUEPRINT_POLICIES["admin_api"] = ("tenants:read", "tenants:write")
admin_blp = CheckedBlueprint("admin_api", __name__, url_prefix=ADMIN_API_PREFIX,
                      description="Regions (tenants): provision, inspect, suspend, upgrade, export, archive, delete.")

from app.blueprints.admin_api import routes  # noqa: E402,F401

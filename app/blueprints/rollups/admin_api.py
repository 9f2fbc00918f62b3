"""The vendors' rollup call in the admin API: POST /admin/api/v1/tenants/<slug>/rollups/refresh (scope
tenants:write). Like every admin call it lands in platform.audit_log twice: the call (method, path, status)
and what it did (`rollups.refresh`)."""

from __future__ import annotations

from app.blueprints.rollups.schemas import RefreshArgsSchema, RefreshSchema
from app.services.rollups.refresh import vendor_refresh
from app.web.blueprints import admin_api_blueprint
from app.web.responses import commit

blp = admin_api_blueprint("rollups_admin_api", __name__, "",
                          "Province and national rollups: refresh a region's figures now.")


@blp.post("/tenants/<slug>/rollups/refresh")
@blp.arguments(RefreshArgsSchema, required=False)
@blp.response(202, RefreshSchema, description="Enqueued on the rollups queue (a worker runs it)")
@blp.alt_response(200, schema=RefreshSchema, description="With `inline: true`: refreshed, committed, counted")
@blp.alt_response(404, description="No such region")
@blp.alt_response(409, description="The region is not active (suspended, archived, deleted)")
def refresh(data, slug):
    """Recompute one region's rollup figures (every year, or `years`), which also supersedes the cached province and
    national answers. Enqueued by default; `inline: true` refreshes within the call (one region: well under a
    second) and answers what was written."""
    data = data or {}
    status, body = vendor_refresh(slug, years=data.get("years"), inline=data.get("inline", False))
    commit(None)
    return body, status

"""The job dashboard's figures and actions in the vendors' admin API (/admin/api/v1/jobs), for scripts: the same
service as the /ops/jobs page; retry and cancel are recorded in the platform audit log."""

from __future__ import annotations

from flask import request

from app.authz import BLUEPRINT_POLICIES
from app.blueprints.ops.schemas import JobActionSchema, JobsSchema
from app.extensions import db
from app.services.audit import log as audit
from app.services.ops import queues
from app.web.api import ADMIN_API_PREFIX
from app.web.blueprints import CheckedBlueprint
from app.web.responses import commit

BLUEPRINT_POLICIES["ops_admin_api"] = ("tenants:read", "tenants:write")
blp = CheckedBlueprint("ops_admin_api", __name__, url_prefix=f"{ADMIN_API_PREFIX}/jobs",
                       description="Jobs: queues, workers, failed jobs (error, region); retry and cancel.")


@blp.before_request
def _no_lookup_transaction():
    db.session.rollback()


@blp.after_request
def _no_store_and_audit(resp):
    """Like every admin API call: in the platform audit log (refused ones too)."""
    resp.headers.setdefault("Cache-Control", "private, no-store")
    audit.record("admin.call", "admin_api", None,
                 after={"method": request.method, "path": request.full_path.rstrip("?"), "status": resp.status_code},
                 platform=True, separately=True)
    return resp


@blp.get("")
@blp.response(200, JobsSchema)
def overview():
    """Each queue's counts, the workers, the failed jobs (error, region) and the next waiting ones."""
    return queues.overview()


@blp.post("/<job_id>/retry")
@blp.response(200, JobActionSchema)
@blp.alt_response(404, description="No such job in this deployment's queues")
@blp.alt_response(409, description="The job is not failed")
def retry(job_id):
    """Put a failed job back on its queue."""
    return commit(queues.retry(job_id))


@blp.post("/<job_id>/cancel")
@blp.response(200, JobActionSchema)
@blp.alt_response(404, description="No such job in this deployment's queues")
@blp.alt_response(409, description="The job is running or done")
def cancel(job_id):
    """Cancel a waiting job, or discard a failed one: it will not run."""
    return commit(queues.cancel(job_id))

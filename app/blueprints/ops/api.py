"""The job dashboard's figures and actions in the vendors' admin API (/admin/api/v1/jobs), for scripts: the same
service as the /ops/jobs page; retry and cancel are recorded in the platform audit log."""

from __future__ import annotations

from app.blueprints.ops.schemas import JobActionSchema, JobsSchema
from app.services.ops import queues
from app.web.blueprints import admin_api_blueprint
from app.web.responses import commit

blp = admin_api_blueprint("ops_admin_api", __name__, "jobs",
                          "Jobs: queues, workers, failed jobs (error, region); retry and cancel.")


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

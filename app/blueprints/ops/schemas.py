"""Response shapes of the job endpoints of the admin API (the same figures as the /ops/jobs page)."""

import marshmallow as ma


class QueueSchema(ma.Schema):
    name = ma.fields.String()
    queued = ma.fields.Integer()
    started = ma.fields.Integer()
    scheduled = ma.fields.Integer()
    failed = ma.fields.Integer()


class WorkerSchema(ma.Schema):
    name = ma.fields.String()
    state = ma.fields.String()
    queues = ma.fields.List(ma.fields.String())
    current_job = ma.fields.String(allow_none=True)
    last_heartbeat = ma.fields.DateTime(allow_none=True)
    successful = ma.fields.Integer()
    failed = ma.fields.Integer()


class JobSchema(ma.Schema):
    id = ma.fields.String()
    queue = ma.fields.String()
    state = ma.fields.String(metadata={"description": "failed | queued | scheduled"})
    job = ma.fields.String(metadata={"description": "the job's function, e.g. imports.pipeline.process_import"})
    region = ma.fields.String(allow_none=True, metadata={"description": "the region's slug"})
    schedule = ma.fields.String(allow_none=True)
    error = ma.fields.String(allow_none=True, metadata={"description": "the exception's line (failed jobs)"})
    enqueued_at = ma.fields.DateTime(allow_none=True)
    ended_at = ma.fields.DateTime(allow_none=True)
    retries_left = ma.fields.Integer(allow_none=True)


class JobsSchema(ma.Schema):
    queues = ma.fields.List(ma.fields.Nested(QueueSchema))
    workers = ma.fields.List(ma.fields.Nested(WorkerSchema))
    failed = ma.fields.List(ma.fields.Nested(JobSchema))
    waiting = ma.fields.List(ma.fields.Nested(JobSchema))


class JobActionSchema(ma.Schema):
    id = ma.fields.String()
    queue = ma.fields.String()
    status = ma.fields.String(metadata={"description": "queued (retried) | canceled"})
    at = ma.fields.DateTime()

"""Admin API views: parse, call app/services/admin, commit once, answer. Every call that changes something lands
in platform.audit_log (the services record it in the same transaction)."""
# The vendors' admin API under /admin/api/v1 (its own OpenAPI document at /admin/api/v1/openapi.json).
# Platform routes: no tenant in the URL; every view declares the admin scope it needs (default: tenants:read for
# reads, tenants:write for writes), and only vendor users' tokens carry those scopes.

from __future__ import annotations

from flask import Response, json, request, send_file
from flask_login import current_user

from app.authz import policy
from app.blueprints.admin.schemas import (
    DeletedSchema,
    DeleteSchema,
    ExportSchema,
    TenantCreatedSchema,
    TenantCreateSchema,
    TenantDetailSchema,
    TenantListArgsSchema,
    TenantPageSchema,
    TenantSchema,
    UpgradeSchema,
)
from app.extensions import db
from app.problems import PROBLEM_MIMETYPE, Problem, problem_response
from app.services.admin import exports, idempotency
from app.services.admin import tenants as service
from app.services.audit import log as audit
from app.web.blueprints import admin_api_blueprint
from app.web.responses import commit

blp = admin_api_blueprint("admin_api", __name__, "",
                          "Regions (tenants): provision, inspect, suspend, upgrade, export, archive, delete.")

IDEMPOTENCY_HEADER = "Idempotency-Key"
_CONFLICT_DOC = {"description": "Exists with other data, wrong status, or an Idempotency-Key still in use"}


def _json(status: int, body: dict, replayed: bool = False) -> Response:
    resp = Response(json.dumps(body), status=status,
                    mimetype=PROBLEM_MIMETYPE if status >= 400 else "application/json")
    if replayed:
        resp.headers["Idempotent-Replayed"] = "true"
    return resp


def _idempotent(body: dict, work, replayed=None) -> Response:
    """Run `work() -> (status, body)` at most once per Idempotency-Key (when the header is sent). What is kept
    for a replay holds no secret (`service.storable_answer`); `replayed(status, stored)` rebuilds the answer."""
    key = request.headers.get(IDEMPOTENCY_HEADER)
    if key is None:
        status, out = work()
        return _json(status, out)
    user_id = current_user.user_id
    replay = idempotency.claim(user_id, key, request.method, request.path, body)
    if replay is not None:
        answer = replayed(replay.status, replay.body) if replayed else replay.body
        return _json(replay.status, answer, replayed=True)
    try:
        status, out = work()
    except Problem as exc:
        resp = problem_response(exc.status, exc.title, exc.detail, type_=exc.type, errors=exc.errors,
                                headers=exc.headers, **exc.extra)
        if exc.status < 500:
            idempotency.finish(user_id, key, resp.status_code, resp.get_json())
        else:
            idempotency.release(user_id, key)
        return resp
    except Exception:
        db.session.rollback()
        idempotency.release(user_id, key)
        raise
    out = json.loads(json.dumps(out))  # what is stored is what is sent, less any secret
    idempotency.finish(user_id, key, status, service.storable_answer(out))
    return _json(status, out)


@blp.get("/tenants")
@blp.arguments(TenantListArgsSchema, location="query")
@blp.response(200, TenantPageSchema)
def list_tenants(args):
    """Regions, by slug; filter by province and status."""
    return service.list_tenants(province_code=args["province_code"], status=args["status"], limit=args["limit"],
                                offset=args["offset"], cursor=args["cursor"])


@blp.post("/tenants")
@blp.arguments(TenantCreateSchema)
@blp.response(201, TenantCreatedSchema)
@blp.alt_response(409, description=_CONFLICT_DOC["description"])
@blp.alt_response(422, description="A bad field (slug and region_code name their rule); nothing was created")
def create_tenant(data):
    """Provision a region inline (201): schema, tables, reference data, and a first admin invited with a one-time
    set-password link. With `restore_from`, build it from an export instead. `Idempotency-Key` replays."""
    raw = request.get_json(silent=True)

    def work():
        if data.get("restore_from") is not None:
            return 201, exports.restore(data["restore_from"], data)
        return service.create_tenant(data)

    return _idempotent(raw, work, replayed=service.replayed_answer)


@blp.get("/tenants/<slug>")
@blp.response(200, TenantDetailSchema)
def get_tenant(slug):
    """Status, schema version, size on disk, last activity, last rollup refresh, last export."""
    return service.tenant_detail(slug)


def _status_change(slug: str, action: str) -> dict:
    out = commit(service.change_status(slug, action))
    service.after_commit(slug)
    return out


@blp.post("/tenants/<slug>/suspend")
@blp.response(200, TenantSchema)
def suspend(slug):
    """Its users get 423, its jobs wait (re-scheduled, not run, not failed); nothing is deleted."""
    return _status_change(slug, "suspend")


@blp.post("/tenants/<slug>/resume")
@blp.response(200, TenantSchema)
def resume(slug):
    """Back to active (from suspended or archived)."""
    return _status_change(slug, "resume")


@blp.post("/tenants/<slug>/archive")
@blp.response(200, TenantSchema)
@policy("tenants:delete")
def archive(slug):
    """Read-only for everyone (423), ready to be exported and deleted."""
    return _status_change(slug, "archive")


@blp.post("/tenants/<slug>/upgrade")
@blp.response(200, UpgradeSchema)
def upgrade(slug):
    """Migrate this region's schema to head now."""
    return service.upgrade(slug)


@blp.delete("/tenants/<slug>")
@blp.arguments(DeleteSchema)
@blp.response(200, DeletedSchema)
@policy("tenants:delete")
def delete_tenant(data, slug):
    """Drop an archived region's schema; needs `confirm` equal to the slug and an export made since it was
    archived. The registry row stays as a `deleted` tombstone (the slug is not reusable except by a restore)."""
    out = commit(service.delete_tenant(slug, data.get("confirm")))
    service.after_commit(slug)
    service.forget_files(slug)
    return out


@blp.post("/tenants/<slug>/export")
@blp.response(202, ExportSchema)
@policy("tenants:export")
def export_tenant(slug):
    """Queue a job that writes a restorable bundle (zip: manifest + one CSV per table); poll the export."""
    raw = {"slug": slug}

    def work():
        row = commit(exports.request_export(slug, current_user.username))
        job_id = exports.start_export(row)
        return 202, {**exports.export_view(row), "job_id": job_id}

    return _idempotent(raw, work)


@blp.get("/exports/<int:export_id>")
@blp.response(200, ExportSchema)
@policy("tenants:export")
def get_export(export_id):
    return exports.export_view(exports.get_export(export_id))


@blp.get("/exports/<int:export_id>/download")
@blp.response(200, description="The bundle (application/zip)")
@policy("tenants:export")
def download_export(export_id):
    """The bundle itself; every download is audited."""
    row = exports.get_export(export_id)
    path = exports.export_path(row)
    audit.record("export.download", "tenant_exports", row.id, after={"tenant": row.slug, "file": row.file_name},
                 platform=True)
    commit(None)
    resp = send_file(path, mimetype="application/zip", as_attachment=True, download_name=row.file_name)
    resp.headers["Cache-Control"] = "private, no-store"
    return resp

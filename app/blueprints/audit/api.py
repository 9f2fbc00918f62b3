"""GET /t/<slug>/api/v1/audit-log: the region's audit log for admins, newest first, by keyset."""

from app.blueprints.audit.schemas import AuditLogArgsSchema, AuditLogPageSchema
from app.services.audit import log as audit
from app.web.blueprints import tenant_api_blueprint

blp = tenant_api_blueprint("audit", __name__, "audit-log",
                           "The region's append-only audit log: who changed what, when, from where (admins only).",
                           read="audit:read", write="audit:read")


@blp.get("")
@blp.arguments(AuditLogArgsSchema, location="query")
@blp.response(200, AuditLogPageSchema)
def audit_log(args):
    """Entries newest first, filtered by actor, action prefix, entity, entity id and days."""
    return audit.list_entries(**args)

from app.blueprints.audit import blp
from app.blueprints.audit.schemas import AuditLogArgsSchema, AuditLogPageSchema
from app.services import audit


@blp.get("")
@blp.arguments(AuditLogArgsSchema, location="query")
@blp.response(200, AuditLogPageSchema)
def audit_log(args):
    """Entries newest first, filtered by actor, action prefix, entity, entity id and days."""
    return audit.list_entries(**args)

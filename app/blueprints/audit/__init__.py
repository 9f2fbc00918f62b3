from app.blueprints import tenant_api_blueprint

blp = tenant_api_blueprint("audit", __name__, "audit-log",
                           "The region's append-only audit log: who changed what, when, from where (admins only).",
                           read="audit:read", write="audit:read")

from app.blueprints.audit import routes  # noqa: E402,F401

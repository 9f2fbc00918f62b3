"""GET /healthz (liveness and database reachability), /readyz (readiness: databases answer, schemas at head) and
/favicon.ico."""

from pathlib import Path

import sqlalchemy as sa
from flask import Blueprint, Response, current_app

from app.authz import PUBLIC, policy
from app.extensions import db
from app.problems import problem_response

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz():
    """Liveness and database reachability, for load balancers and the Docker HEALTHCHECK."""
    try:
        with db.engine.connect() as conn:
            conn.execute(sa.text("SELECT 1"))
    except sa.exc.SQLAlchemyError:
        return problem_response(503, "Service Unavailable", "Database tidak dapat dihubungi.")
    return {"status": "ok"}


@bp.get("/readyz")
def readyz():
    """Readiness, for load balancers and compose: 200 only when PostgreSQL and Redis answer and the platform and
    every active region are at the migration head (cached a few seconds); else 503 saying what is not ready."""
    from app.services.ops import readiness

    state = readiness.cached()
    if state.ready:
        return {"status": "ready", "checks": state.checks}
    resp = problem_response(503, "Service Unavailable", "Layanan belum siap menerima permintaan.", type_="not-ready",
                            errors=state.problems(), checks=state.checks, regions_behind=state.behind)
    resp.headers["Retry-After"] = "5"
    resp.headers["Cache-Control"] = "no-store"
    return resp


@bp.get("/favicon.ico")
@policy(PUBLIC)
def favicon():
    """The icon browsers ask every site for (pages link it too; the API docs pages and JSON answers do not)."""
    icon = Path(current_app.static_folder, "favicon.ico").read_bytes()  # 4 KB: read whole, no open file left
    return Response(icon, mimetype="image/vnd.microsoft.icon", headers={"Cache-Control": "public, max-age=86400"})

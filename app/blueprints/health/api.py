"""GET /healthz: liveness and database reachability."""

import sqlalchemy as sa
from flask import Blueprint

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

"""GET /metrics: the Prometheus exposition, for a configured token or network only (app/services/ops/metrics.py)."""

from __future__ import annotations

from flask import Blueprint, Response
from prometheus_client import CONTENT_TYPE_LATEST

from app.problems import problem_response
from app.services.ops import metrics

bp = Blueprint("metrics", __name__)


@bp.get("/metrics")
def scrape():
    """Every metric, for Prometheus. Only a bearer token whose SHA-256 is KOMPETEN_METRICS_TOKEN_SHA256, or a client
    in KOMPETEN_METRICS_ALLOW; anyone else is refused (401), whatever else they are logged in as."""
    if not metrics.may_scrape():
        return problem_response(401, "Unauthorized", "Metrik hanya untuk pemantau yang dikonfigurasi (token atau "
                                "jaringan).", type_="metrics-refused",
                                headers={"WWW-Authenticate": 'Bearer realm="kompeten-metrics"',
                                         "Cache-Control": "no-store"})
    resp = Response(metrics.scrape(), headers={"Cache-Control": "no-store"})
    resp.headers["Content-Type"] = CONTENT_TYPE_LATEST
    return resp

"""The audit log page (audit:read): newest first, filtered by who, action and days (WIB), paged by keyset
exactly as GET /api/v1/audit-log; every action, entity, field and value in words (audit/labels.py, from what
each area declares)."""

from __future__ import annotations

from urllib.parse import urlencode

from flask import render_template, request

from app.blueprints.audit import labels
from app.blueprints.audit.schemas import AuditLogArgsSchema
from app.services.audit import log as service
from app.services.employees.opds import opd_names_of
from app.web.blueprints import page_blueprint
from app.web.pages import load_query, page
from app.web.paging import PAGE_SIZE

bp = page_blueprint("audit_pages", __name__, "audit")


@bp.get("")
@page("audit:read")
def audit_log():
    args, errors = load_query(AuditLogArgsSchema())
    args["limit"] = min(args.get("limit") or PAGE_SIZE, PAGE_SIZE)
    result = service.list_entries(**args)
    next_url = None
    if result["next_before_id"]:
        kept = {k: v for k, v in request.args.items() if k != "before_id" and v}
        next_url = f"{request.path}?{urlencode({**kept, 'before_id': result['next_before_id']})}"
    first_url = request.path + ("?" + urlencode({k: v for k, v in request.args.items() if k != "before_id" and v})
                                if any(k != "before_id" for k in request.args) else "")
    opd_names = dict(opd_names_of(labels.opd_ids_in(result["items"])))
    rows = [{"at": e["at"], "actor": labels.actor_label(e["actor"]), "action": labels.action_label(e["action"]),
             "entity": labels.entity_label(e["entity"], e["entity_id"]),
             "changes": labels.changes(e["before"], e["after"], opd_names), "recorded": bool(e["before"] or e["after"])}
            for e in result["items"]]
    groups = labels.vocabulary()["groups"]
    actions = sorted(groups.items(), key=lambda item: item[1])
    if request.args.get("action") and request.args["action"] not in groups:
        given = request.args["action"]
        actions.append((given, labels.action_label(given)))
    return render_template("audit/list.html", entries=rows, errors=errors, filters=request.args, actions=actions,
                           next_url=next_url, first_url=first_url if args.get("before_id") else None)

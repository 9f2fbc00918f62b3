"""Named signals for cross-area reactions (blinker). Subscribers live in the area that reacts."""

from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

audit_event = _signals.signal("audit-event")
"""A person changed tenant data. Sent with kwargs: action (e.g. "employee.update"), entity (table name),
entity_id, before (dict | None), after (dict | None). The logins issue persists it in the audit log."""

tenant_data_changed = _signals.signal("tenant-data-changed")
"""Enrolments/results changed in the bound tenant (debounced rollup refresh listens). kwargs: reason."""


def audit(action: str, entity: str, entity_id: object, before: dict | None = None, after: dict | None = None) -> None:
    """Record that a person wrote something (call from services, inside the request's transaction)."""
    audit_event.send(None, action=action, entity=entity, entity_id=entity_id, before=before, after=after)

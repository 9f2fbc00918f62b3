"""Named signals for cross-area reactions (blinker). Subscribers live in the area that reacts."""

from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

tenant_data_changed = _signals.signal("tenant-data-changed")
"""Enrolments/results changed in the bound tenant (debounced rollup refresh listens). kwargs: reason, and
enrolment_id for one enrolment created or moved (the notifications area writes the summons and the result)."""


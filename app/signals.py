"""Named signals for cross-area reactions (blinker). Subscribers live in the area that reacts."""

from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

tenant_data_changed = _signals.signal("tenant-data-changed")
"""Enrolments/results changed in the bound tenant (debounced rollup refresh listens). kwargs: reason, and
enrolment_id for one enrolment created or moved (the notifications area writes the summons and the result)."""


certificates_issued = _signals.signal("certificates-issued")
"""STTPPs the region issued in the bound tenant (new, or replacing a corrected one), sent in the issuing transaction
after the certificates are flushed. kwargs: certificate_ids (the new valid certificates, issuer 'region'). The
notifications area writes the 'certificate' message; no rollup figure moves, so rollups do not listen."""

"""Provincial and national rollups: each tenant's yearly aggregates, written to `platform.tenant_summaries`.

The write side (app.services.rollups.refresh) computes a tenant's figures inside its own schema with a handful
of set-based queries and replaces its rows in the platform table; reads touch only that table. Aggregates only:
no NIP, name or row about a person ever leaves a tenant this way.

Refreshes are debounced per tenant (`schedule_refresh`), triggered by `tenant_data_changed` (the rollups area
subscribes `on_tenant_data_changed`; every write that moves a figure sends it: imports, enrolments and results,
reconciliation applies, JP ledger entries, employees hired, changed or retired, OPDs, cohorts and targets), and
swept nightly by the schedule `rollups.refresh_all` (01:00 WIB) or `kompeten rollups refresh --all`.
"""

from __future__ import annotations

import logging

from redis.exceptions import RedisError

from app.tenancy import current_tenant_or_none

log = logging.getLogger(__name__)

# metric name -> what it counts (one row per tenant, year, metric; the value is numeric)
METRICS: dict[str, str] = {
    "asn_pns": "Active PNS employees as at the year's snapshot (its end, or the last refresh while it runs).",
    "asn_pppk": "Active PPPK employees as at the year's snapshot (its end, or the last refresh while it runs).",
    "people_trained": "Distinct employees with at least one JP ledger line in the year.",
    "jp_delivered": "Sum of the JP ledger's JP in the year.",
    "asn_meeting_20jp": "Employees in the year's snapshot with at least 20 JP in the year "
                        "(share = this / (asn_pns + asn_pppk)).",
    "pppk_oriented": "Distinct PPPK employees registered, attending or passed in a PPPK orientation cohort of "
                     "the year.",
    "target_people": "The region's own target of people to train in the year (only when set).",
}
IPASN_METRICS = (
    "ipasn_assessed", "ipasn_score_total", "ipasn_leadership_due", "ipasn_leadership_met", "ipasn_functional_due",
    "ipasn_functional_met", "ipasn_functional_exempt", "ipasn_technical_due", "ipasn_technical_met",
    "ipasn_seminar_due", "ipasn_seminar_met", "ipasn_complete", "ipasn_one_away", "ipasn_one_away_gain",
)
"""IP ASN competency dimension over the year's snapshot (app.services.ipasn.report.rollup_figures): ASN assessed
(a jabatan kind filled), the sum of their scores (average = total / assessed), per item how many it is due for and
how many meet it, how many meet every item, how many lack exactly one and the points those would add. Counts only."""
METRICS.update({name: "IP ASN competency dimension: " + name.removeprefix("ipasn_").replace("_", " ")
                for name in IPASN_METRICS})
COHORTS_PREFIX = "cohorts:"
"""`cohorts:<PROGRAM CODE>`: cohorts of that program in the year (only programs with cohorts that year)."""

BASE_METRICS = ("asn_pns", "asn_pppk", "people_trained", "jp_delivered", "asn_meeting_20jp", "pppk_oriented")
"""Written for every refreshed year, zero included (a zero is a figure, not a missing row)."""

ORIENTATION_PROGRAM_TYPE = "pppk_orientation"
ORIENTED_STATUSES = ("registered", "attending", "passed")


def cohorts_metric(program_code: str) -> str:
    return f"{COHORTS_PREFIX}{program_code}"


def is_cohorts_metric(metric: str) -> bool:
    return metric.startswith(COHORTS_PREFIX)


def program_code_of(metric: str) -> str | None:
    return metric[len(COHORTS_PREFIX):] if is_cohorts_metric(metric) else None


def request_refresh(delay_seconds: int = 30) -> None:
    """Schedule a debounced refresh of the bound tenant; a failing Redis must not break the person's write."""
    from app.services.rollups.refresh import schedule_refresh

    try:
        schedule_refresh(delay_seconds=delay_seconds)
    except RedisError as exc:
        log.warning("could not schedule a rollup refresh: %s", exc)


def on_tenant_data_changed(sender, **kwargs) -> None:
    """Refresh a tenant's rollups (debounced) whenever its training data changes (subscribed by the rollups area)."""
    if current_tenant_or_none() is None:
        return
    request_refresh()

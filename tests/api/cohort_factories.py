"""Moved to tests/fixtures/factories.py; kept for imports not yet changed."""

from tests.fixtures.factories import (  # noqa: F401
    add_phase_result,
    api,
    count_queries,
    enrol,
    ids_of,
    make_cohorts,
    make_employees,
    partner_id,
    program_id,
)

"""Moved to tests/fixtures/factories.py; kept for imports not yet changed."""

from tests.fixtures.factories import (  # noqa: F401
    PKA_PHASES,
    api,
    count_queries,
    enrol_many,
    fresh_nip,
    make_cohort,
    make_employee,
    make_enrolment,
    make_opd,
)

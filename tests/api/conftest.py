"""The factories of tests/api live in tests/fixtures/factories.py (fixtures `make_opd`, `make_employee`, `new_nip`,
`count_queries`); these names stay importable from here for imports not yet changed."""

from tests.fixtures.factories import api, next_nip  # noqa: F401

pytest_plugins = [
    "tests.fixtures.servers",
    "tests.fixtures.app",
    "tests.fixtures.tenants",
    "tests.fixtures.workers",
    "tests.fixtures.auth",
    "tests.fixtures.audit",
    "tests.fixtures.factories",
]

"""A `kompeten` command refuses a PostgreSQL or Redis older than the code supports, saying which minimum and why;
the servers this run uses (the machine's, or the embedded PostgreSQL 16 and Redis 6.2) pass."""

from __future__ import annotations

import pytest

from app import servers
from app.extensions import db
from app.jobs import redis_connection


def test_the_servers_of_this_run_are_new_enough(app):
    versions = servers.check_app_servers(app)

    assert versions.postgres >= servers.MIN_POSTGRES and versions.redis >= servers.MIN_REDIS


def test_an_older_postgresql_is_refused_naming_its_version_the_minimum_and_why(app):
    actual = servers.postgres_version(db.engine)

    with pytest.raises(servers.ServerTooOld) as refused:
        servers.check(actual, servers.redis_version(redis_connection()), min_postgres=(actual[0] + 1, 0))

    message = str(refused.value)
    assert f"PostgreSQL {actual[0]}.{actual[1]} is older than {actual[0] + 1}.0" in message
    assert "oldest the suite runs on" in message and "Redis" not in message.split("Upgrade")[0]
    assert "unset DATABASE_URL and REDIS_URL" in message


def test_redis_older_than_6_2_is_refused_because_of_lmove():
    with pytest.raises(servers.ServerTooOld) as refused:
        servers.check((16, 2), (6, 0, 16))

    assert "Redis 6.0.16 is older than 6.2.0" in str(refused.value) and "LMOVE" in str(refused.value)
    servers.check((15, 0), (6, 2, 0))  # the minimums themselves pass


def test_a_kompeten_command_checks_the_servers_before_it_runs(app, monkeypatch):
    """The CLI's app factory is where the check runs: with a minimum above this server, the command is refused."""
    import click

    from app import cli

    monkeypatch.setattr(servers, "MIN_POSTGRES", (99, 0))
    monkeypatch.setattr(cli, "_prepare_environment", lambda _instance_dir=None: None)
    monkeypatch.setattr("app.create_app", lambda: app)

    with pytest.raises(click.ClickException) as refused:
        cli._create_app()

    assert "older than 99.0" in refused.value.message

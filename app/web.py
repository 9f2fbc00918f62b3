"""Small helpers shared by views: the single commit at the request boundary."""

from __future__ import annotations

from typing import TypeVar

from app.extensions import db

T = TypeVar("T")


def commit(result: T) -> T:
    """Commit the request's unit of work and hand back what the view will dump."""
    db.session.commit()
    return result

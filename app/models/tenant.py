"""Imports every tenant-schema model module so that the metadata knows all tenant tables."""

from app.models import auth, catalogue, imports, org, reconciliation, targets, training  # noqa: F401

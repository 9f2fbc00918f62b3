"""run lifecycle: attempt, heartbeat and lease on import and reconciliation runs (issue 17)

Revision ID: c4f1e2a9b7d3
Revises: a049483922ce
Create Date: 2026-12-07 18:10:00
"""

import sqlalchemy as sa
from alembic import op

revision = "c4f1e2a9b7d3"
down_revision = "a049483922ce"
branch_labels = None
depends_on = None

TABLES = ("import_runs", "reconciliation_runs")


def upgrade() -> None:
    for table in TABLES:
        op.add_column(table, sa.Column("attempt", sa.Integer(), server_default="0", nullable=False))
        op.add_column(table, sa.Column("heartbeat_at", sa.DateTime(timezone=True), nullable=True))
        op.add_column(table, sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    for table in TABLES:
        op.drop_column(table, "lease_until")
        op.drop_column(table, "heartbeat_at")
        op.drop_column(table, "attempt")

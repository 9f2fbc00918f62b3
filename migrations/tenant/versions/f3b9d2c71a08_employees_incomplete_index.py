"""a partial index of the employees flagged "data belum lengkap"

Every employees list page and dashboard counts them; without an index that count read the whole employees table.

Revision ID: f3b9d2c71a08
Revises: e25a1b7c9d40
Create Date: 2026-12-08 02:25:00
"""

import sqlalchemy as sa
from alembic import op

revision = "f3b9d2c71a08"
down_revision = "e25a1b7c9d40"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index("ix_employees_incomplete", "employees", ["opd_id"],
                    postgresql_where=sa.text("data_incomplete_since IS NOT NULL"))


def downgrade():
    op.drop_index("ix_employees_incomplete", table_name="employees")

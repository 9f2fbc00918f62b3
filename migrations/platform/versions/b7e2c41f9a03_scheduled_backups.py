"""scheduled backups: an export's kind (manual | backup) and a backup's day, one per region and day

Revision ID: b7e2c41f9a03
Revises: c3d19e7f4a21
Create Date: 2026-12-07 18:10:00
"""

import sqlalchemy as sa
from alembic import op

revision = "b7e2c41f9a03"
down_revision = "c3d19e7f4a21"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("tenant_exports", sa.Column("kind", sa.String(length=10), nullable=False, server_default="manual"),
                  schema="platform")
    op.add_column("tenant_exports", sa.Column("backup_day", sa.Date(), nullable=True), schema="platform")
    op.create_check_constraint(op.f("ck_tenant_exports_kind"), "tenant_exports", "kind IN ('manual', 'backup')",
                               schema="platform")
    op.create_check_constraint(op.f("ck_tenant_exports_backup_day"), "tenant_exports",
                               "(kind = 'backup') = (backup_day IS NOT NULL)", schema="platform")
    op.create_index(op.f("uq_tenant_exports_backup_day"), "tenant_exports", ["tenant_id", "backup_day"], unique=True,
                    schema="platform", postgresql_where=sa.text("kind = 'backup'"))


def downgrade() -> None:
    op.drop_index(op.f("uq_tenant_exports_backup_day"), table_name="tenant_exports", schema="platform")
    op.drop_constraint(op.f("ck_tenant_exports_backup_day"), "tenant_exports", schema="platform", type_="check")
    op.drop_constraint(op.f("ck_tenant_exports_kind"), "tenant_exports", schema="platform", type_="check")
    op.drop_column("tenant_exports", "backup_day", schema="platform")
    op.drop_column("tenant_exports", "kind", schema="platform")

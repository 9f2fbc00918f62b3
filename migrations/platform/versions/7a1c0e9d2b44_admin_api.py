"""admin api: deleted tombstones, token scopes, idempotency keys, tenant exports

Revision ID: 7a1c0e9d2b44
Revises: 13756b65b101
Create Date: 2026-11-26 22:20:00
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "7a1c0e9d2b44"
down_revision = "13756b65b101"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_constraint(op.f("ck_tenants_status"), "tenants", schema="platform", type_="check")
    op.create_check_constraint(
        op.f("ck_tenants_status"), "tenants",
        "status IN ('provisioning', 'active', 'suspended', 'archived', 'deleted')", schema="platform")
    op.drop_constraint(op.f("uq_tenants_region_code"), "tenants", schema="platform", type_="unique")
    op.create_index(op.f("uq_tenants_region_code_live"), "tenants", ["region_code"], unique=True, schema="platform",
                    postgresql_where=sa.text("status <> 'deleted'"))
    op.add_column("tenants", sa.Column("archived_at", sa.DateTime(timezone=True), nullable=True), schema="platform")
    op.add_column("api_tokens", sa.Column("scopes", postgresql.ARRAY(sa.String(length=40)), nullable=True),
                  schema="platform")
    op.create_table(
        "idempotency_keys",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("method", sa.String(length=10), nullable=False),
        sa.Column("path", sa.String(length=300), nullable=False),
        sa.Column("request_hash", sa.String(length=64), nullable=False),
        sa.Column("status_code", sa.SmallInteger(), nullable=True),
        sa.Column("response_body", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["platform.users.id"], name=op.f("fk_idempotency_keys_user_id_users"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_idempotency_keys")),
        sa.UniqueConstraint("user_id", "key", name="uq_idempotency_keys_user_key"),
        schema="platform",
    )
    op.create_table(
        "tenant_exports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("slug", sa.String(length=41), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("tenant_status", sa.String(length=20), nullable=True),
        sa.Column("file_name", sa.String(length=300), nullable=True),
        sa.Column("size_bytes", sa.BigInteger(), nullable=True),
        sa.Column("sha256", sa.String(length=64), nullable=True),
        sa.Column("manifest", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("requested_by", sa.String(length=64), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("status IN ('queued', 'running', 'done', 'failed')", name=op.f("ck_tenant_exports_status")),
        sa.ForeignKeyConstraint(["tenant_id"], ["platform.tenants.id"],
                                name=op.f("fk_tenant_exports_tenant_id_tenants"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tenant_exports")),
        schema="platform",
    )
    op.create_index(op.f("ix_platform_tenant_exports_tenant_id"), "tenant_exports", ["tenant_id"], unique=False,
                    schema="platform")


def downgrade() -> None:
    op.drop_index(op.f("ix_platform_tenant_exports_tenant_id"), table_name="tenant_exports", schema="platform")
    op.drop_table("tenant_exports", schema="platform")
    op.drop_table("idempotency_keys", schema="platform")
    op.drop_column("api_tokens", "scopes", schema="platform")
    op.drop_column("tenants", "archived_at", schema="platform")
    op.drop_index(op.f("uq_tenants_region_code_live"), table_name="tenants", schema="platform")
    op.create_unique_constraint(op.f("uq_tenants_region_code"), "tenants", ["region_code"], schema="platform")
    op.drop_constraint(op.f("ck_tenants_status"), "tenants", schema="platform", type_="check")
    op.create_check_constraint(op.f("ck_tenants_status"), "tenants",
                               "status IN ('provisioning', 'active', 'suspended', 'archived')", schema="platform")

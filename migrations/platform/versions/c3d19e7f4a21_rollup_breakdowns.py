"""rollup breakdowns: a region's year by OPD kind and jabatan kind (counts only; rollups, issue 19)

Revision ID: c3d19e7f4a21
Revises: 7a1c0e9d2b44
Create Date: 2026-12-07 18:05:00
"""

from alembic import op
import sqlalchemy as sa


revision = 'c3d19e7f4a21'
down_revision = "7a1c0e9d2b44"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('tenant_breakdowns',
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.Column('year', sa.SmallInteger(), nullable=False),
    sa.Column('dimension', sa.String(length=20), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('asn_total', sa.Integer(), nullable=False),
    sa.Column('people_trained', sa.Integer(), nullable=False),
    sa.Column('asn_meeting_20jp', sa.Integer(), nullable=False),
    sa.Column('jp_delivered', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.CheckConstraint("dimension IN ('opd_kind', 'jabatan_kind')", name=op.f('ck_tenant_breakdowns_dimension')),
    sa.CheckConstraint('asn_total >= 0 AND people_trained >= 0 AND asn_meeting_20jp >= 0', name=op.f('ck_tenant_breakdowns_counts')),
    sa.ForeignKeyConstraint(['tenant_id'], ['platform.tenants.id'], name=op.f('fk_tenant_breakdowns_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('tenant_id', 'year', 'dimension', 'kind', name=op.f('pk_tenant_breakdowns')),
    schema='platform'
    )


def downgrade() -> None:
    op.drop_table('tenant_breakdowns', schema='platform')

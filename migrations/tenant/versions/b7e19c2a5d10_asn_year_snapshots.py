"""asn year snapshots: each year's headcount, OPD and jabatan as they were (rollups, issue 19)

Revision ID: b7e19c2a5d10
Revises: c4f1e2a9b7d3
Create Date: 2026-12-07 18:05:00
"""

from alembic import op
import sqlalchemy as sa


revision = 'b7e19c2a5d10'
down_revision = "c4f1e2a9b7d3"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('asn_snapshot_years',
    sa.Column('year', sa.SmallInteger(), nullable=False),
    sa.Column('taken_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('basis', sa.String(length=20), nullable=False),
    sa.Column('closed', sa.Boolean(), server_default=sa.text('false'), nullable=False),
    sa.Column('people', sa.Integer(), server_default='0', nullable=False),
    sa.CheckConstraint("basis IN ('current', 'year_end', 'first_computed')", name=op.f('ck_asn_snapshot_years_basis')),
    sa.CheckConstraint("closed OR basis = 'current'", name=op.f('ck_asn_snapshot_years_open_only_current')),
    sa.PrimaryKeyConstraint('year', name=op.f('pk_asn_snapshot_years'))
    )
    op.create_table('asn_year_snapshots',
    sa.Column('year', sa.SmallInteger(), nullable=False),
    sa.Column('employee_id', sa.Integer(), nullable=False),
    sa.Column('employee_type', sa.String(length=4), nullable=False),
    sa.Column('opd_id', sa.Integer(), nullable=True),
    sa.Column('opd_kind', sa.String(length=20), nullable=False),
    sa.Column('jabatan_kind', sa.String(length=20), nullable=True),
    sa.CheckConstraint("employee_type IN ('PNS', 'PPPK')", name=op.f('ck_asn_year_snapshots_employee_type')),
    sa.CheckConstraint("opd_kind IN ('dinas', 'badan', 'kecamatan', 'kelurahan', 'sekretariat', 'lainnya')", name=op.f('ck_asn_year_snapshots_opd_kind')),
    sa.ForeignKeyConstraint(['employee_id'], ['employees.id'], name=op.f('fk_asn_year_snapshots_employee_id_employees'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['year'], ['asn_snapshot_years.year'], name=op.f('fk_asn_year_snapshots_year_asn_snapshot_years'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('year', 'employee_id', name=op.f('pk_asn_year_snapshots'))
    )


def downgrade() -> None:
    op.drop_table('asn_year_snapshots')
    op.drop_table('asn_snapshot_years')

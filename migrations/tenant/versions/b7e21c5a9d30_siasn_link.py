"""siasn link: connection settings, program mapping, pushes

Revision ID: b7e21c5a9d30
Revises: 6ad6db6f8f0f
Create Date: 2026-12-07 18:20:00
"""

from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision = 'b7e21c5a9d30'
down_revision = "6ad6db6f8f0f"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('siasn_settings',
    sa.Column('id', sa.SmallInteger(), nullable=False),
    sa.Column('base_url', sa.String(length=300), nullable=False),
    sa.Column('sso_url', sa.String(length=300), nullable=True),
    sa.Column('client_id', sa.String(length=100), nullable=False),
    sa.Column('instansi_id', sa.String(length=64), nullable=False),
    sa.Column('secrets', sa.LargeBinary(), nullable=False),
    sa.Column('key_id', sa.String(length=16), nullable=False),
    sa.Column('updated_by', sa.String(length=100), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('checked_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('check_ok', sa.Boolean(), nullable=True),
    sa.Column('check_message', sa.Text(), nullable=True),
    sa.CheckConstraint('id = 1', name=op.f('ck_siasn_settings_single_row')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_siasn_settings'))
    )
    op.create_table('siasn_program_maps',
    sa.Column('program_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('latihan_struktural_id', sa.String(length=64), nullable=True),
    sa.Column('jenis_diklat_id', sa.SmallInteger(), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("kind IN ('diklat', 'kursus')", name=op.f('ck_siasn_program_maps_kind')),
    sa.CheckConstraint("(kind = 'diklat' AND latihan_struktural_id IS NOT NULL AND jenis_diklat_id IS NULL) OR "
                       "(kind = 'kursus' AND jenis_diklat_id IS NOT NULL AND latihan_struktural_id IS NULL)",
                       name=op.f('ck_siasn_program_maps_kind_reference')),
    sa.CheckConstraint('jenis_diklat_id IS NULL OR jenis_diklat_id BETWEEN 1 AND 99',
                       name=op.f('ck_siasn_program_maps_jenis_diklat_id')),
    sa.ForeignKeyConstraint(['program_id'], ['programs.id'], name=op.f('fk_siasn_program_maps_program_id_programs'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('program_id', name=op.f('pk_siasn_program_maps'))
    )
    op.create_table('siasn_pushes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('enrolment_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('action', sa.String(length=10), nullable=False),
    sa.Column('state', sa.String(length=10), nullable=False),
    sa.Column('siasn_id', sa.String(length=64), nullable=True),
    sa.Column('pns_orang_id', sa.String(length=64), nullable=True),
    sa.Column('attempts', sa.Integer(), server_default='0', nullable=False),
    sa.Column('message', sa.Text(), nullable=True),
    sa.Column('payload', postgresql.JSONB(astext_type=sa.Text()), nullable=True),
    sa.Column('queued_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("kind IN ('diklat', 'kursus')", name=op.f('ck_siasn_pushes_kind')),
    sa.CheckConstraint("action IN ('save', 'delete')", name=op.f('ck_siasn_pushes_action')),
    sa.CheckConstraint("state IN ('queued', 'sent', 'failed', 'refused', 'deleted')", name=op.f('ck_siasn_pushes_state')),
    sa.CheckConstraint("state <> 'sent' OR siasn_id IS NOT NULL", name=op.f('ck_siasn_pushes_sent_has_id')),
    sa.CheckConstraint('attempts >= 0', name=op.f('ck_siasn_pushes_attempts')),
    sa.ForeignKeyConstraint(['enrolment_id'], ['enrolments.id'], name=op.f('fk_siasn_pushes_enrolment_id_enrolments'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_siasn_pushes')),
    sa.UniqueConstraint('enrolment_id', name=op.f('uq_siasn_pushes_enrolment_id'))
    )
    op.create_index('ix_siasn_pushes_state', 'siasn_pushes', ['state'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_siasn_pushes_state', table_name='siasn_pushes')
    op.drop_table('siasn_pushes')
    op.drop_table('siasn_program_maps')
    op.drop_table('siasn_settings')

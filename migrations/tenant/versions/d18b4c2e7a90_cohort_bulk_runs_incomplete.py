"""cohort bulk runs (large bulk enrolments and results uploads as RQ jobs) and employees.data_incomplete_since
(people created from a partner's report, issue 18)

Revision ID: d18b4c2e7a90
Revises: d3a8c41f7e22
Create Date: 2026-12-08 00:30:00
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql


revision = "d18b4c2e7a90"
down_revision = 'd3a8c41f7e22'
branch_labels = None
depends_on = None

# The same as app.models.employees.INCOMPLETE_SQL (provisioning), frozen here.
INCOMPLETE_SQL = [
    """CREATE OR REPLACE FUNCTION employees_incomplete() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    v_complete boolean;
BEGIN
    v_complete := NEW.opd_id IS NOT NULL AND NEW.golongan IS NOT NULL AND coalesce(btrim(NEW.jabatan), '') <> '';
    IF NEW.data_incomplete_since IS NOT NULL AND v_complete THEN
        NEW.data_incomplete_since := NULL;
    ELSIF TG_OP = 'UPDATE' AND OLD.data_incomplete_since IS NOT NULL AND NEW.data_incomplete_since IS NULL
          AND NOT v_complete THEN
        RAISE EXCEPTION USING ERRCODE = 'check_violation', CONSTRAINT = 'ck_employees_incomplete_until_filled',
            MESSAGE = format('ck_employees_incomplete_until_filled: employee %s still lacks OPD, golongan or '
                             'jabatan', NEW.id);
    END IF;
    RETURN NEW;
END $$""",
    # Only rows that carry the flag (before or after) run it: imports of 80,000 people do not pay for it.
    "CREATE TRIGGER employees_incomplete_insert BEFORE INSERT ON employees FOR EACH ROW "
    "WHEN (NEW.data_incomplete_since IS NOT NULL) EXECUTE FUNCTION employees_incomplete()",
    "CREATE TRIGGER employees_incomplete BEFORE UPDATE ON employees FOR EACH ROW "
    "WHEN (OLD.data_incomplete_since IS NOT NULL OR NEW.data_incomplete_since IS NOT NULL) "
    "EXECUTE FUNCTION employees_incomplete()",
]


def upgrade() -> None:
    op.create_table(
        "cohort_bulk_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("cohort_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("state", sa.String(length=10), server_default="queued", nullable=False),
        sa.Column("rows", sa.Integer(), nullable=False),
        sa.Column("params", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("result", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("requested_by_id", sa.Integer(), nullable=True),
        sa.Column("requested_by", sa.String(length=200), nullable=True),
        sa.Column("opd_scope", sa.ARRAY(sa.Integer()), nullable=True),
        sa.Column("job_id", sa.String(length=100), nullable=True),
        sa.Column("attempt", sa.Integer(), server_default="0", nullable=False),
        sa.Column("heartbeat_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("kind IN ('enrol', 'results')", name=op.f("ck_cohort_bulk_runs_kind")),
        sa.CheckConstraint("state IN ('queued', 'running', 'done', 'failed')", name=op.f("ck_cohort_bulk_runs_state")),
        sa.CheckConstraint("state <> 'done' OR result IS NOT NULL", name=op.f("ck_cohort_bulk_runs_done_has_result")),
        sa.CheckConstraint("state <> 'failed' OR error IS NOT NULL",
                           name=op.f("ck_cohort_bulk_runs_failed_has_reason")),
        sa.ForeignKeyConstraint(["cohort_id"], ["cohorts.id"], name=op.f("fk_cohort_bulk_runs_cohort_id_cohorts"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cohort_bulk_runs")),
    )
    op.create_index("ix_cohort_bulk_runs_cohort_id", "cohort_bulk_runs", ["cohort_id", "id"])
    op.add_column("employees", sa.Column("data_incomplete_since", sa.DateTime(timezone=True), nullable=True))
    for statement in INCOMPLETE_SQL:
        op.execute(statement)


def downgrade() -> None:
    op.execute("DROP TRIGGER IF EXISTS employees_incomplete ON employees")
    op.execute("DROP TRIGGER IF EXISTS employees_incomplete_insert ON employees")
    op.execute("DROP FUNCTION IF EXISTS employees_incomplete()")
    op.drop_column("employees", "data_incomplete_since")
    op.drop_index("ix_cohort_bulk_runs_cohort_id", table_name="cohort_bulk_runs")
    op.drop_table("cohort_bulk_runs")

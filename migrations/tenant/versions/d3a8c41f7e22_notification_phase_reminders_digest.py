"""notifications: phase reminders (the region's days before a phase), the weekly staff digest

Revision ID: d3a8c41f7e22
Revises: e5a7c3d91f20
Create Date: 2026-12-08 00:10:00
"""

from alembic import op
import sqlalchemy as sa


revision = 'd3a8c41f7e22'
down_revision = 'e5a7c3d91f20'
branch_labels = None
depends_on = None

OLD_KINDS = "('summons', 'result', 'jp_reminder', 'jp_digest')"
NEW_KINDS = "('summons', 'result', 'jp_reminder', 'jp_digest', 'phase_reminder', 'staff_digest')"
OLD_OPTIONAL = "('result', 'jp_reminder')"
NEW_OPTIONAL = "('result', 'jp_reminder', 'phase_reminder')"


def _kinds(kinds: str, optional: str) -> None:
    for table in ("notification_outbox", "notification_templates"):
        op.drop_constraint(op.f(f"ck_{table}_kind"), table, type_="check")
        op.create_check_constraint(op.f(f"ck_{table}_kind"), table, f"kind IN {kinds}")
    op.drop_constraint(op.f("ck_notification_optouts_optional_kind"), "notification_optouts", type_="check")
    op.create_check_constraint(op.f("ck_notification_optouts_optional_kind"), "notification_optouts",
                               f"kind IN {optional}")


def upgrade() -> None:
    _kinds(NEW_KINDS, NEW_OPTIONAL)
    op.add_column('notification_settings', sa.Column('phase_reminder_days', sa.SmallInteger(), server_default='3',
                                                     nullable=False))
    op.create_check_constraint(op.f("ck_notification_settings_phase_reminder_days"), "notification_settings",
                               "phase_reminder_days BETWEEN 1 AND 30")


def downgrade() -> None:
    op.execute("DELETE FROM notification_outbox WHERE kind IN ('phase_reminder', 'staff_digest')")
    op.execute("DELETE FROM notification_templates WHERE kind IN ('phase_reminder', 'staff_digest')")
    op.execute("DELETE FROM notification_optouts WHERE kind = 'phase_reminder'")
    op.drop_constraint(op.f("ck_notification_settings_phase_reminder_days"), "notification_settings", type_="check")
    op.drop_column('notification_settings', 'phase_reminder_days')
    _kinds(OLD_KINDS, OLD_OPTIONAL)

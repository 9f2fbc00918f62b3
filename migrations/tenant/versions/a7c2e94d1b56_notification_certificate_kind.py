"""notifications: the 'certificate' kind (STTPP Anda sudah terbit), written when the region issues an STTPP

Revision ID: a7c2e94d1b56
Revises: d18b4c2e7a90
Create Date: 2026-12-08 01:00:00
"""

from alembic import op


revision = 'a7c2e94d1b56'
down_revision = 'd18b4c2e7a90'
branch_labels = None
depends_on = None

OLD_KINDS = "('summons', 'result', 'jp_reminder', 'jp_digest', 'phase_reminder', 'staff_digest')"
NEW_KINDS = "('summons', 'result', 'jp_reminder', 'jp_digest', 'phase_reminder', 'staff_digest', 'certificate')"
OLD_OPTIONAL = "('result', 'jp_reminder', 'phase_reminder')"
NEW_OPTIONAL = "('result', 'jp_reminder', 'phase_reminder', 'certificate')"


def _kinds(kinds: str, optional: str) -> None:
    for table in ("notification_outbox", "notification_templates"):
        op.drop_constraint(op.f(f"ck_{table}_kind"), table, type_="check")
        op.create_check_constraint(op.f(f"ck_{table}_kind"), table, f"kind IN {kinds}")
    op.drop_constraint(op.f("ck_notification_optouts_optional_kind"), "notification_optouts", type_="check")
    op.create_check_constraint(op.f("ck_notification_optouts_optional_kind"), "notification_optouts",
                               f"kind IN {optional}")


def upgrade() -> None:
    _kinds(NEW_KINDS, NEW_OPTIONAL)


def downgrade() -> None:
    op.execute("DELETE FROM notification_outbox WHERE kind = 'certificate'")
    op.execute("DELETE FROM notification_templates WHERE kind = 'certificate'")
    op.execute("DELETE FROM notification_optouts WHERE kind = 'certificate'")
    op.execute("UPDATE notification_settings SET disabled_kinds = array_remove(disabled_kinds, 'certificate')")
    _kinds(OLD_KINDS, OLD_OPTIONAL)

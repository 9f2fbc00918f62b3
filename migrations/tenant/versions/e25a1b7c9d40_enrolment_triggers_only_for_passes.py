"""enrolment triggers fire only for rows they act on (issue 25: imports)

enrolments_check_pass and the STTPP-number trigger on INSERT did nothing for an enrolment that is not a pass,
but PostgreSQL still called them (and queued the AFTER one) for each of an import's 100k new rows. A WHEN
clause leaves them out for those rows; the functions, and so the rules, are unchanged.

Revision ID: e25a1b7c9d40
Revises: a7c2e94d1b56
Create Date: 2026-12-08 00:55:00
"""

from alembic import op

revision = "e25a1b7c9d40"
down_revision = 'a7c2e94d1b56'
branch_labels = None
depends_on = None


def upgrade():
    op.execute("DROP TRIGGER IF EXISTS enrolments_check_pass ON enrolments")
    op.execute("CREATE TRIGGER enrolments_check_pass BEFORE INSERT OR UPDATE ON enrolments FOR EACH ROW "
               "WHEN (NEW.status = 'passed') EXECUTE FUNCTION enrolments_check_pass()")
    op.execute("DROP TRIGGER IF EXISTS enrolments_sttpp_number ON enrolments")
    op.execute("CREATE TRIGGER enrolments_sttpp_number AFTER UPDATE OF status, certificate_number, cohort_id "
               "ON enrolments FOR EACH ROW EXECUTE FUNCTION enrolments_sttpp_number()")
    op.execute("CREATE TRIGGER enrolments_sttpp_number_insert AFTER INSERT ON enrolments FOR EACH ROW "
               "WHEN (NEW.status = 'passed') EXECUTE FUNCTION enrolments_sttpp_number()")


def downgrade():
    op.execute("DROP TRIGGER IF EXISTS enrolments_sttpp_number_insert ON enrolments")
    op.execute("DROP TRIGGER IF EXISTS enrolments_sttpp_number ON enrolments")
    op.execute("CREATE TRIGGER enrolments_sttpp_number AFTER INSERT OR UPDATE OF status, certificate_number, "
               "cohort_id ON enrolments FOR EACH ROW EXECUTE FUNCTION enrolments_sttpp_number()")
    op.execute("DROP TRIGGER IF EXISTS enrolments_check_pass ON enrolments")
    op.execute("CREATE TRIGGER enrolments_check_pass BEFORE INSERT OR UPDATE ON enrolments FOR EACH ROW "
               "EXECUTE FUNCTION enrolments_check_pass()")

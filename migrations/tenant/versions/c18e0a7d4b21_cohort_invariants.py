"""cohort invariants (issue 18): what the domain forbids, the database refuses; programs' eligibility rules

A pass has an STTPP number and date and a JP within 1..the program's JP; nothing but a pass carries JP (on the
enrolment or as a JP ledger line); an STTPP number is used once per program and cohort year.

Existing rows: JP on an enrolment that is not a pass is removed with its ledger line, and a ledger line that
disagrees with its pass's JP takes the pass's JP (both are what the rules already say). A pass without its
STTPP, with a JP outside the program's, or sharing an STTPP number cannot be fixed without a person: the
migration then refuses, listing each such enrolment, and changes nothing.

Revision ID: c18e0a7d4b21
Revises: b7e19c2a5d10
Create Date: 2026-12-07 18:00:00
"""

from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql


revision = 'c18e0a7d4b21'
down_revision = "b7e19c2a5d10"
branch_labels = None
depends_on = None

# The triggers as app.models.cohorts.INVARIANT_SQL had them when this migration was written.
INVARIANT_SQL = [
    "CREATE OR REPLACE FUNCTION enrolments_check_pass() RETURNS trigger LANGUAGE plpgsql AS $$\nDECLARE\n    v_jp int;\nBEGIN\n    IF NEW.status <> 'passed' THEN\n        RETURN NEW;\n    END IF;\n    SELECT p.jp INTO v_jp\n    FROM cohorts c JOIN programs p ON p.id = c.program_id WHERE c.id = NEW.cohort_id;\n    IF NEW.jp_earned > v_jp THEN\n        RAISE EXCEPTION USING ERRCODE = 'check_violation', CONSTRAINT = 'ck_enrolments_jp_within_program',\n            MESSAGE = format('ck_enrolments_jp_within_program: enrolment %s: jp_earned %s exceeds the '\n                             'program''s %s JP', NEW.id, NEW.jp_earned, v_jp);\n    END IF;\n    RETURN NEW;\nEND $$",
    'CREATE TRIGGER enrolments_check_pass BEFORE INSERT OR UPDATE ON enrolments FOR EACH ROW EXECUTE FUNCTION enrolments_check_pass()',
    "CREATE OR REPLACE FUNCTION enrolments_sttpp_number() RETURNS trigger LANGUAGE plpgsql AS $$\nBEGIN\n    IF TG_OP = 'UPDATE' THEN\n        DELETE FROM sttpp_numbers WHERE enrolment_id = NEW.id;\n    END IF;\n    IF NEW.status = 'passed' THEN\n        INSERT INTO sttpp_numbers (program_id, year, number_key, enrolment_id)\n        SELECT c.program_id, c.year, upper(btrim(NEW.certificate_number)), NEW.id FROM cohorts c\n        WHERE c.id = NEW.cohort_id;\n    END IF;\n    RETURN NULL;\nEND $$",
    'CREATE TRIGGER enrolments_sttpp_number AFTER INSERT OR UPDATE OF status, certificate_number, cohort_id ON enrolments FOR EACH ROW EXECUTE FUNCTION enrolments_sttpp_number()',
    "CREATE OR REPLACE FUNCTION jp_entries_check_enrolment() RETURNS trigger LANGUAGE plpgsql AS $$\nDECLARE\n    v_bad record;\nBEGIN\n    IF TG_TABLE_NAME = 'jp_entries' THEN\n        SELECT j.id, j.enrolment_id, e.status, j.jp, e.jp_earned INTO v_bad\n        FROM jp_entries j JOIN enrolments e ON e.id = j.enrolment_id\n        WHERE j.id = NEW.id AND (e.status <> 'passed' OR e.jp_earned IS DISTINCT FROM j.jp);\n    ELSE\n        SELECT j.id, j.enrolment_id, e.status, j.jp, e.jp_earned INTO v_bad\n        FROM jp_entries j JOIN enrolments e ON e.id = j.enrolment_id\n        WHERE e.id = NEW.id AND (e.status <> 'passed' OR e.jp_earned IS DISTINCT FROM j.jp);\n    END IF;\n    IF FOUND THEN\n        RAISE EXCEPTION USING ERRCODE = 'check_violation', CONSTRAINT = 'ck_jp_entries_pass_only',\n            MESSAGE = format('ck_jp_entries_pass_only: JP line %s: enrolment %s is %s with %s JP, the line '\n                             'says %s JP', v_bad.id,\n                             v_bad.enrolment_id, v_bad.status, coalesce(v_bad.jp_earned::text, 'no'), v_bad.jp);\n    END IF;\n    RETURN NULL;\nEND $$",
    'CREATE CONSTRAINT TRIGGER jp_entries_pass_only AFTER INSERT OR UPDATE ON jp_entries DEFERRABLE INITIALLY DEFERRED FOR EACH ROW WHEN (NEW.enrolment_id IS NOT NULL) EXECUTE FUNCTION jp_entries_check_enrolment()',
    'CREATE CONSTRAINT TRIGGER enrolments_ledger_follows AFTER UPDATE OF status, jp_earned ON enrolments DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION jp_entries_check_enrolment()',
]

_REFUSALS = """
SELECT e.id, m.nip, p.code || ' ' || c.number || '/' || c.year AS cohort, problem
FROM (
    SELECT e.id, 'lulus tanpa nomor STTPP' AS problem FROM enrolments e
    WHERE e.status = 'passed' AND (e.certificate_number IS NULL OR btrim(e.certificate_number) = '')
    UNION ALL
    SELECT e.id, 'lulus tanpa tanggal STTPP' FROM enrolments e
    WHERE e.status = 'passed' AND e.certificate_date IS NULL
    UNION ALL
    SELECT e.id, 'lulus tanpa JP' FROM enrolments e WHERE e.status = 'passed' AND e.jp_earned IS NULL
    UNION ALL
    SELECT e.id, 'JP ' || e.jp_earned || ' di luar 1..' || p.jp || ' (JP program)'
    FROM enrolments e JOIN cohorts c ON c.id = e.cohort_id JOIN programs p ON p.id = c.program_id
    WHERE e.status = 'passed' AND (e.jp_earned < 1 OR e.jp_earned > p.jp)
    UNION ALL
    SELECT e.id, 'nomor STTPP ' || e.certificate_number || ' dipakai lebih dari sekali'
    FROM enrolments e JOIN cohorts c ON c.id = e.cohort_id
    WHERE e.status = 'passed' AND btrim(e.certificate_number) <> '' AND EXISTS (
        SELECT 1 FROM enrolments o JOIN cohorts oc ON oc.id = o.cohort_id
        WHERE o.id <> e.id AND o.status = 'passed' AND oc.program_id = c.program_id AND oc.year = c.year
          AND upper(btrim(o.certificate_number)) = upper(btrim(e.certificate_number)))
) bad
JOIN enrolments e ON e.id = bad.id JOIN employees m ON m.id = e.employee_id
JOIN cohorts c ON c.id = e.cohort_id JOIN programs p ON p.id = c.program_id
ORDER BY e.id
"""


def upgrade() -> None:
    # Eligibility rules of a program (NULL: no rule).
    op.add_column('programs', sa.Column('eligible_jabatan_kinds', postgresql.ARRAY(sa.String(length=20)), nullable=True))
    op.add_column('programs', sa.Column('eligible_employee_types', postgresql.ARRAY(sa.String(length=4)), nullable=True))
    op.add_column('programs', sa.Column('min_golongan', sa.String(length=8), nullable=True))
    op.add_column('programs', sa.Column('not_if_passed', sa.Boolean(), server_default=sa.text('false'), nullable=False))
    # Phases with dated blocks (sessions) and day-level agenda items.
    op.add_column('cohort_phases', sa.Column('sessions', postgresql.JSONB(astext_type=sa.Text()), nullable=True))
    op.add_column('cohort_phases', sa.Column('agenda', postgresql.JSONB(astext_type=sa.Text()), nullable=True))
    op.create_check_constraint(op.f('ck_cohort_phases_sessions_array'), 'cohort_phases',
                               "sessions IS NULL OR jsonb_typeof(sessions) = 'array'")
    op.create_check_constraint(op.f('ck_cohort_phases_agenda_array'), 'cohort_phases',
                               "agenda IS NULL OR jsonb_typeof(agenda) = 'array'")
    bind = op.get_bind()
    refusals = bind.execute(sa.text(_REFUSALS)).all()
    if refusals:
        lines = [f"  pendaftaran {r.id} (NIP {r.nip}, {r.cohort}): {r.problem}" for r in refusals[:200]]
        more = f"\n  ... dan {len(refusals) - 200} lagi" if len(refusals) > 200 else ""
        raise RuntimeError(
            f"{len(refusals)} data pendaftaran melanggar aturan dan tidak bisa diperbaiki otomatis; perbaiki dulu "
            "(lengkapi STTPP/JP atau ubah statusnya), lalu jalankan migrasi lagi:\n" + "\n".join(lines) + more)
    # What the rules already say, applied: JP belongs to a pass only, and the ledger line carries the pass's JP.
    op.execute("DELETE FROM jp_entries j USING enrolments e WHERE j.enrolment_id = e.id AND e.status <> 'passed'")
    op.execute("UPDATE enrolments SET jp_earned = NULL WHERE status <> 'passed' AND jp_earned IS NOT NULL")
    op.execute("UPDATE jp_entries j SET jp = e.jp_earned FROM enrolments e WHERE j.enrolment_id = e.id "
               "AND j.jp IS DISTINCT FROM e.jp_earned")
    op.create_check_constraint(
        op.f('ck_enrolments_pass_has_sttpp'), 'enrolments',
        "status <> 'passed' OR (certificate_number IS NOT NULL AND btrim(certificate_number) <> '' "
        "AND certificate_date IS NOT NULL AND jp_earned IS NOT NULL)")
    op.create_check_constraint(op.f('ck_enrolments_jp_only_when_passed'), 'enrolments',
                               "status = 'passed' OR jp_earned IS NULL")
    op.create_check_constraint(op.f('ck_enrolments_jp_positive'), 'enrolments', "jp_earned IS NULL OR jp_earned >= 1")
    op.create_index('ix_enrolments_sttpp', 'enrolments', [sa.text('upper(btrim(certificate_number))')],
                    postgresql_where=sa.text("status = 'passed'"))
    op.create_table('sttpp_numbers',
    sa.Column('enrolment_id', sa.Integer(), nullable=False),
    sa.Column('program_id', sa.Integer(), nullable=False),
    sa.Column('year', sa.SmallInteger(), nullable=False),
    sa.Column('number_key', sa.String(length=100), nullable=False),
    sa.ForeignKeyConstraint(['enrolment_id'], ['enrolments.id'], name=op.f('fk_sttpp_numbers_enrolment_id_enrolments'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['program_id'], ['programs.id'], name=op.f('fk_sttpp_numbers_program_id_programs')),
    sa.PrimaryKeyConstraint('enrolment_id', name=op.f('pk_sttpp_numbers')),
    sa.UniqueConstraint('program_id', 'year', 'number_key', name='uq_enrolments_sttpp_program_year')
    )
    op.execute("INSERT INTO sttpp_numbers (program_id, year, number_key, enrolment_id) "
               "SELECT c.program_id, c.year, upper(btrim(e.certificate_number)), e.id FROM enrolments e "
               "JOIN cohorts c ON c.id = e.cohort_id WHERE e.status = 'passed'")
    for statement in INVARIANT_SQL:
        op.execute(statement)


def downgrade() -> None:
    op.execute("DROP TRIGGER IF EXISTS enrolments_ledger_follows ON enrolments")
    op.execute("DROP TRIGGER IF EXISTS jp_entries_pass_only ON jp_entries")
    op.execute("DROP TRIGGER IF EXISTS enrolments_check_pass ON enrolments")
    op.execute("DROP TRIGGER IF EXISTS enrolments_sttpp_number ON enrolments")
    op.execute("DROP FUNCTION IF EXISTS enrolments_sttpp_number()")
    op.drop_table('sttpp_numbers')
    op.execute("DROP FUNCTION IF EXISTS jp_entries_check_enrolment()")
    op.execute("DROP FUNCTION IF EXISTS enrolments_check_pass()")
    op.drop_index('ix_enrolments_sttpp', table_name='enrolments')
    op.drop_constraint(op.f('ck_enrolments_jp_positive'), 'enrolments', type_='check')
    op.drop_constraint(op.f('ck_enrolments_jp_only_when_passed'), 'enrolments', type_='check')
    op.drop_constraint(op.f('ck_enrolments_pass_has_sttpp'), 'enrolments', type_='check')
    op.drop_constraint(op.f('ck_cohort_phases_agenda_array'), 'cohort_phases', type_='check')
    op.drop_constraint(op.f('ck_cohort_phases_sessions_array'), 'cohort_phases', type_='check')
    op.drop_column('cohort_phases', 'agenda')
    op.drop_column('cohort_phases', 'sessions')
    for column in ('not_if_passed', 'min_golongan', 'eligible_employee_types', 'eligible_jabatan_kinds'):
        op.drop_column('programs', column)

"""IP ASN competency dimension: jp_entries.activity_kind (filled from the program for cohort lines), programs'
IP ASN mapping, the weights per year and post kind (seeded with the defaults), the exemption keywords

Revision ID: e5a7c3d91f20
Revises: f1fcebc46351
Create Date: 2026-12-08 00:20:00
"""

from alembic import op
import sqlalchemy as sa

# Frozen copies of app.models.ipasn at this revision (a migration must not change when the models do).
ACTIVITY_KIND_SQL = (
    "coalesce(p.activity_kind, CASE p.program_type WHEN 'pkn' THEN 'leadership' WHEN 'pka' THEN 'leadership' "
    "WHEN 'pkp' THEN 'leadership' WHEN 'functional' THEN 'functional' WHEN 'technical' THEN 'technical' "
    "WHEN 'elearning' THEN 'technical' ELSE 'other' END)"
)
LEADERSHIP_LEVEL_SQL = (
    "coalesce(p.leadership_level, CASE p.program_type WHEN 'pkn' THEN 'PKN' WHEN 'pka' THEN 'PKA' "
    "WHEN 'pkp' THEN 'PKP' END)"
)
ACTIVITY_KIND_TRIGGER_SQL = [
    f"""CREATE OR REPLACE FUNCTION jp_entries_activity_kind() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.activity_kind IS NULL AND NEW.enrolment_id IS NOT NULL THEN
        SELECT {ACTIVITY_KIND_SQL}, CASE WHEN {ACTIVITY_KIND_SQL} = 'leadership' THEN {LEADERSHIP_LEVEL_SQL} END
        INTO NEW.activity_kind, NEW.leadership_level
        FROM enrolments e JOIN cohorts c ON c.id = e.cohort_id JOIN programs p ON p.id = c.program_id
        WHERE e.id = NEW.enrolment_id;
    END IF;
    RETURN NEW;
END $$""",
    "CREATE TRIGGER jp_entries_activity_kind BEFORE INSERT OR UPDATE OF enrolment_id ON jp_entries "
    "FOR EACH ROW EXECUTE FUNCTION jp_entries_activity_kind()",
]
DEFAULT_WEIGHTS = {"jpt": (15, 0, 15, 10), "administrator": (15, 0, 15, 10), "pengawas": (15, 0, 15, 10),
                   "fungsional": (0, 15, 15, 10), "pelaksana": (0, 0, 25, 15)}
DEFAULT_WEIGHTS_YEAR = 2019
DEFAULT_EXEMPTIONS = ("dokter", "guru", "apoteker", "perawat", "bidan", "asesor", "psikolog")

revision = 'e5a7c3d91f20'
down_revision = 'f1fcebc46351'
branch_labels = None
depends_on = None

SOURCE = "Peraturan BKN Nomor 8 Tahun 2019 Pasal 8 (bobot default; periksa)"


def upgrade() -> None:
    op.add_column('programs', sa.Column('activity_kind', sa.String(length=20), nullable=True))
    op.add_column('programs', sa.Column('leadership_level', sa.String(length=3), nullable=True))
    op.create_check_constraint(op.f('ck_programs_activity_kind'), 'programs',
                               "activity_kind IN ('leadership', 'functional', 'technical', 'seminar', 'other')")
    op.create_check_constraint(op.f('ck_programs_leadership_level'), 'programs',
                               "leadership_level IN ('PKN', 'PKA', 'PKP')")
    op.add_column('jp_entries', sa.Column('activity_kind', sa.String(length=20), nullable=True))
    op.add_column('jp_entries', sa.Column('leadership_level', sa.String(length=3), nullable=True))
    op.create_check_constraint(op.f('ck_jp_entries_activity_kind'), 'jp_entries',
                               "activity_kind IN ('leadership', 'functional', 'technical', 'seminar', 'other')")
    op.create_check_constraint(op.f('ck_jp_entries_leadership_level'), 'jp_entries',
                               "leadership_level IN ('PKN', 'PKA', 'PKP')")
    op.create_index('ix_jp_entries_activity_kind_year', 'jp_entries', ['activity_kind', 'year', 'employee_id'],
                    postgresql_include=['jp', 'id', 'enrolment_id', 'leadership_level'], postgresql_where=sa.text('activity_kind IS NOT NULL'))
    op.create_table('ipasn_weights',
    sa.Column('year', sa.SmallInteger(), nullable=False),
    sa.Column('post_kind', sa.String(length=20), nullable=False),
    sa.Column('leadership', sa.SmallInteger(), nullable=False),
    sa.Column('functional', sa.SmallInteger(), nullable=False),
    sa.Column('technical', sa.SmallInteger(), nullable=False),
    sa.Column('seminar', sa.SmallInteger(), nullable=False),
    sa.Column('source', sa.String(length=300), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("post_kind IN ('jpt', 'administrator', 'pengawas', 'fungsional', 'pelaksana')",
                       name=op.f('ck_ipasn_weights_post_kind')),
    sa.CheckConstraint('year BETWEEN 2000 AND 2100', name=op.f('ck_ipasn_weights_year')),
    sa.CheckConstraint('leadership >= 0 AND functional >= 0 AND technical >= 0 AND seminar >= 0',
                       name=op.f('ck_ipasn_weights_non_negative')),
    sa.CheckConstraint('leadership + functional + technical + seminar <= 40',
                       name=op.f('ck_ipasn_weights_within_dimension')),
    sa.PrimaryKeyConstraint('year', 'post_kind', name=op.f('pk_ipasn_weights'))
    )
    op.create_table('ipasn_exemptions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('item', sa.String(length=20), server_default='functional', nullable=False),
    sa.Column('keyword', sa.String(length=60), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("item = 'functional'", name=op.f('ck_ipasn_exemptions_item')),
    sa.CheckConstraint('keyword = lower(btrim(keyword)) AND length(keyword) >= 3',
                       name=op.f('ck_ipasn_exemptions_keyword')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ipasn_exemptions')),
    sa.UniqueConstraint('item', 'keyword', name=op.f('uq_ipasn_exemptions_item_keyword'))
    )
    for statement in ACTIVITY_KIND_TRIGGER_SQL:
        op.execute(statement)
    # the cohort lines already there take their program's kind
    op.execute(f"UPDATE jp_entries j SET activity_kind = {ACTIVITY_KIND_SQL}, leadership_level = "
               f"CASE WHEN {ACTIVITY_KIND_SQL} = 'leadership' THEN {LEADERSHIP_LEVEL_SQL} END FROM enrolments e "
               "JOIN cohorts c ON c.id = e.cohort_id JOIN programs p ON p.id = c.program_id "
               "WHERE e.id = j.enrolment_id AND j.activity_kind IS NULL")
    weights = sa.table('ipasn_weights', sa.column('year'), sa.column('post_kind'), sa.column('leadership'),
                       sa.column('functional'), sa.column('technical'), sa.column('seminar'), sa.column('source'))
    op.bulk_insert(weights, [
        {"year": DEFAULT_WEIGHTS_YEAR, "post_kind": kind, "leadership": w[0], "functional": w[1],
         "technical": w[2], "seminar": w[3], "source": SOURCE} for kind, w in DEFAULT_WEIGHTS.items()])
    exemptions = sa.table('ipasn_exemptions', sa.column('item'), sa.column('keyword'))
    op.bulk_insert(exemptions, [{"item": "functional", "keyword": k} for k in DEFAULT_EXEMPTIONS])


def downgrade() -> None:
    op.execute("DROP TRIGGER IF EXISTS jp_entries_activity_kind ON jp_entries")
    op.execute("DROP FUNCTION IF EXISTS jp_entries_activity_kind()")
    op.drop_table('ipasn_exemptions')
    op.drop_table('ipasn_weights')
    op.drop_index('ix_jp_entries_activity_kind_year', table_name='jp_entries')
    op.drop_constraint(op.f('ck_jp_entries_leadership_level'), 'jp_entries', type_='check')
    op.drop_constraint(op.f('ck_jp_entries_activity_kind'), 'jp_entries', type_='check')
    op.drop_column('jp_entries', 'leadership_level')
    op.drop_column('jp_entries', 'activity_kind')
    op.drop_constraint(op.f('ck_programs_leadership_level'), 'programs', type_='check')
    op.drop_constraint(op.f('ck_programs_activity_kind'), 'programs', type_='check')
    op.drop_column('programs', 'leadership_level')
    op.drop_column('programs', 'activity_kind')

"""The domain's invariants live in the database: raw SQL that breaks one fails, whatever the code does.

Also the tenant migration that adds them: rows it can fix are fixed, rows it cannot make it refuse with a
report naming each one.
"""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.services.admin import migrations
from app.tenancy import tenant_context
from tests.api.enrolment_factories import make_cohort, make_employee

# Raw SQL on connections of its own (each commit runs the deferred checks): the rows it builds on are committed.
pytestmark = pytest.mark.committed

CERT_DATE = date(2024, 7, 11)


def _insert(tenant, sql: str, **params) -> None:
    """Run `sql` in its own transaction and commit it (deferred checks run at the commit)."""
    with tenant_context(tenant), db.engine.begin() as conn:
        conn.execute(sa.text(sql), params)


def _enrolment(tenant, cohort_id: int, status: str, *, number: str | None = None, day: date | None = None,
               jp: int | None = None) -> None:
    _insert(tenant, "INSERT INTO enrolments (employee_id, cohort_id, status, certificate_number, certificate_date, "
                    "jp_earned) VALUES (:e, :c, :s, :n, :d, :jp)",
            e=make_employee(tenant)["id"], c=cohort_id, s=status, n=number, d=day, jp=jp)


@pytest.fixture
def pka(malang):
    return make_cohort(malang, year=2024)


@pytest.mark.parametrize(("number", "day", "jp", "constraint"), [
    (None, CERT_DATE, 333, "ck_enrolments_pass_has_sttpp"),
    ("   ", CERT_DATE, 333, "ck_enrolments_pass_has_sttpp"),
    ("STTPP/1", None, 333, "ck_enrolments_pass_has_sttpp"),
    ("STTPP/1", CERT_DATE, None, "ck_enrolments_pass_has_sttpp"),
    ("STTPP/1", CERT_DATE, 0, "ck_enrolments_jp_positive"),
    ("STTPP/1", CERT_DATE, -5, "ck_enrolments_jp_positive"),
    ("STTPP/1", CERT_DATE, 334, "ck_enrolments_jp_within_program"),  # PKA is 333 JP
])
def test_a_pass_needs_its_sttpp_number_and_date_and_a_jp_within_the_programs(malang, pka, number, day, jp,
                                                                              constraint):
    with pytest.raises(sa.exc.IntegrityError, match=constraint):
        _enrolment(malang, pka["id"], "passed", number=number, day=day, jp=jp)


def test_a_complete_pass_is_accepted(malang, pka):
    _enrolment(malang, pka["id"], "passed", number="STTPP/001/PKA-II/BPSDM/2024", day=CERT_DATE, jp=333)


@pytest.mark.parametrize("status", ["registered", "attending", "failed", "withdrawn"])
def test_only_a_pass_carries_jp(malang, pka, status):
    with pytest.raises(sa.exc.IntegrityError, match="ck_enrolments_jp_only_when_passed"):
        _enrolment(malang, pka["id"], status, jp=333)


def test_an_sttpp_number_is_used_once_per_program_and_year(malang, pka):
    other_2024 = make_cohort(malang, year=2024)
    next_year = make_cohort(malang, year=2025)
    pkp_2024 = make_cohort(malang, program_code="PKP", year=2024)
    _enrolment(malang, pka["id"], "passed", number="STTPP/001/PKA/2024", day=CERT_DATE, jp=333)
    with pytest.raises(sa.exc.IntegrityError, match="uq_enrolments_sttpp_program_year"):
        _enrolment(malang, other_2024["id"], "passed", number="sttpp/001/pka/2024 ", day=CERT_DATE, jp=333)
    # another year of the program, or another program the same year, may use it
    _enrolment(malang, next_year["id"], "passed", number="STTPP/001/PKA/2024", day=CERT_DATE, jp=333)
    _enrolment(malang, pkp_2024["id"], "passed", number="STTPP/001/PKA/2024", day=CERT_DATE, jp=1)


def test_a_jp_line_belongs_to_a_pass_with_the_same_jp(malang, pka):
    _enrolment(malang, pka["id"], "failed")
    with tenant_context(malang):
        failed = db.session.execute(sa.text("SELECT id, employee_id FROM enrolments WHERE cohort_id = :c"),
                                    {"c": pka["id"]}).one()
        db.session.rollback()
    line = ("INSERT INTO jp_entries (employee_id, enrolment_id, source, year, jp, title, completed_on) "
            "VALUES (:e, :n, 'cohort', 2024, :jp, 'PKA', :d)")
    with pytest.raises(sa.exc.IntegrityError, match="ck_jp_entries_pass_only"):
        _insert(malang, line, e=failed.employee_id, n=failed.id, jp=333, d=CERT_DATE)
    with pytest.raises(sa.exc.IntegrityError, match="ck_jp_entries_jp_positive"):
        _insert(malang, line, e=failed.employee_id, n=None, jp=0, d=CERT_DATE)
    # a pass and its line: the line must carry the pass's JP, and the pass cannot lose its status under it
    _insert(malang, "UPDATE enrolments SET status = 'passed', certificate_number = 'STTPP/9', certificate_date = :d, "
                    "jp_earned = 333 WHERE id = :n", n=failed.id, d=CERT_DATE)
    with pytest.raises(sa.exc.IntegrityError, match="ck_jp_entries_pass_only"):
        _insert(malang, line, e=failed.employee_id, n=failed.id, jp=300, d=CERT_DATE)
    _insert(malang, line, e=failed.employee_id, n=failed.id, jp=333, d=CERT_DATE)
    with pytest.raises(sa.exc.IntegrityError, match="ck_jp_entries_pass_only"):
        _insert(malang, "UPDATE enrolments SET status = 'failed', certificate_number = NULL, "
                        "certificate_date = NULL, jp_earned = NULL WHERE id = :n", n=failed.id)
    # ...but changing the status and removing the line in one transaction is how a correction works
    with tenant_context(malang), db.engine.begin() as conn:
        conn.execute(sa.text("UPDATE enrolments SET status = 'failed', certificate_number = NULL, "
                             "certificate_date = NULL, jp_earned = NULL WHERE id = :n"), {"n": failed.id})
        conn.execute(sa.text("DELETE FROM jp_entries WHERE enrolment_id = :n"), {"n": failed.id})


# --- the migration ---------------------------------------------------------------------------------------------

BEFORE = "b7e19c2a5d10"  # the revision before the invariants (c18e0a7d4b21)


def _scratch_at_previous_revision(conn, name: str):
    from alembic import command
    from psycopg import sql

    scratch = migrations.tenant_info_for_scratch(name)
    conn.connection.dbapi_connection.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(scratch.schema)))
    command.upgrade(migrations.alembic_config("tenant", conn), BEFORE)
    conn.execute(sa.text(
        "INSERT INTO programs (id, code, name, program_type, competency_type, jp) "
        "VALUES (1, 'PKA', 'Pelatihan Kepemimpinan Administrator', 'pka', 'manajerial', 333);"
        "INSERT INTO cohorts (id, program_id, number, year, mode) VALUES (1, 1, 2, 2024, 'blended');"
        "INSERT INTO employees (id, nip, name, name_key, gender, birth_date, employee_type) VALUES "
        "(1, '197311042012032589', 'Gita Wulandari', 'gita wulandari', 'P', '1973-11-04', 'PNS'),"
        "(2, '199710232012031739', 'Siti Hidayat', 'siti hidayat', 'P', '1997-10-23', 'PNS'),"
        "(3, '198502012009031090', 'Kartika Nugroho', 'kartika nugroho', 'P', '1985-02-01', 'PNS');"
        # a good pass with a ledger line that has the wrong JP; a failure with 333 JP and a ledger line
        "INSERT INTO enrolments (id, employee_id, cohort_id, status, certificate_number, certificate_date, "
        "jp_earned) VALUES (1, 1, 1, 'passed', 'STTPP/001', '2024-07-11', 333),"
        "(2, 2, 1, 'failed', NULL, NULL, 333);"
        "INSERT INTO jp_entries (employee_id, enrolment_id, source, year, jp, title, completed_on) VALUES "
        "(1, 1, 'cohort', 2024, 300, 'PKA', '2024-07-11'), (2, 2, 'cohort', 2024, 333, 'PKA', '2024-07-11')"))
    return scratch


def test_the_migration_fixes_what_the_rules_already_decide(app):
    from alembic import command

    scratch = migrations.tenant_info_for_scratch("inv-fix")
    with tenant_context(scratch), db.engine.connect() as conn:
        trans = conn.begin()
        try:
            _scratch_at_previous_revision(conn, "inv-fix")
            command.upgrade(migrations.alembic_config("tenant", conn), "c18e0a7d4b21")
            rows = conn.execute(sa.text("SELECT e.id, e.status, e.jp_earned, j.jp FROM enrolments e "
                                        "LEFT JOIN jp_entries j ON j.enrolment_id = e.id ORDER BY e.id")).all()
            assert [tuple(r) for r in rows] == [(1, "passed", 333, 333), (2, "failed", None, None)]
            with pytest.raises(sa.exc.IntegrityError, match="ck_enrolments_pass_has_sttpp"), conn.begin_nested():
                conn.execute(sa.text("UPDATE enrolments SET certificate_number = NULL WHERE id = 1"))
        finally:
            trans.rollback()


def test_the_migration_refuses_a_pass_it_cannot_complete_and_names_it(app):
    from alembic import command

    scratch = migrations.tenant_info_for_scratch("inv-refuse")
    with tenant_context(scratch), db.engine.connect() as conn:
        trans = conn.begin()
        try:
            _scratch_at_previous_revision(conn, "inv-refuse")
            conn.execute(sa.text(
                "INSERT INTO enrolments (id, employee_id, cohort_id, status, certificate_number, certificate_date, "
                "jp_earned) VALUES (3, 3, 1, 'passed', NULL, '2024-07-11', 333)"))
            conn.execute(sa.text("UPDATE enrolments SET certificate_number = 'STTPP/001' WHERE id = 2"))
            conn.execute(sa.text("UPDATE enrolments SET status = 'passed', certificate_date = '2024-07-11' "
                                 "WHERE id = 2"))
            with pytest.raises(RuntimeError) as refused:
                command.upgrade(migrations.alembic_config("tenant", conn), "c18e0a7d4b21")
            report = str(refused.value)
            assert "3 data pendaftaran" in report
            assert "NIP 198502012009031090" in report and "lulus tanpa nomor STTPP" in report
            assert "nomor STTPP STTPP/001 dipakai lebih dari sekali" in report and "NIP 199710232012031739" in report
        finally:
            trans.rollback()

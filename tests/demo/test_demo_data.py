"""Demo data (app.services.demo) and `tenants seed-demo`: counts from the seed articles, valid NIPs, the
reconciliation design against BPSDM Jatim's sample report, idempotency."""

from __future__ import annotations

from collections import Counter
from datetime import date

import pytest
import sqlalchemy as sa

from app.blueprints.demo.commands import seed_demo
from app.domain.nip import NipError, parse_nip
from app.extensions import db
from app.models import tenant_tables
from app.models.catalogue import Partner, Program
from app.models.cohorts import Attendance, Cohort, CohortPhase, Enrolment
from app.models.employees import Employee, JpEntry
from app.services.demo import malang_pka, serang
from app.services.demo import regions as demo
from app.tenancy import tenant_context
from tests.data import PARTNER_REPORT_SAMPLE


def seed(slug: str) -> demo.SeedResult:
    with tenant_context(slug):
        result = demo.seed_current_tenant()
        db.session.commit()
    return result


def rows(slug: str, stmt) -> list:
    with tenant_context(slug):
        return db.session.execute(stmt).all()


def cohort_stmt(code: str, year: int, number: int):
    return (sa.select(Cohort, Partner.code.label("partner"))
            .join(Program, Program.id == Cohort.program_id).outerjoin(Partner, Partner.id == Cohort.partner_id)
            .where(Program.code == code, Cohort.year == year, Cohort.number == number))


def enrolments_stmt(code: str, year: int, number: int | None = None):
    stmt = (sa.select(Enrolment, Employee).join(Employee, Employee.id == Enrolment.employee_id)
            .join(Cohort, Cohort.id == Enrolment.cohort_id).join(Program, Program.id == Cohort.program_id)
            .where(Program.code == code, Cohort.year == year))
    return stmt if number is None else stmt.where(Cohort.number == number)


def table_counts(slug: str) -> dict[str, int]:
    with tenant_context(slug):
        return {t.name: db.session.execute(sa.select(sa.func.count()).select_from(t)).scalar_one()
                for t in tenant_tables()}


# --- Kota Malang ------------------------------------------------------------------------------------------------


def test_malang_pka_ii_2024_has_the_six_phases_and_23_enrolments_within_the_quota(tenants):
    seed("kota-malang")
    [(cohort, partner)] = rows("kota-malang", cohort_stmt("PKA", 2024, 2))
    assert (partner, cohort.mode, cohort.quota) == ("BPSDM-JATIM", "blended", 32)
    assert (cohort.start_date, cohort.end_date) == (date(2024, 3, 9), date(2024, 7, 11))
    phases = rows("kota-malang", sa.select(CohortPhase.position, CohortPhase.start_date, CohortPhase.end_date,
                                           CohortPhase.graded)
                  .where(CohortPhase.cohort_id == cohort.id).order_by(CohortPhase.position))
    assert [tuple(p) for p in phases] == [
        (1, date(2024, 3, 9), date(2024, 3, 22), False),
        (2, date(2024, 3, 23), date(2024, 4, 6), False),
        (3, date(2024, 4, 17), date(2024, 4, 20), False),
        (4, date(2024, 4, 22), date(2024, 5, 8), False),
        (5, date(2024, 5, 9), date(2024, 7, 7), True),
        (6, date(2024, 7, 8), date(2024, 7, 11), False),
    ]
    enrolled = rows("kota-malang", enrolments_stmt("PKA", 2024, 2))
    assert len(enrolled) == 23 <= cohort.quota
    assert Counter(e.status for e, _ in enrolled) == {"passed": 17, "failed": 3, "attending": 2, "withdrawn": 1}
    for _, employee in enrolled:
        assert employee.jabatan_kind in ("pengawas", "administrator")
        assert employee.jabatan.startswith(("Lurah", "Kepala Seksi", "Kepala Subbagian", "Camat", "Sekretaris",
                                            "Kepala Bidang")), employee.jabatan


def _classify(report: list[dict[str, str]], local: dict[str, Enrolment]) -> tuple[Counter, dict[str, str]]:
    """The comparison rules malang_pka's docstring states, as a reference for the seeded data."""
    classes: Counter[str] = Counter()
    sides: dict[str, str] = {}
    seen: set[str] = set()
    for row in report:
        nip = row["NIP"]
        try:
            parse_nip(nip)
        except NipError:
            classes["invalid"] += 1
            continue
        if nip in seen:
            classes["duplicate"] += 1
            continue
        seen.add(nip)
        mine = local.get(nip)
        if mine is None:
            classes["partner_only"] += 1
        elif mine.status != malang_pka.STATUS_BY_PARTNER[row["STATUS"]]:
            classes["status_differs"] += 1
        elif int(row["JP"]) != (mine.jp_earned or 0):
            classes["jp_differs"] += 1
        elif mine.status == "passed" and bool(row["NO_SERTIFIKAT"]) != bool(mine.certificate_number):
            classes["certificate_missing"] += 1
            sides[nip] = "local" if row["NO_SERTIFIKAT"] else "partner"
        else:
            classes["consistent"] += 1
    classes["local_only"] = len(set(local) - seen)
    return classes, sides


def test_malang_enrolments_give_every_reconciliation_class_against_the_bpsdm_report(tenants):
    seed("kota-malang")
    local = {emp.nip: e for e, emp in rows("kota-malang", enrolments_stmt("PKA", 2024, 2))}
    classes, sides = _classify(malang_pka.REPORT_ROWS, local)
    assert dict(classes) == demo.EXPECTED_RECONCILIATION == {
        "consistent": 18, "status_differs": 2, "jp_differs": 1, "certificate_missing": 1, "partner_only": 2,
        "local_only": 1, "duplicate": 1, "invalid": 8}
    assert sides == demo.CERTIFICATE_MISSING_SIDE
    assert sum(demo.EXPECTED_ROW_CLASSES[n] != "invalid" for n in range(1, 34)) == 25
    assert demo.EXPECTED_ROW_CLASSES[3] == "invalid" and demo.EXPECTED_ROW_CLASSES[33] == "duplicate"


def test_the_report_partner_only_person_is_a_malang_employee_enrolled_in_pkp_vii_2023(tenants):
    seed("kota-malang")
    [(enrolment, employee)] = rows("kota-malang", enrolments_stmt("PKP", 2023).where(
        Employee.nip == malang_pka.OTHER_COHORT_NIP))
    assert (employee.name, enrolment.status) == ("Siti Hidayat", "passed")
    assert rows("kota-malang", sa.select(Cohort.number).join(Enrolment).where(Enrolment.id == enrolment.id)) == [(7,)]
    assert not rows("kota-malang", sa.select(Employee.id).where(Employee.nip == malang_pka.UNKNOWN_NIP))


def test_every_valid_report_nip_but_the_unknown_one_is_a_malang_employee_with_the_report_name(tenants):
    seed("kota-malang")
    employees = {e.nip: e for (e,) in rows("kota-malang", sa.select(Employee))}
    expected = {}
    for row in malang_pka.REPORT_ROWS:
        try:
            parsed = parse_nip(row["NIP"])
        except NipError:  # the 17-digit NIP and the seven with a TMT before age 15: no such employee
            assert row["NIP"] not in employees
            continue
        if row["NIP"] != malang_pka.UNKNOWN_NIP:
            expected[row["NIP"]] = (row["NAMA"], parsed.gender, parsed.birth_date)
    assert len(expected) == 23 == len(malang_pka.LOCAL_PEOPLE)
    assert {nip: (employees[nip].name, employees[nip].gender, employees[nip].birth_date)
            for nip in expected if nip in employees} == expected


def test_embedded_report_is_the_shared_sample_file_byte_for_byte():
    assert PARTNER_REPORT_SAMPLE.read_text(encoding="utf-8") == malang_pka.REPORT_CSV


def test_malang_pkp_vi_and_vii_2023_are_70_passed_with_certificates_and_300_jp_in_2023(tenants):
    seed("kota-malang")
    enrolled = rows("kota-malang", enrolments_stmt("PKP", 2023))
    assert len(enrolled) == 70
    assert sorted(Counter(e.cohort_id for e, _ in enrolled).values()) == [35, 35]
    assert all(e.status == "passed" and e.certificate_number and e.jp_earned == 300
               and e.certificate_date.year == 2023 for e, _ in enrolled)
    lines = rows("kota-malang", sa.select(JpEntry.year, JpEntry.jp).where(
        JpEntry.enrolment_id.in_([e.id for e, _ in enrolled])))
    assert sorted(set(lines)) == [(2023, 300)] and len(lines) == 70
    for number in (6, 7):
        [(cohort, partner)] = rows("kota-malang", cohort_stmt("PKP", 2023, number))
        assert (cohort.start_date, cohort.quota, partner) == (date(2023, 6, 15), 35, None)


def test_malang_has_a_few_hundred_asn_with_elearning_jp_on_both_sides_of_20(tenants):
    seed("kota-malang")
    types = dict(rows("kota-malang", sa.select(Employee.employee_type, sa.func.count()).group_by(
        Employee.employee_type)))
    assert types["PNS"] > 300 and types["PPPK"] > 0
    totals = dict(rows("kota-malang", sa.select(JpEntry.employee_id, sa.func.sum(JpEntry.jp))
                       .where(JpEntry.year == 2023, JpEntry.source == "elearning").group_by(JpEntry.employee_id)))
    assert sum(v >= 20 for v in totals.values()) > 50 and sum(v < 20 for v in totals.values()) > 50
    assert not rows("kota-malang", sa.select(JpEntry.id).where(JpEntry.source == "elearning",
                                                              JpEntry.certificate_number.is_(None)))


# --- the other regions ------------------------------------------------------------------------------------------


def test_tuban_kasi_pemerintahan_course_2017_has_30_participants_7_women_all_passed(tenants):
    seed("kab-tuban")
    [(cohort, partner)] = rows("kab-tuban", cohort_stmt("KAPASITAS-KASI-PEM", 2017, 1))
    assert (cohort.start_date, cohort.end_date, cohort.mode, partner) == (
        date(2017, 9, 25), date(2017, 10, 4), "klasikal", None)
    enrolled = rows("kab-tuban", enrolments_stmt("KAPASITAS-KASI-PEM", 2017, 1))
    assert len(enrolled) == 30
    assert Counter(emp.gender for _, emp in enrolled) == {"P": 7, "L": 23}
    assert all(e.status == "passed" and e.certificate_number and e.jp_earned == 64 for e, _ in enrolled)
    assert all(emp.jabatan.startswith("Kepala Seksi Pemerintahan") for _, emp in enrolled)
    days = rows("kab-tuban", sa.select(Attendance.day).distinct())
    assert len(days) == 8


def test_jambi_blended_pka_with_bpsdm_jambi_has_30_administrators_and_six_phases(tenants):
    seed("kota-jambi")
    [(cohort, partner)] = rows("kota-jambi", cohort_stmt("PKA", 2024, 1))
    assert (cohort.mode, partner) == ("blended", "BPSDM-JAMBI")
    phases = rows("kota-jambi", sa.select(CohortPhase.graded).where(CohortPhase.cohort_id == cohort.id))
    assert len(phases) == 6 and sum(g for (g,) in phases) == 1
    enrolled = rows("kota-jambi", enrolments_stmt("PKA", 2024, 1))
    assert len(enrolled) == 30 and {emp.jabatan_kind for _, emp in enrolled} == {"administrator"}
    assert Counter(e.status for e, _ in enrolled) == {"passed": 28, "failed": 1, "withdrawn": 1}


def test_serang_trained_4061_people_in_2022_with_1861_pppk_in_12_orientation_cohorts(tenants):
    seed("kab-serang")
    trained = rows("kab-serang", sa.union(
        sa.select(JpEntry.employee_id).where(JpEntry.year == 2022),
        sa.select(Enrolment.employee_id).join(Cohort, Cohort.id == Enrolment.cohort_id).where(Cohort.year == 2022)))
    assert len(trained) == serang.TRAINED_2022 >= 4000
    oriented = rows("kab-serang", enrolments_stmt("ORIENTASI-PPPK", 2022))
    assert len(oriented) == 1861 and {emp.employee_type for _, emp in oriented} == {"PPPK"}
    assert len({e.cohort_id for e, _ in oriented}) == 12
    assert Counter(e.status for e, _ in oriented) == {"passed": 156 + 5 * 155, "attending": 6 * 155}
    assert {emp.nip[8:14] for _, emp in oriented} == {"202210"}
    monthly = rows("kab-serang", sa.select(sa.extract("month", Cohort.start_date), sa.func.count(Enrolment.id))
                   .join(Enrolment, Enrolment.cohort_id == Cohort.id).join(Program, Program.id == Cohort.program_id)
                   .where(Program.provider_partner_id.is_not(None), Program.program_type == "elearning")
                   .group_by(sa.extract("month", Cohort.start_date)))
    assert len(monthly) == 10 and all(50 <= count <= 100 for _, count in monthly)
    known = {nip for (nip,) in rows("kab-serang", sa.select(Employee.nip))}
    assert not known & serang.IMPORT_SAMPLE_NIPS


def test_every_passed_enrolment_has_its_jp_line_and_no_cohort_is_over_quota(tenants):
    for slug in demo.REGIONS:
        seed(slug)
        missing = rows(slug, sa.select(Enrolment.id).outerjoin(JpEntry, JpEntry.enrolment_id == Enrolment.id)
                       .where(Enrolment.status == "passed", JpEntry.id.is_(None)))
        assert not missing, slug
        over = rows(slug, sa.select(Cohort.id).join(Enrolment).where(Enrolment.status != "withdrawn")
                    .group_by(Cohort.id, Cohort.quota).having(sa.func.count() > sa.func.coalesce(Cohort.quota, 10**6)))
        assert not over, slug


# --- all regions: NIPs, determinism, idempotency ---------------------------------------------------------------


def test_every_generated_nip_is_valid_and_agrees_with_gender_and_birth_date(tenants):
    checked = 0
    for slug in demo.REGIONS:
        seed(slug)
        for nip, gender, birth_date, employee_type in rows(slug, sa.select(
                Employee.nip, Employee.gender, Employee.birth_date, Employee.employee_type)):
            parsed = parse_nip(nip)
            assert (parsed.gender, parsed.birth_date) == (gender, birth_date), nip
            assert employee_type == "PPPK" or parsed.start_year <= 2022, nip
            checked += 1
    assert checked > 4900


def test_builders_give_the_same_data_on_every_run():
    for region in demo.REGIONS.values():
        assert region.build() == region.build()


def test_seed_demo_twice_adds_nothing_the_second_time(app, tenants):
    runner = app.test_cli_runner()
    first = runner.invoke(seed_demo, ["--all"])
    assert first.exit_code == 0, first.output
    assert first.output.count(" seeded ") == 4 and "summary: 4 seeded, 0 skipped, 0 failed" in first.output
    before = {slug: table_counts(slug) for slug in demo.REGIONS}
    second = runner.invoke(seed_demo, ["--all"])
    assert second.exit_code == 0, second.output
    assert "summary: 0 seeded, 4 skipped, 0 failed" in second.output and "already seeded" in second.output
    assert {slug: table_counts(slug) for slug in demo.REGIONS} == before
    assert before["kota-malang"]["enrolments"] == 93


def test_seed_demo_skips_a_region_that_already_has_employees(app, tenants):
    with tenant_context("kab-tuban"):
        db.session.add(Employee(nip="198503122010011003", name="Nur Santoso", name_key="nur santoso", gender="L",
                                birth_date=date(1985, 3, 12), employee_type="PNS"))
        db.session.commit()
    result = app.test_cli_runner().invoke(seed_demo, ["kab-tuban"])
    assert result.exit_code == 0 and "already has 1 employees" in result.output
    assert table_counts("kab-tuban")["cohorts"] == 0


def test_seed_demo_fails_for_a_region_without_demo_data_or_not_provisioned(app, tenants):
    result = app.test_cli_runner().invoke(seed_demo, ["kota-bogor", "kota-malang"])
    assert result.exit_code == 1
    assert "no demo data" in result.output and "summary: 1 seeded, 0 skipped, 1 failed" in result.output


def test_seed_demo_needs_slugs_or_all(app):
    result = app.test_cli_runner().invoke(seed_demo, [])
    assert result.exit_code == 2 and "--all" in result.output


def test_serang_has_the_targets_of_the_article_500_for_2022_and_5000_next(tenants):
    from app.models.reports import TrainingTarget

    seed("kab-serang")
    with tenant_context("kab-serang"):
        targets = {t.year: t.people for t in db.session.execute(sa.select(TrainingTarget)).scalars()}
    assert targets == {2022: 500, 2023: 5000}


@pytest.mark.parametrize("slug", sorted(demo.REGIONS))
def test_the_demo_obeys_the_database_invariants(tenants, slug):
    """Seeding goes through the invariants (CHECKs and triggers); and nothing breaks the rules they stand for."""
    seed(slug)
    [(bad_pass, jp_not_passed, lines_not_passed, duplicate_sttpp)] = rows(slug, sa.text(
        "SELECT (SELECT count(*) FROM enrolments WHERE status = 'passed' AND (certificate_number IS NULL "
        "        OR certificate_date IS NULL OR jp_earned IS NULL)), "
        "       (SELECT count(*) FROM enrolments WHERE status <> 'passed' AND jp_earned IS NOT NULL), "
        "       (SELECT count(*) FROM jp_entries j JOIN enrolments e ON e.id = j.enrolment_id "
        "        WHERE e.status <> 'passed'), "
        "       (SELECT count(*) FROM (SELECT c.program_id, c.year, upper(certificate_number) FROM enrolments e "
        "        JOIN cohorts c ON c.id = e.cohort_id WHERE e.status = 'passed' GROUP BY 1, 2, 3 "
        "        HAVING count(*) > 1) d)"))
    assert (bad_pass, jp_not_passed, lines_not_passed, duplicate_sttpp) == (0, 0, 0, 0)

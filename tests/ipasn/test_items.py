"""The four IP ASN items on hand-built people, each with its evidence: a camat with PKP but not PKA, a teacher
exempt from functional training, a pelaksana with 18 JP of technical training and a seminar."""

from __future__ import annotations

from app.extensions import db
from app.models.employees import Employee
from app.services.ipasn import report, settings
from app.tenancy import tenant_context
from tests.ipasn.conftest import YEAR


def _items(people, employee_id: int) -> dict:
    with tenant_context(people.tenant):
        return report.person_items(db.session.get(Employee, employee_id), YEAR)


def test_a_camat_with_pkp_but_not_pka_lacks_leadership_with_the_pkp_pass_as_evidence(people):
    camat = people.employee("Camat Uji", "Camat Klojen", "administrator")
    pkp = people.passed(camat, "PKP", 300)
    line = people.jp_line_of(pkp)
    assert line.activity_kind == "leadership"  # from the program, by the trigger

    got = _items(people, camat)
    lead = got["items"]["leadership"]
    assert lead["status"] == "missing"
    assert lead["required_level"] == "PKA" and lead["level"] == "PKP"
    assert [(e["jp_entry_id"], e["enrolment_id"]) for e in lead["evidence"]] == [(line.id, pkp)]
    assert lead["evidence"][0]["title"].startswith("Pelatihan Kepemimpinan Pengawas")
    assert got["items"]["functional"]["status"] == "n/a"
    assert got["score"] == 0 and got["max_score"] == 40 and "leadership" in got["lacks"]

    pka = people.passed(camat, "PKA", 333)  # then PKA: the item is met, the PKA pass is the evidence
    got = _items(people, camat)
    assert got["items"]["leadership"]["status"] == "met"
    assert got["items"]["leadership"]["level"] == "PKA"
    assert got["items"]["leadership"]["evidence"][0]["enrolment_id"] == pka
    assert got["score"] == 15


def test_a_teacher_is_exempt_from_functional_training_by_the_keyword_guru(people):
    guru = people.employee("Guru Uji", "Guru Ahli Pertama", "fungsional")
    got = _items(people, guru)
    functional = got["items"]["functional"]
    assert functional["status"] == "exempt" and functional["exempt_keyword"] == "guru"
    assert functional["evidence"] == []  # exempt: no line needed
    assert got["items"]["leadership"]["status"] == "n/a"
    assert got["score"] == 15 and got["missing"] == 2  # technical and seminar still lacking

    analyst = people.employee("Analis Uji", "Analis Kebijakan Ahli Muda", "fungsional")  # no keyword: not exempt
    got = _items(people, analyst)
    assert got["items"]["functional"]["status"] == "missing" and got["items"]["functional"]["exempt_keyword"] is None
    people.program("FUNG-AK", "functional", 60)
    enrolment = people.passed(analyst, "FUNG-AK", 60)
    got = _items(people, analyst)
    assert got["items"]["functional"]["status"] == "met"
    assert got["items"]["functional"]["evidence"][0]["enrolment_id"] == enrolment


def test_a_pelaksana_with_18_jp_technical_and_a_seminar_is_one_item_away(people):
    staff = people.employee("Pelaksana Uji", "Pengadministrasi Umum", "pelaksana")
    people.program("TEK-ARSIP", "technical", 10)
    people.program("SEM-ASN", "technical", 8, activity_kind="seminar")  # a seminar, by the program's mapping
    technical = people.passed(staff, "TEK-ARSIP", 10)
    outside = people.line(staff, 8, "technical")  # a technical course outside any cohort: 10 + 8 = 18 JP
    seminar = people.passed(staff, "SEM-ASN", 8)
    people.line(staff, 30, "technical", year=YEAR - 1)  # another year: does not count

    got = _items(people, staff)
    tech = got["items"]["technical"]
    assert tech["status"] == "missing" and tech["jp"] == 18 and tech["required_jp"] == 20
    assert sorted(e["jp_entry_id"] for e in tech["evidence"]) == sorted(
        [people.jp_line_of(technical).id, outside])
    sem = got["items"]["seminar"]
    assert sem["status"] == "met"
    assert [(e["jp_entry_id"], e["enrolment_id"]) for e in sem["evidence"]] == [
        (people.jp_line_of(seminar).id, seminar)]
    assert got["items"]["leadership"]["status"] == "n/a" and got["items"]["functional"]["status"] == "n/a"
    assert got["score"] == 15 and got["max_score"] == 40 and got["lacks"] == ["technical"] and got["missing"] == 1

    with tenant_context(people.tenant):
        data = report.region_report(YEAR, opd_id=people.opd_id)
        away = report.people(YEAR, opd_id=people.opd_id, one_away=True)
    assert data["overall"]["assessed"] == 1 and data["overall"]["one_away"] == 1
    assert data["one_away"] == [{"item": "technical", "people": 1, "gain": 25, "average_gain": 25.0}]
    assert [p["employee_id"] for p in away["items"]] == [staff] and away["total"] == 1


def test_the_region_report_counts_each_item_over_the_people_it_is_due_for(people):
    camat = people.employee("Camat Dua", "Camat Blimbing", "administrator")
    people.passed(camat, "PKA", 333)
    guru = people.employee("Guru Dua", "Guru Ahli Muda", "fungsional")
    people.line(guru, 20, "technical")
    people.employee("Tanpa Jenis", "Staf", None)  # no jabatan kind: not assessed
    with tenant_context(people.tenant):
        data = report.region_report(YEAR, opd_id=people.opd_id)
    o = data["overall"]
    assert o["assessed"] == 2
    assert (o["leadership_due"], o["leadership_met"], o["leadership_share"]) == (1, 1, 100.0)
    assert (o["functional_due"], o["functional_met"], o["functional_exempt"]) == (1, 1, 1)
    assert (o["technical_due"], o["technical_met"]) == (2, 1)
    assert (o["seminar_due"], o["seminar_met"], o["seminar_share"]) == (2, 0, 0.0)
    assert o["score_total"] == 15 + 30 and o["average_score"] == 22.5
    assert {d["score"]: d["people"] for d in data["distribution"]} == {15: 1, 30: 1}
    assert [g["opd_id"] for g in data["opds"]] == [people.opd_id]


def test_weights_of_a_later_year_apply_from_that_year_on(people):
    staff = people.employee("Pelaksana Tiga", "Pengadministrasi", "pelaksana")
    people.line(staff, 20, "technical")
    with tenant_context(people.tenant):
        settings.set_weights(YEAR, "pelaksana", leadership=0, functional=0, technical=30, seminar=10,
                             source="uji")
        now = report.person_items(db.session.get(Employee, staff), YEAR)
        before = report.person_items(db.session.get(Employee, staff), YEAR - 1)
        in_force = {w["post_kind"]: w for w in settings.weights_for(YEAR)}
        db.session.rollback()
    assert now["score"] == 30 and now["max_score"] == 40
    assert before["score"] == 0 and before["items"]["technical"]["weight"] == 25  # the default row (2019)
    assert in_force["pelaksana"]["technical"] == 30 and in_force["pelaksana"]["inherited"] is False
    assert in_force["jpt"]["inherited"] is True

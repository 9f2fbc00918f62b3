"""Employee self-service: an ASN logged in with the `employee` role sees their own record, trainings (with
certificates) and JP — found through the NIP their account is linked to — and nothing of anyone else's."""

from __future__ import annotations

from datetime import date

import pytest

from tests.fixtures.auth import create_token
from tests.fixtures.factories import count_queries, make_cohort, make_employee, make_enrolment, make_opd

ME = "/me"


def api(tenant, path: str = "") -> str:
    return f"/t/{tenant.slug}/api/v1{path}"


class Caller:
    """Requests as one user (a Bearer token), each in a fresh app context so no Principal is reused."""

    def __init__(self, app, token: str) -> None:
        self.app, self.headers = app, {"Authorization": f"Bearer {token}"}

    def get(self, url, **kw):
        return self._call("get", url, **kw)

    def post(self, url, **kw):
        return self._call("post", url, **kw)

    def _call(self, method, url, **kw):
        with self.app.app_context():
            return getattr(self.app.test_client(use_cookies=False), method)(url, headers=self.headers, **kw)


@pytest.fixture
def as_user(app, make_user):
    """`as_user(tenant, role, nip=...)` → a Caller for a new user of that role (linked to `nip` if given)."""

    def _as(tenant, role: str = "employee", **kw) -> Caller:
        user = make_user(tenant, role, password=None, **kw)
        return Caller(app, create_token(tenant, user["id"], role))

    return _as


@pytest.fixture
def people(malang, as_user):
    """Ahmad (employee of Dinas Pendidikan, passed PKA with an STTPP and still registered in a PKP) and Budi
    (another ASN of the same OPD, enrolled in the same PKA), each with a linked `employee` account."""
    opd = make_opd(malang, "Dinas Pendidikan")
    ahmad = make_employee(malang, opd_id=opd["id"], name="Ahmad Fauzi")
    budi = make_employee(malang, opd_id=opd["id"], name="Budi Santoso")
    pka = make_cohort(malang, program_code="PKA", number=2, year=2024)
    pkp = make_cohort(malang, program_code="PKP", number=1, year=2025)
    passed = make_enrolment(malang, pka["id"], ahmad["id"], status="passed", certificate_number="STTPP/OLD/1")
    open_ = make_enrolment(malang, pkp["id"], ahmad["id"])
    budis = make_enrolment(malang, pka["id"], budi["id"], status="attending")
    return {
        "opd": opd, "ahmad": ahmad, "budi": budi, "pka": pka, "pkp": pkp, "passed": passed, "open": open_,
        "budis": budis,
        "as_ahmad": as_user(malang, nip=ahmad["nip"]), "as_budi": as_user(malang, nip=budi["nip"]),
    }


def _admin(app, make_user, tenant) -> Caller:
    user = make_user(tenant, "admin", password=None)
    return Caller(app, create_token(tenant, user["id"], "admin"))


def test_employee_sees_their_own_profile(malang, people):
    resp = people["as_ahmad"].get(api(malang, f"{ME}/profile"))
    assert resp.status_code == 200
    body = resp.json
    assert (body["nip"], body["name"], body["employee_type"]) == (people["ahmad"]["nip"], "Ahmad Fauzi", "PNS")
    assert body["opd"] == {"id": people["opd"]["id"], "name": "Dinas Pendidikan"}
    assert (body["golongan"], body["jabatan"], body["active"]) == ("III/d", "Lurah", True)
    assert people["as_budi"].get(api(malang, f"{ME}/profile")).json["nip"] == people["budi"]["nip"]


def test_employee_sees_their_own_trainings_with_certificates(malang, people):
    body = people["as_ahmad"].get(api(malang, f"{ME}/trainings")).json
    assert body["nip"] == people["ahmad"]["nip"]
    assert body["total"] == 2
    by_id = {t["enrolment_id"]: t for t in body["items"]}
    assert set(by_id) == {people["passed"]["id"], people["open"]["id"]}  # never Budi's enrolment
    passed = by_id[people["passed"]["id"]]
    assert passed["cohort_label"] == "PKA Angkatan II 2024"
    assert passed["program"]["code"] == "PKA"
    assert passed["status"] == "passed"
    assert passed["certificate"] == {"number": "STTPP/OLD/1", "date": "2024-07-11"}
    assert passed["jp_earned"] == 333
    still_open = by_id[people["open"]["id"]]
    assert (still_open["status"], still_open["certificate"], still_open["jp_earned"]) == ("registered", None, None)
    assert [t["year"] for t in body["items"]] == [2025, 2024]  # newest first


def test_trainings_take_the_same_queries_however_many_there_are(malang, people):
    as_ahmad, as_budi = people["as_ahmad"], people["as_budi"]
    as_ahmad.get(api(malang, f"{ME}/trainings"))  # warm the tenant cache
    for n in range(3, 9):
        make_enrolment(malang, make_cohort(malang, program_code="PKP", number=n, year=2023)["id"],
                       people["ahmad"]["id"])
    with count_queries() as few:
        assert as_budi.get(api(malang, f"{ME}/trainings")).json["total"] == 1
    with count_queries() as many:
        assert as_ahmad.get(api(malang, f"{ME}/trainings")).json["total"] == 8
    assert len(few) == len(many)


def test_employee_sees_their_own_jp(app, make_user, malang, people):
    admin = _admin(app, make_user, malang)
    entry = {"jp": 12, "title": "MOOC Literasi Digital", "certificate_number": "MOOC-2024-7",
             "completed_on": "2024-05-02"}
    assert admin.post(api(malang, f"/employees/{people['ahmad']['nip']}/jp-entries"), json=entry).status_code == 201
    other = {**entry, "certificate_number": "MOOC-2024-8"}
    assert admin.post(api(malang, f"/employees/{people['budi']['nip']}/jp-entries"), json=other).status_code == 201

    mine = people["as_ahmad"].get(api(malang, f"{ME}/jp?year=2024"))
    assert mine.status_code == 200
    assert mine.json == admin.get(api(malang, f"/employees/{people['ahmad']['nip']}/jp?year=2024")).json
    assert (mine.json["total_jp"], mine.json["compliant"], mine.json["shortfall"]) == (12, False, 8)
    assert [line["certificate_number"] for line in mine.json["lines"]] == ["MOOC-2024-7"]

    this_year = people["as_ahmad"].get(api(malang, f"{ME}/jp")).json
    assert (this_year["year"], this_year["total_jp"]) == (date.today().year, 0)
    assert people["as_ahmad"].get(api(malang, f"{ME}/jp?year=1800")).status_code == 422


def test_employee_is_forbidden_every_training_endpoint(malang, people):
    as_ahmad, nip = people["as_ahmad"], people["ahmad"]["nip"]
    reads = ["/employees", f"/employees/{nip}", f"/employees/{nip}/jp?year=2024", "/cohorts",
             f"/cohorts/{people['pka']['id']}/enrolments", f"/enrolments/{people['passed']['id']}", "/opds",
             "/reports/jp-compliance?year=2024", "/reports/training-recap?year=2024"]
    assert [as_ahmad.get(api(malang, path)).status_code for path in reads] == [403] * len(reads)
    writes = [as_ahmad.post(api(malang, f"/cohorts/{people['pka']['id']}/enrolments"), json={"employee_nip": nip}),
              as_ahmad.post(api(malang, f"/enrolments/{people['open']['id']}/transition"), json={"to": "attending"})]
    assert [r.status_code for r in writes] == [403, 403]


@pytest.mark.parametrize("nip", [None, "199001012015031999"], ids=["no-nip", "unknown-nip"])
def test_account_without_a_linked_employee_gets_404(malang, as_user, people, nip):
    caller = as_user(malang, nip=nip)
    for path in ("/profile", "/trainings", "/jp?year=2024"):
        resp = caller.get(api(malang, f"{ME}{path}"))
        assert resp.status_code == 404, path
        assert people["ahmad"]["nip"] not in resp.get_data(as_text=True)


def test_another_employees_data_never_appears(malang, people):
    as_budi = people["as_budi"]
    ahmad_nip = people["ahmad"]["nip"]
    for path in ("/profile", "/trainings", "/jp?year=2024"):
        assert ahmad_nip not in as_budi.get(api(malang, f"{ME}{path}")).get_data(as_text=True)
    trainings = as_budi.get(api(malang, f"{ME}/trainings")).json
    assert [t["enrolment_id"] for t in trainings["items"]] == [people["budis"]["id"]]
    # No NIP in the URL to change: a query string naming someone else is simply ignored.
    assert as_budi.get(api(malang, f"{ME}/profile?nip={ahmad_nip}")).json["nip"] == people["budi"]["nip"]


def test_staff_with_a_linked_nip_see_their_own_record_too(malang, as_user, people):
    """Self-service is for every role ("self"): an operator who is also an ASN sees their own record, even
    when scoped to an OPD that is not their own."""
    other_opd = make_opd(malang, "Kelurahan Lain")
    staff = make_employee(malang, opd_id=people["opd"]["id"], name="Citra Operator")
    make_enrolment(malang, people["pka"]["id"], staff["id"])
    operator = as_user(malang, "operator", nip=staff["nip"], opd_ids=[other_opd["id"]])
    assert operator.get(api(malang, f"/employees/{staff['nip']}")).status_code == 404  # outside their scope
    assert operator.get(api(malang, f"{ME}/profile")).json["nip"] == staff["nip"]
    assert operator.get(api(malang, f"{ME}/trainings")).json["total"] == 1
    assert operator.get(api(malang, f"{ME}/jp?year=2024")).status_code == 200
    assert as_user(malang, "admin").get(api(malang, f"{ME}/profile")).status_code == 404


def test_self_service_routes_do_not_collide_with_the_account_routes(app):
    endpoints = {rule.rule: rule.endpoint for rule in app.url_map.iter_rules()}
    for path in ("profile", "trainings", "jp"):
        assert endpoints[f"/t/<tenant_slug>/api/v1/me/{path}"].startswith("selfservice.")


def test_anonymous_and_other_tenants_get_401(app, make_user, malang, serang, people):
    with app.app_context():  # a fresh `g`: no Principal cached by an earlier request
        assert app.test_client().get(api(malang, f"{ME}/profile")).status_code == 401
    stranger = _admin(app, make_user, serang)
    assert stranger.get(api(malang, f"{ME}/profile")).status_code == 401

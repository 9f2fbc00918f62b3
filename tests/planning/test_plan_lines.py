"""Plan lines beyond the happy path: a proposed program mapped to the catalogue when verified becomes a line; a line
added and edited by hand (places replaced, pagu never below its cohorts'); an existing cohort linked to a line;
building again follows the needs and keeps the pagu; a cohort's budget alone (no line)."""

from __future__ import annotations

from datetime import timedelta

from app.domain.dates import today_wib
from tests.fixtures.factories import api, make_cohort, make_opd, program_id


def test_lines_by_hand_links_and_rebuilding(client, malang):
    base = api(malang, "/planning")
    year = today_wib().year + 4
    opd, other = make_opd(malang, "Dinas Baris Uji"), make_opd(malang, "Dinas Baris Lain")
    latsar, pka = program_id(malang, "LATSAR-CPNS"), program_id(malang, "PKA")
    assert client.post(f"{base}/rounds", json={"year": year,
                                               "deadline": str(today_wib() + timedelta(days=3))}).status_code == 201
    need = client.post(f"{base}/rounds/{year}/needs", json={
        "position_name": "CPNS baru", "people": 12, "opd_id": opd["id"], "gap": "Dasar ASN", "kind": "sosial_kultural",
        "proposed_program_name": "Orientasi CPNS", "reason": "Formasi baru"}).get_json()
    verified = client.post(f"{base}/needs/{need['id']}/decision", json={"decision": "verify", "program_id": latsar})
    assert verified.get_json()["program_id"] == latsar and verified.get_json()["proposed_program_name"] is None
    assert client.post(f"{base}/plans/{year}/build").get_json()["created"] == 1
    plan = client.get(f"{base}/plans/{year}").get_json()
    [line] = plan["programs"]
    assert (line["program_id"], line["places"], line["planned_cohorts"]) == (latsar, 12, 1)

    # a line by hand, then edited: places replaced, pagu set
    made = client.post(f"{base}/plan-lines", json={"year": year, "program_id": pka, "pagu": 80_000_000,
                                                   "planned_cohorts": 2,
                                                   "places": [{"opd_id": opd["id"], "places": 10}]})
    assert made.status_code == 201
    line_id = made.get_json()["id"]
    edited = client.patch(f"{base}/plan-lines/{line_id}", json={"places": [{"opd_id": other["id"], "places": 4}]})
    assert edited.get_json()["places"] == [{"opd_id": other["id"], "places": 4}]
    twice = client.patch(f"{base}/plan-lines/{line_id}", json={"places": [{"opd_id": other["id"], "places": 1},
                                                                          {"opd_id": other["id"], "places": 2}]})
    assert twice.status_code == 422 and twice.get_json()["errors"][0]["field"] == "places"

    # an existing PKA cohort of that year linked, with its pagu within the line's; the line's pagu not below it
    cohort = make_cohort(malang, program_code="PKA", year=year)
    assert client.put(f"{base}/cohorts/{cohort['id']}/budget", json={"pagu": 50_000_000}).status_code == 200
    linked = client.post(f"{base}/plan-lines/{line_id}/links", json={"cohort_id": cohort["id"]})
    assert linked.status_code == 200 and linked.get_json()["cohort_ids"] == [cohort["id"]]
    low = client.patch(f"{base}/plan-lines/{line_id}", json={"pagu": 40_000_000})
    assert low.status_code == 422
    assert low.get_json()["errors"] == [{"field": "pagu",
                                         "reason": "di bawah pagu angkatan-angkatannya (Rp 50.000.000)"}]
    over = client.put(f"{base}/cohorts/{cohort['id']}/budget", json={"pagu": 90_000_000})
    assert over.status_code == 422 and "melebihi sisa pagu baris rencana (Rp 80.000.000)" in \
        over.get_json()["errors"][0]["reason"]

    # building again: the needs' line keeps its pagu; the hand line's places (no needs) are cleared
    client.patch(f"{base}/plan-lines/{plan['programs'][0]['plan_line_id']}", json={"pagu": 5_000_000})
    rebuilt = client.post(f"{base}/plans/{year}/build").get_json()
    assert rebuilt["created"] == 0
    after = {p["program_id"]: p for p in client.get(f"{base}/plans/{year}").get_json()["programs"]}
    assert (after[latsar]["pagu"], after[latsar]["places"]) == (5_000_000, 12)
    assert (after[pka]["pagu"], after[pka]["places"], len(after[pka]["cohorts"])) == (80_000_000, 0, 1)

    # a cohort outside any plan keeps a budget of its own
    loose = make_cohort(malang, program_code="PKP", year=year)
    cost = client.put(f"{base}/cohorts/{loose['id']}/budget", json={"honorarium": 1_500_000, "pagu": None})
    assert cost.get_json() | {"cost_recorded_at": None} == {
        "cohort_id": loose["id"], "pagu": None, "honorarium": 1_500_000, "venue": 0, "consumption": 0,
        "partner_fee": 0, "realised": 1_500_000, "cost_recorded_at": None}
    assert client.get(f"{base}/cohorts/{loose['id']}/budget").get_json()["realised"] == 1_500_000
    assert client.get(f"{base}/cohorts/999999/budget").status_code == 404

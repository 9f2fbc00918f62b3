"""Phases with dated blocks (sessions) and agenda items; attendance only on a session day."""

from __future__ import annotations

from tests.api.enrolment_factories import api, make_enrolment

KLASIKAL_I = {"name": "Klasikal I", "start_date": "2024-04-22", "end_date": "2024-05-08",
              "sessions": [{"start_date": "2024-04-22", "end_date": "2024-04-30", "label": "Klasikal"},
                           {"start_date": "2024-05-01", "end_date": "2024-05-01", "label": "Studi lapangan"},
                           {"start_date": "2024-05-06", "end_date": "2024-05-08", "label": "Klasikal"}]}
PHASES = [
    {"name": "E-learning", "start_date": "2024-03-23", "end_date": "2024-04-06"},
    {"name": "Pembangunan komitmen", "start_date": "2024-04-17", "end_date": "2024-04-20"},
    KLASIKAL_I,
    {"name": "Klasikal II", "start_date": "2024-07-08", "end_date": "2024-07-11", "graded": True,
     "agenda": [{"day": "2024-07-08", "title": "Bimbingan"}, {"day": "2024-07-09", "title": "Seminar"},
                {"day": "2024-07-11", "title": "Penutupan"}]},
]


def _program(client, malang) -> int:
    return next(p["id"] for p in client.get(api(malang, "/programs?limit=100")).json["items"] if p["code"] == "PKA")


def test_a_phase_has_blocks_and_agenda_and_attendance_is_refused_outside_every_block(client, malang):
    resp = client.post(api(malang, "/cohorts"), json={"program_id": _program(client, malang), "number": 8,
                                                      "year": 2024, "phases": PHASES})
    assert resp.status_code == 201, resp.json
    klasikal = resp.json["phases"][2]
    assert [b["label"] for b in klasikal["sessions"]] == ["Klasikal", "Studi lapangan", "Klasikal"]
    assert [a["title"] for a in resp.json["phases"][3]["agenda"]] == ["Bimbingan", "Seminar", "Penutupan"]
    cohort = resp.json["id"]
    enrolment = make_enrolment(malang, cohort)["id"]
    mark = {"marks": [{"enrolment_id": enrolment, "status": "present"}]}
    for day in ("2024-04-12", "2024-05-03"):  # between phases; inside Klasikal I but in no block
        refused = client.put(api(malang, f"/cohorts/{cohort}/attendance/{day}"), json=mark)
        assert refused.status_code == 422 and refused.json["errors"][0]["field"] == "day", day
    for day in ("2024-05-01", "2024-04-18", "2024-07-11"):
        assert client.put(api(malang, f"/cohorts/{cohort}/attendance/{day}"), json=mark).status_code == 200, day


def test_blocks_outside_their_phase_or_overlapping_and_agenda_off_a_block_are_422(client, malang):
    bad = dict(KLASIKAL_I, sessions=[{"start_date": "2024-04-20", "end_date": "2024-04-25"},
                                     {"start_date": "2024-04-24", "end_date": "2024-04-30"}],
               agenda=[{"day": "2024-05-04", "title": "Libur"}])
    resp = client.post(api(malang, "/cohorts"), json={"program_id": _program(client, malang), "number": 9,
                                                      "year": 2024, "phases": [bad]})
    assert resp.status_code == 422
    fields = {e["field"] for e in resp.json["errors"]}
    assert {"phases.0.sessions.0.start_date", "phases.0.sessions", "phases.0.agenda.0.day"} <= fields

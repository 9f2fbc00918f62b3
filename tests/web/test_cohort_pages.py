"""The cohort pages (/angkatan): the list and its filters, a new cohort with its phases made from the form (with
the "add rows" button, no script), the cohort's page with its phase timeline, and editing cohort and phases."""

from __future__ import annotations

from datetime import date, timedelta

from tests.fixtures.factories import PKA_PHASES, make_cohort
from tests.web.cohort_helpers import browser_as, has_post_forms, rows


def _program(tenant, code="PKA"):
    return rows(tenant, "SELECT id, code, jp FROM programs WHERE code = :code", code=code)[0]


def _phase_form(phases, start_index=0) -> dict:
    form = {"phase_rows": str(len(phases) + start_index)}
    for i, (name, start, end, graded) in enumerate(phases, start=start_index):
        form.update({f"phases.{i}.name": name, f"phases.{i}.start_date": start.isoformat(),
                     f"phases.{i}.end_date": end.isoformat()})
        if graded:
            form[f"phases.{i}.graded"] = "1"
    return form


def test_the_list_filters_by_year_program_and_status(app, malang):
    today = date.today()
    make_cohort(malang, number=1, year=2023, start_date=date(2023, 3, 1), end_date=date(2023, 6, 1))
    make_cohort(malang, number=2, year=today.year, start_date=today - timedelta(days=3),
                end_date=today + timedelta(days=30))
    make_cohort(malang, program_code="PKP", number=3, year=today.year + 1, start_date=today + timedelta(days=400),
                end_date=today + timedelta(days=430))
    viewer = browser_as(app, malang, "viewer")
    everything = viewer.page("/angkatan")
    assert everything.status_code == 200 and everything.text.count("Angkatan I") >= 3
    assert "PKA Angkatan I 2023" in viewer.page("/angkatan?tahun=2023").text
    assert "PKA Angkatan II" not in viewer.page("/angkatan?tahun=2023").text
    running = viewer.page("/angkatan?status=running").text
    assert f"PKA Angkatan II {today.year}" in running and "PKA Angkatan I 2023" not in running
    assert "PKP Angkatan III" in viewer.page("/angkatan?status=upcoming").text
    assert "PKA Angkatan I 2023" in viewer.page("/angkatan?status=finished").text
    pkp = _program(malang, "PKP").id
    by_program = viewer.page(f"/angkatan?program={pkp}").text
    assert "PKP Angkatan III" in by_program and "PKA Angkatan" not in by_program
    assert viewer.page("/angkatan?tahun=abc&status=kemarin").status_code == 200  # junk filters are ignored


def test_the_list_pages_through_many_cohorts_keeping_its_filters(app, malang):
    import html
    import re

    for number in range(1, 56):
        make_cohort(malang, number=number, year=2022)
    make_cohort(malang, number=1, year=2021)
    viewer = browser_as(app, malang, "viewer")
    first = viewer.page("/angkatan?tahun=2022").text
    assert "1–50 dari 55" in first and "2021" not in first
    following = html.unescape(re.search(r'href="([^"]+)" rel="next"', first).group(1))
    assert "tahun=2022" in following and "cursor=" in following  # the next pages go by keyset
    second = viewer.get(following).text  # the link is the whole path
    assert "5 baris dari 55" in second and 'rel="prev"' in second and 'rel="next"' not in second
    previous = html.unescape(re.search(r'href="([^"]+)" rel="prev"', second).group(1))
    assert "1–50 dari 55" not in viewer.get(previous).text and "50 baris dari 55" in viewer.get(previous).text


def test_a_cohort_and_its_phases_are_created_from_the_form(app, malang):
    operator = browser_as(app, malang, "operator")
    form_page = operator.page("/angkatan/baru")
    assert form_page.status_code == 200 and 'name="phases.2.name"' in form_page.text  # three empty rows, no script
    assert "cohort-phases.js" in form_page.text and "<script>" not in form_page.text  # same-origin only (CSP)
    script = operator.get("/static/cohort-phases.js")
    assert script.status_code == 200
    script.close()
    program = _program(malang)
    resp = operator.submit("/angkatan/baru", {"program_id": str(program.id), "number": "II", "year": "2024",
                                              "mode": "blended", "quota": "32", "partner_id": "",
                                              **_phase_form(PKA_PHASES)})
    assert resp.status_code == 303, resp.text
    cohort = rows(malang, "SELECT id, number, year, quota, start_date, end_date FROM cohorts")[0]
    assert (cohort.number, cohort.year, cohort.quota) == (2, 2024, 32)
    assert (cohort.start_date, cohort.end_date) == (date(2024, 3, 9), date(2024, 7, 11))  # from the phases
    assert resp.headers["Location"].endswith(f"/angkatan/{cohort.id}")
    phases = rows(malang, "SELECT position, name, graded FROM cohort_phases WHERE cohort_id = :c ORDER BY position",
                  c=cohort.id)
    assert [(p.position, p.name, p.graded) for p in phases] == [
        (i, name, graded) for i, (name, _s, _e, graded) in enumerate(PKA_PHASES, start=1)]


def test_add_rows_returns_the_form_with_more_empty_rows_and_keeps_what_was_typed(app, malang):
    admin = browser_as(app, malang, "admin")
    resp = admin.submit("/angkatan/baru", {"program_id": "1", "number": "3", "year": "2025", "add_rows": "1",
                                           **_phase_form(PKA_PHASES[:3])})
    assert resp.status_code == 200
    assert 'name="phases.5.name"' in resp.text and 'value="Commitment building"' in resp.text
    assert 'value="3"' in resp.text
    assert rows(malang, "SELECT count(*) AS n FROM cohorts")[0].n == 0


def test_blank_phase_rows_between_filled_ones_are_ignored(app, malang):
    admin = browser_as(app, malang, "admin")
    form = {"program_id": str(_program(malang).id), "number": "4", "year": "2024", "mode": "klasikal",
            **_phase_form(PKA_PHASES[:1]), **_phase_form(PKA_PHASES[1:2], start_index=2)}
    form["phase_rows"] = "4"
    assert admin.submit("/angkatan/baru", form).status_code == 303
    assert rows(malang, "SELECT count(*) AS n FROM cohort_phases")[0].n == 2


def test_phase_and_field_errors_are_shown_next_to_their_inputs(app, malang):
    admin = browser_as(app, malang, "admin")
    overlapping = (("Klasikal I", date(2024, 4, 22), date(2024, 5, 8), False),
                   ("Aksi perubahan", date(2024, 5, 1), date(2024, 7, 7), True))
    resp = admin.submit("/angkatan/baru", {"program_id": str(_program(malang).id), "number": "Angkatan XIV?",
                                           "year": "2024", "quota": "nol", **_phase_form(overlapping)})
    assert resp.status_code == 422
    assert 'id="number-error">angkatan tidak dikenali' in resp.text
    assert 'id="quota-error">Harus berupa bilangan bulat.' in resp.text
    resp = admin.submit("/angkatan/baru", {"program_id": str(_program(malang).id), "number": "XIV", "year": "2024",
                                           **_phase_form(overlapping)})
    assert resp.status_code == 422
    assert 'id="phases.1.start_date-error">tahap 2 (Aksi perubahan) tumpang tindih dengan tahap 1' in resp.text
    bad_date = dict(_phase_form(overlapping[:1]), **{"phases.0.end_date": "31-13-2024"})
    resp = admin.submit("/angkatan/baru", {"program_id": str(_program(malang).id), "number": "XIV", "year": "2024",
                                           **bad_date})
    assert 'id="phases.0.end_date-error">Tanggal tidak valid (contoh: 2024-03-09).' in resp.text
    assert rows(malang, "SELECT count(*) AS n FROM cohorts")[0].n == 0


def test_a_duplicate_angkatan_is_refused_next_to_the_number(app, malang):
    make_cohort(malang, number=2, year=2024)
    admin = browser_as(app, malang, "admin")
    resp = admin.submit("/angkatan/baru", {"program_id": str(_program(malang).id), "number": "02", "year": "2024"})
    assert resp.status_code == 409 and 'id="number-error">PKA Angkatan II 2024 sudah ada' in resp.text


def test_the_cohort_page_draws_the_phase_timeline_with_today_marked(app, malang):
    today = date.today()
    phases = (("Klasikal I", today - timedelta(days=10), today - timedelta(days=2), False),
              ("Aksi perubahan", today - timedelta(days=1), today + timedelta(days=20), True))
    cohort = make_cohort(malang, start_date=phases[0][1], end_date=phases[1][2], phases=phases)
    resp = browser_as(app, malang, "viewer").page(f"/angkatan/{cohort['id']}")
    assert resp.status_code == 200
    assert "<svg" in resp.text and 'class="today"' in resp.text and "hari ini" in resp.text
    assert 'class="phase done"' in resp.text and 'class="phase now graded"' in resp.text
    assert "reconciliation panel: wired by the lead" not in resp.text  # a Jinja comment, not shipped
    assert "Ubah angkatan" not in resp.text  # a viewer


def test_a_cohort_outside_today_has_no_today_marker_and_an_unknown_cohort_is_a_404_page(app, malang):
    cohort = make_cohort(malang, start_date=PKA_PHASES[0][1], end_date=PKA_PHASES[-1][2], phases=PKA_PHASES)
    admin = browser_as(app, malang, "admin")
    page = admin.page(f"/angkatan/{cohort['id']}")
    assert "<svg" in page.text and 'class="today"' not in page.text and "di luar jadwal" in page.text
    assert "Ubah angkatan" in page.text
    missing = admin.page("/angkatan/987654")
    assert missing.status_code == 404 and "text/html" in missing.content_type and "Tidak ditemukan" in missing.text


def test_editing_a_cohort_changes_its_fields_and_replaces_its_phases(app, malang):
    cohort = make_cohort(malang, start_date=date(2024, 3, 9), end_date=date(2024, 7, 11), phases=PKA_PHASES[:2])
    admin = browser_as(app, malang, "admin")
    form_page = admin.page(f"/angkatan/{cohort['id']}/ubah")
    kept = cohort["phases"][0]["id"]
    assert form_page.status_code == 200 and f'name="phases.0.id" value="{kept}"' in form_page.text
    form = {"mode": "klasikal", "quota": "", "partner_id": "", "start_date": "2024-03-09", "end_date": "2024-07-11",
            **_phase_form((("MOOC mandiri", date(2024, 3, 9), date(2024, 3, 20), False),
                           ("Aksi perubahan", date(2024, 5, 9), date(2024, 7, 7), True)))}
    form["phases.0.id"] = str(kept)
    resp = admin.submit(f"/angkatan/{cohort['id']}/ubah", form)
    assert resp.status_code == 303, resp.text
    after = rows(malang, "SELECT mode, quota FROM cohorts WHERE id = :c", c=cohort["id"])[0]
    assert tuple(after) == ("klasikal", None)
    phases = rows(malang, "SELECT id, name, graded FROM cohort_phases WHERE cohort_id = :c ORDER BY position",
                  c=cohort["id"])
    assert phases[0].id == kept and [(p.name, p.graded) for p in phases] == [("MOOC mandiri", False),
                                                                             ("Aksi perubahan", True)]


def test_an_edit_with_a_phase_outside_the_cohort_dates_keeps_everything_as_it_was(app, malang):
    cohort = make_cohort(malang, start_date=date(2024, 3, 9), end_date=date(2024, 4, 6), phases=PKA_PHASES[:2])
    admin = browser_as(app, malang, "admin")
    form = {"mode": "elearning", "quota": "10", **_phase_form(PKA_PHASES[:3])}
    resp = admin.submit(f"/angkatan/{cohort['id']}/ubah", form)
    assert resp.status_code == 422 and 'id="phases.2.end_date-error">' in resp.text
    after = rows(malang, "SELECT mode, quota FROM cohorts WHERE id = :c", c=cohort["id"])[0]
    assert tuple(after) == ("blended", 32)  # the cohort's own change was rolled back with the phases'


def test_a_viewer_sees_no_forms_and_cannot_create(app, malang):
    viewer = browser_as(app, malang, "viewer")
    listing = viewer.page("/angkatan")
    assert "Angkatan baru" not in listing.text and not has_post_forms(listing.text)
    assert viewer.page("/angkatan/baru").status_code == 403
    assert viewer.submit("/angkatan/baru", {"program_id": "1", "number": "1", "year": "2024"}).status_code == 403
    assert browser_as(app, malang, "employee").page("/angkatan").status_code == 403


def test_creating_without_the_csrf_token_is_refused(app, malang):
    admin = browser_as(app, malang, "admin")
    resp = admin.submit("/angkatan/baru", {"program_id": str(_program(malang).id), "number": "1", "year": "2024"},
                        csrf=False)
    assert resp.status_code == 403 and rows(malang, "SELECT count(*) AS n FROM cohorts")[0].n == 0

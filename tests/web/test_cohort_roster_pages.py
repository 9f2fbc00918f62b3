"""A cohort's people: the roster (enrol by NIP or from a search, status changes per ALLOWED_TRANSITIONS), the
attendance sheet of a day, and results with certificates (STTPP) — and an operator scoped to one OPD never sees
another OPD's people on any of them."""

from __future__ import annotations

from datetime import date

from tests.fixtures.factories import PKA_PHASES, make_cohort, make_employee, make_enrolment, make_opd
from tests.web.cohort_helpers import browser_as, has_post_forms, rows

DAY = "2024-04-22"


def _cohort(tenant, **kw):
    return make_cohort(tenant, start_date=PKA_PHASES[0][1], end_date=PKA_PHASES[-1][2], phases=PKA_PHASES, **kw)


def test_an_employee_is_enrolled_by_nip_and_listed_on_the_roster(app, malang):
    cohort = _cohort(malang)
    person = make_employee(malang, name="Siti Rahmawati")
    operator = browser_as(app, malang, "operator")
    resp = operator.submit(f"/angkatan/{cohort['id']}/peserta", {"employee_nip": person["nip"]})
    assert resp.status_code == 303
    saved = rows(malang, "SELECT status FROM enrolments WHERE employee_id = :e", e=person["id"])
    assert saved[0].status == "registered"
    roster = operator.page(f"/angkatan/{cohort['id']}/peserta")
    assert "Siti Rahmawati" in roster.text and "Terdaftar" in roster.text
    assert ">Mengikuti</button>" in roster.text and ">Mengundurkan diri</button>" in roster.text


def test_the_search_offers_matching_employees_to_enrol(app, malang):
    cohort = _cohort(malang)
    make_employee(malang, name="Bambang Sutrisno")
    page = browser_as(app, malang, "admin").page(f"/angkatan/{cohort['id']}/peserta?q=bambang")
    assert "Bambang Sutrisno" in page.text and 'name="employee_nip"' in page.text


def test_enrolment_errors_are_shown_next_to_the_nip_in_indonesian(app, malang):
    cohort = _cohort(malang, quota=1)
    taken = make_employee(malang)
    make_enrolment(malang, cohort["id"], taken["id"])
    admin = browser_as(app, malang, "admin")
    url = f"/angkatan/{cohort['id']}/peserta"
    assert 'id="employee_nip-error">Wajib diisi.' not in admin.page(url).text
    bad = admin.submit(url, {"employee_nip": "12345"})
    assert bad.status_code == 422 and 'id="employee_nip-error">NIP' in bad.text
    unknown = admin.submit(url, {"employee_nip": make_employee(malang, active=False)["nip"][:-3] + "999"})
    assert unknown.status_code in (422, 404) and "employee_nip-error" in unknown.text
    again = admin.submit(url, {"employee_nip": rows(malang, "SELECT nip FROM employees WHERE id = :e",
                                                    e=taken["id"])[0].nip})
    assert again.status_code == 409 and 'id="employee_nip-error">sudah terdaftar di angkatan ini' in again.text
    full = admin.submit(url, {"employee_nip": make_employee(malang)["nip"]})
    assert full.status_code == 422 and "kuota angkatan penuh (1/1)" in full.text
    assert rows(malang, "SELECT count(*) AS n FROM enrolments")[0].n == 1


def test_status_changes_follow_the_allowed_transitions(app, malang):
    cohort = _cohort(malang)
    enrolment = make_enrolment(malang, cohort["id"])
    admin = browser_as(app, malang, "admin")
    url = f"/angkatan/{cohort['id']}/peserta/{enrolment['id']}/status"
    assert admin.submit(url, {"to": "attending"}).status_code == 303
    assert rows(malang, "SELECT status FROM enrolments")[0].status == "attending"
    refused = admin.submit(url, {"to": "registered"})
    assert refused.status_code == 409 and "tidak diizinkan" in refused.text
    roster = admin.page(f"/angkatan/{cohort['id']}/peserta").text
    assert ">Mengikuti</button>" not in roster and "Lulus / tidak lulus" in roster
    assert admin.submit(url, {"to": "withdrawn"}).status_code == 303
    assert rows(malang, "SELECT status FROM enrolments")[0].status == "withdrawn"
    other = _cohort(malang)
    assert admin.submit(f"/angkatan/{other['id']}/peserta/{enrolment['id']}/status",
                        {"to": "withdrawn"}).status_code == 404  # an enrolment of another cohort


def test_a_day_of_attendance_is_marked_in_one_form(app, malang):
    cohort = _cohort(malang)
    present, excused, rest = (make_enrolment(malang, cohort["id"], make_employee(malang, name=n)["id"])
                              for n in ("Ani", "Budi", "Citra"))
    make_enrolment(malang, cohort["id"], status="withdrawn")
    operator = browser_as(app, malang, "operator")
    days = operator.page(f"/angkatan/{cohort['id']}/presensi")
    assert days.status_code == 200 and f"/presensi/{DAY}" in days.text
    picked = operator.page(f"/angkatan/{cohort['id']}/presensi?hari={DAY}")
    assert picked.status_code == 302 and picked.headers["Location"].endswith(f"/presensi/{DAY}")
    sheet = operator.page(f"/angkatan/{cohort['id']}/presensi/{DAY}")
    assert sheet.status_code == 200 and "Senin, 22-04-2024" in sheet.text and sheet.text.count('type="radio"') == 9
    resp = operator.submit(f"/angkatan/{cohort['id']}/presensi/{DAY}", {
        f"status-{present['id']}": "present", f"status-{excused['id']}": "excused", "default_status": "absent"})
    assert resp.status_code == 303
    marked = rows(malang, "SELECT enrolment_id, status FROM attendance WHERE day = :d ORDER BY enrolment_id",
                  d=date(2024, 4, 22))
    assert {r.enrolment_id: r.status for r in marked} == {present["id"]: "present", excused["id"]: "excused",
                                                          rest["id"]: "absent"}
    again = operator.page(f"/angkatan/{cohort['id']}/presensi/{DAY}").text
    assert f'name="status-{excused["id"]}" value="excused" checked' in again


def test_attendance_errors_and_days_outside_the_cohort(app, malang):
    cohort = _cohort(malang)
    make_enrolment(malang, cohort["id"])
    admin = browser_as(app, malang, "admin")
    outside = admin.page(f"/angkatan/{cohort['id']}/presensi/2023-01-02")
    assert outside.status_code == 422 and "di luar jadwal angkatan" in outside.text
    assert admin.page(f"/angkatan/{cohort['id']}/presensi/kemarin").status_code == 422
    bad = admin.submit(f"/angkatan/{cohort['id']}/presensi/{DAY}", {"status-999999": "present"})
    assert bad.status_code == 422 and "bukan peserta angkatan ini" in bad.text
    wrong = admin.submit(f"/angkatan/{cohort['id']}/presensi/{DAY}", {"default_status": "hadir"})
    assert wrong.status_code == 422 and 'id="default_status-error">Harus salah satu dari:' in wrong.text


def test_results_phase_results_then_a_pass_with_its_sttpp_writes_the_jp(app, malang):
    cohort = _cohort(malang)
    enrolment = make_enrolment(malang, cohort["id"], make_employee(malang, name="Dewi Lestari")["id"],
                               status="attending")
    graded = [p["id"] for p in cohort["phases"] if p["graded"]]
    admin = browser_as(app, malang, "admin")
    page = admin.page(f"/angkatan/{cohort['id']}/hasil")
    assert page.status_code == 200 and "Aksi perubahan" in page.text and "Dewi Lestari" in page.text
    base = f"/angkatan/{cohort['id']}/hasil/{enrolment['id']}"
    status = f"/angkatan/{cohort['id']}/peserta/{enrolment['id']}/status"
    pass_form = {"back": "hasil", "to": "passed", "certificate_number": "STTPP/PKA-II/2024/007",
                 "certificate_date": "2024-07-11"}
    early = admin.submit(status, pass_form)
    assert early.status_code == 409 and "fase bernilai belum lulus: Aksi perubahan, Klasikal II" in early.text
    for phase_id in graded:
        assert admin.submit(f"{base}/fase/{phase_id}", {"passed": "1", "score": "87.5"}).status_code == 303
    assert rows(malang, "SELECT count(*) AS n FROM phase_results WHERE passed")[0].n == 2
    no_date = admin.submit(status, {**pass_form, "certificate_date": ""})
    assert no_date.status_code == 422 and "wajib diisi untuk status passed" in no_date.text
    assert admin.submit(status, pass_form).status_code == 303
    done = rows(malang, "SELECT status, certificate_number, jp_earned FROM enrolments")[0]
    assert tuple(done) == ("passed", "STTPP/PKA-II/2024/007", cohort["program_jp"])
    ledger = rows(malang, "SELECT jp, certificate_number FROM jp_entries")
    assert [tuple(r) for r in ledger] == [(cohort["program_jp"], "STTPP/PKA-II/2024/007")]
    after = admin.page(f"/angkatan/{cohort['id']}/hasil").text
    assert "STTPP/PKA-II/2024/007" in after and "Lulus" in after
    assert f'action="/t/kota-malang{base}/fase' not in after  # results are closed once the outcome is set


def test_a_bad_phase_result_and_a_failed_outcome(app, malang):
    cohort = _cohort(malang)
    enrolment = make_enrolment(malang, cohort["id"], status="attending")
    admin = browser_as(app, malang, "admin")
    ungraded = cohort["phases"][0]["id"]
    bad = admin.submit(f"/angkatan/{cohort['id']}/hasil/{enrolment['id']}/fase/{ungraded}", {"passed": "1"})
    assert bad.status_code == 422 and "tidak dinilai" in bad.text
    graded = cohort["phases"][-1]["id"]
    score = admin.submit(f"/angkatan/{cohort['id']}/hasil/{enrolment['id']}/fase/{graded}",
                         {"passed": "0", "score": "150"})
    assert score.status_code == 422 and "Harus antara 0 dan 100." in score.text
    failed = admin.submit(f"/angkatan/{cohort['id']}/peserta/{enrolment['id']}/status",
                          {"back": "hasil", "to": "failed"})
    assert failed.status_code == 303 and failed.headers["Location"].endswith(f"/hasil#e{enrolment['id']}")
    assert rows(malang, "SELECT status FROM enrolments")[0].status == "failed"


def test_a_scoped_operator_never_sees_another_opds_people(app, malang):
    mine, theirs = make_opd(malang, "Dinas Pendidikan"), make_opd(malang, "Dinas Kesehatan")
    cohort = _cohort(malang)
    own = make_enrolment(malang, cohort["id"], make_employee(malang, opd_id=mine["id"], name="Guru Sendiri")["id"],
                         status="attending")
    other = make_enrolment(malang, cohort["id"],
                           make_employee(malang, opd_id=theirs["id"], name="Perawat Lain")["id"], status="attending")
    operator = browser_as(app, malang, "operator", opd_ids=[mine["id"]])
    for path in ("peserta", f"presensi/{DAY}", "hasil", "peserta?q=perawat"):
        text = operator.page(f"/angkatan/{cohort['id']}/{path}").text
        assert "Perawat Lain" not in text, path
    assert "Guru Sendiri" in operator.page(f"/angkatan/{cohort['id']}/hasil").text
    refused = operator.submit(f"/angkatan/{cohort['id']}/peserta/{other['id']}/status", {"to": "withdrawn"})
    assert refused.status_code == 404
    foreign_mark = operator.submit(f"/angkatan/{cohort['id']}/presensi/{DAY}", {f"status-{other['id']}": "absent"})
    assert foreign_mark.status_code == 422 and "di luar OPD Anda" in foreign_mark.text
    assert operator.submit(f"/angkatan/{cohort['id']}/presensi/{DAY}", {"default_status": "present"}).status_code == 303
    marked = rows(malang, "SELECT enrolment_id FROM attendance")
    assert [r.enrolment_id for r in marked] == [own["id"]]  # the default reached only the operator's OPD
    nip = rows(malang, "SELECT nip FROM employees WHERE name = 'Perawat Lain'")[0].nip
    enrol_other = operator.submit(f"/angkatan/{cohort['id']}/peserta", {"employee_nip": nip})
    assert enrol_other.status_code == 422 and "tidak ditemukan" in enrol_other.text


def test_a_viewer_reads_roster_attendance_and_results_without_any_form(app, malang):
    cohort = _cohort(malang)
    enrolment = make_enrolment(malang, cohort["id"], status="attending")
    viewer = browser_as(app, malang, "viewer")
    for path in ("peserta", "presensi", f"presensi/{DAY}", "hasil"):
        resp = viewer.page(f"/angkatan/{cohort['id']}/{path}")
        assert resp.status_code == 200 and not has_post_forms(resp.text), path
    refused = viewer.submit(f"/angkatan/{cohort['id']}/peserta/{enrolment['id']}/status", {"to": "withdrawn"})
    assert refused.status_code == 403
    assert viewer.submit(f"/angkatan/{cohort['id']}/presensi/{DAY}", {"default_status": "present"}).status_code == 403
    assert rows(malang, "SELECT count(*) AS n FROM attendance")[0].n == 0


def test_roster_forms_need_the_csrf_token(app, malang):
    cohort = _cohort(malang)
    admin = browser_as(app, malang, "admin")
    resp = admin.submit(f"/angkatan/{cohort['id']}/peserta", {"employee_nip": make_employee(malang)["nip"]},
                        csrf=False)
    assert resp.status_code == 403 and rows(malang, "SELECT count(*) AS n FROM enrolments")[0].n == 0


def test_roster_attendance_and_results_pages_cost_the_same_queries_for_3_or_30_people(app, malang):
    """No query per participant (no N+1): the page's statements do not grow with the roster."""
    from tests.fixtures.factories import count_queries, enrol_many

    small, large = _cohort(malang), _cohort(malang)
    enrol_many(malang, small["id"], 3)
    enrol_many(malang, large["id"], 30)
    admin = browser_as(app, malang, "admin")
    for path in ("peserta", f"presensi/{DAY}", "hasil", ""):
        counts = []
        for cohort in (small, large):
            with count_queries() as statements:
                assert admin.page(f"/angkatan/{cohort['id']}/{path}".rstrip("/")).status_code == 200
            counts.append(len(statements))
        assert counts[0] == counts[1], (path, counts)

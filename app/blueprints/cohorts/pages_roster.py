"""A cohort's participants: the roster (enrol by NIP, status changes), attendance for a day, and results with
certificates (STTPP). Same services as the API; the OPD scope of an operator applies inside them, so a scoped
operator never sees another OPD's people here."""

from __future__ import annotations

from datetime import timedelta

from flask import flash, redirect, request, url_for

from app.blueprints.cohorts.pages import bp
from app.blueprints.cohorts.schemas import (
    AttendanceMarkDaySchema,
    EnrolmentCreateSchema,
    EnrolmentPhaseResultInSchema,
    EnrolmentTransitionSchema,
)
from app.problems import Problem
from app.services.cohorts import attendance, bulk_enrol, enrolments
from app.services.cohorts import schedule as cohorts
from app.services.employees import records as employees
from app.web.filters import label_set
from app.web.forms import ints, load_form
from app.web.pages import page, render, render_problem
from app.web.paging import page_args, pager
from app.web.responses import commit

ROSTER_PAGE = 100
ON_ROSTER = ("attending", "withdrawn")  # status changes offered on the roster; an outcome is set on the results page
OUTCOMES = ("passed", "failed")
DAY_NAMES = ("Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu")


def _roster_context(cohort_id: int) -> dict:
    cohort = cohorts.cohort_detail(cohort_id)
    roster = enrolments.list_roster(cohort_id, limit=ROSTER_PAGE, **page_args(request.args), sort="name")
    q = (request.args.get("q") or "").strip()[:100]
    found = employees.list_employees(q=q, active=True, limit=10, offset=0).items if q else []
    return {"cohort": cohort, "roster": roster, "pager": pager(roster), "q": q,
            "found": found,
            "allowed": {s: sorted(t & set(ON_ROSTER)) for s, t in enrolments.ALLOWED_TRANSITIONS.items()},
            "tab": "peserta"}


@bp.get("/angkatan/<int:cohort_id>/peserta")
@page("training:read")
def roster(cohort_id: int):
    return render("cohorts/roster.html", form={}, errors={}, **_roster_context(cohort_id))


@bp.post("/angkatan/<int:cohort_id>/peserta")
@page("training:write")
def enrol(cohort_id: int):
    try:
        data = load_form(EnrolmentCreateSchema(), {"employee_nip": request.form.get("employee_nip", "")})
        enrolments.enrol(cohort_id, **data)
    except Problem as exc:
        if exc.status == 404 and not exc.errors:  # an unknown (or out-of-scope) NIP: say so next to the field
            exc = Problem(422, exc.title, exc.detail, errors=[{"field": "employee_nip", "reason": exc.detail}])
        return render_problem("cohorts/roster.html", exc, fields=("employee_nip",), form=request.form,
                              **_roster_context(cohort_id))
    commit(None)
    return redirect(url_for("cohort_pages.roster", cohort_id=cohort_id), code=303)


@bp.post("/angkatan/<int:cohort_id>/peserta/banyak")
@page("training:write")
def bulk_enrol_page(cohort_id: int):
    """Many NIPs at once (pasted or a CSV/XLSX file): the preview first, then one confirmation (its token and the
    NIPs carried in the form, so a file is uploaded once)."""
    text = request.form.get("nips", "")
    confirm_it = request.form.get("confirm") == "1"
    try:
        upload = request.files.get("file")
        if upload is not None and upload.filename and not confirm_it:
            try:
                nips = [str(n) for n in bulk_enrol.nips_from_upload(upload.stream, upload.filename)]
            finally:
                upload.close()
        else:
            nips = bulk_enrol.nips_from_text(text)
        result = bulk_enrol.run(cohort_id, nips=nips, confirm_it=confirm_it, token=request.form.get("token"),
                                source="page")
    except Problem as exc:
        return render_problem("cohorts/roster.html", exc, fields=("nips",), form={"nips": text},
                              **_roster_context(cohort_id))
    if not confirm_it:
        return render("cohorts/roster.html", form={}, errors={}, bulk=result, bulk_nips=" ".join(nips),
                      **_roster_context(cohort_id))
    commit(None)
    refused = len(result["refused"])
    flash(f"{result['enrolled']} pegawai didaftarkan" + (f"; {refused} ditolak." if refused else "."))
    return redirect(url_for("cohort_pages.roster", cohort_id=cohort_id), code=303)


@bp.post("/angkatan/<int:cohort_id>/peserta/<int:enrolment_id>/status")
@page("training:write")
def change_status(cohort_id: int, enrolment_id: int):
    """attending or withdrawn from the roster; passed and failed come from the results page (with the STTPP)."""
    back = request.form.get("back") == "hasil"
    try:
        _own(cohort_id, enrolment_id)
        form = {k: v for k, v in ints(request.form, "jp_earned").items() if k != "back"}
        data = load_form(EnrolmentTransitionSchema(), form)
        if data["to"] == "passed" and not back:
            raise Problem.invalid("Kelulusan dicatat di halaman Hasil (dengan nomor STTPP).",
                                  errors=[{"field": "to", "reason": "catat kelulusan di halaman Hasil"}])
        enrolments.transition(enrolment_id, data.pop("to"), **data)
    except Problem as exc:
        if back:
            return render_problem("cohorts/results.html", exc, form=request.form, failed_id=enrolment_id,
                                  **_results_context(cohort_id))
        return render_problem("cohorts/roster.html", exc, fields=(), form={}, **_roster_context(cohort_id))
    commit(None)
    return redirect(url_for("cohort_pages.results" if back else "cohort_pages.roster", cohort_id=cohort_id)
                    + f"#e{enrolment_id}", code=303)


def _own(cohort_id: int, enrolment_id: int) -> None:
    """The enrolment (in the caller's scope) belongs to this cohort, else the same 404 as an unknown one."""
    if enrolments.get_enrolment(enrolment_id).cohort_id != cohort_id:
        raise Problem.not_found(f"Pendaftaran {enrolment_id} tidak ditemukan.")


# --- attendance -----------------------------------------------------------------------------------------------


def _phase_days(cohort: dict) -> list[dict]:
    """The session days of each phase, for the day picker."""
    out = []
    for phase in cohort["phases"]:
        days = cohorts.session_days(phase)
        out.append({"name": phase.name, "days": days})
    return out


@bp.get("/angkatan/<int:cohort_id>/presensi")
@page("training:read")
def attendance_days(cohort_id: int):
    chosen = (request.args.get("hari") or "").strip()
    if chosen:  # the date picker (a GET form) goes to that day's sheet
        attendance.parse_day(chosen)
        return redirect(url_for("cohort_pages.attendance_day", cohort_id=cohort_id, day=chosen))
    cohort = cohorts.cohort_detail(cohort_id)
    return render("cohorts/attendance_days.html", cohort=cohort, phase_days=_phase_days(cohort), tab="presensi")


def _day_context(cohort_id: int, day: str) -> dict:
    cohort = cohorts.cohort_detail(cohort_id)
    the_day = attendance.parse_day(day)
    sheet = attendance.day_sheet(cohort_id, the_day)
    return {"cohort": cohort, "sheet": sheet, "day": the_day, "day_name": DAY_NAMES[the_day.weekday()],
            "statuses": label_set("attendance"), "tab": "presensi",
            "previous": the_day - timedelta(days=1), "next": the_day + timedelta(days=1)}


@bp.get("/angkatan/<int:cohort_id>/presensi/<day>")
@page("training:read")
def attendance_day(cohort_id: int, day: str):
    return render("cohorts/attendance_day.html", errors={}, **_day_context(cohort_id, day))


@bp.post("/angkatan/<int:cohort_id>/presensi/<day>")
@page("training:write")
def mark_attendance(cohort_id: int, day: str):
    """The whole day in one form, as PUT …/attendance/<day>: `status-<enrolment id>` per row, and a default."""
    marks = []
    for key, value in request.form.items():
        if key.startswith("status-") and key[7:].isdigit() and value:
            marks.append({"enrolment_id": int(key[7:]), "status": value})
    data = {"marks": marks}
    if request.form.get("default_status"):
        data["default_status"] = request.form["default_status"]
    try:
        the_day = attendance.parse_day(day)
        attendance.mark_day(cohort_id, the_day, **load_form(AttendanceMarkDaySchema(), data))
    except Problem as exc:
        return render_problem("cohorts/attendance_day.html", exc, fields=("default_status",),
                              **_day_context(cohort_id, day))
    commit(None)
    return redirect(url_for("cohort_pages.attendance_day", cohort_id=cohort_id, day=day), code=303)


# --- results and certificates ---------------------------------------------------------------------------------


def _results_context(cohort_id: int) -> dict:
    cohort = cohorts.cohort_detail(cohort_id)
    roster = enrolments.list_roster(cohort_id, limit=ROSTER_PAGE, **page_args(request.args), sort="name")
    graded = [p for p in cohort["phases"] if p.graded]
    return {"cohort": cohort, "roster": roster, "graded": graded, "results": enrolments.cohort_phase_results(cohort_id),
            "pager": pager(roster), "open_statuses": enrolments.OPEN_STATUSES,
            "outcomes": {s: sorted(t & set(OUTCOMES)) for s, t in enrolments.ALLOWED_TRANSITIONS.items()},
            "tab": "hasil"}


@bp.get("/angkatan/<int:cohort_id>/hasil")
@page("training:read")
def results(cohort_id: int):
    return render("cohorts/results.html", form={}, errors={}, failed_id=None, **_results_context(cohort_id))


@bp.post("/angkatan/<int:cohort_id>/hasil/<int:enrolment_id>/fase/<int:phase_id>")
@page("training:write")
def set_phase_result(cohort_id: int, enrolment_id: int, phase_id: int):
    try:
        _own(cohort_id, enrolment_id)
        data = load_form(EnrolmentPhaseResultInSchema(), request.form)
        enrolments.set_phase_result(enrolment_id, phase_id, **data)
    except Problem as exc:
        return render_problem("cohorts/results.html", exc, form=request.form, failed_id=enrolment_id,
                              **_results_context(cohort_id))
    commit(None)
    return redirect(url_for("cohort_pages.results", cohort_id=cohort_id) + f"#e{enrolment_id}", code=303)

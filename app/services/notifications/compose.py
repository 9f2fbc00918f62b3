"""What is sent: the messages of each kind, rendered and written to the outbox with their unique key.

- summons (surat panggilan), key (summons, employee:<id>, enrolment:<id>, ""): when a person is enrolled, with the
  cohort's phases and dates and an .ics calendar of them; written in the enrolment's own transaction.
- result, key (result, employee:<id>, enrolment:<id>, ""): when an enrolment is passed or failed.
- jp_reminder, key (jp_reminder, employee:<id>, "", <reminder day>): on each of the region's reminder days, to every
  active employee below 20 JP that year.
- jp_digest, key (jp_digest, opd:<id>, "", <reminder day>): the same day, one message per OPD to its contact,
  listing its people below 20 JP.
- phase_reminder, key (phase_reminder, employee:<id>, phase:<id> or cohort:<id> for a cohort without phases,
  <the phase's start date>): the region's
  `phase_reminder_days` before a phase starts, to each registered or attending participant of its cohort, with the
  phase's dates, place, session blocks and agenda.
- staff_digest (app.services.notifications.digest): weekly, to the region's BKPSDM staff.
- certificate, key (certificate, employee:<id>, certificate:<id>, ""): when the region issues an STTPP (new, or
  replacing a corrected one: the new link, naming the number it replaces), written for the whole batch in the
  issuing transaction with one query and batched inserts; a partner-issued STTPP sends nothing.

Nothing is written for a kind the region turned off, nor (optional kinds) for an employee who turned it off, nor for
someone without an e-mail address (an employee's address: `notification_addresses`, else their own user's)."""

from __future__ import annotations

import logging
from datetime import date, timedelta

import sqlalchemy as sa

from app.domain.dates import today_wib
from app.domain.jp import REQUIRED_JP_PER_YEAR
from app.extensions import db
from app.models.catalogue import Partner, Program
from app.models.certificates import Certificate
from app.models.cohorts import Cohort, CohortPhase, Enrolment
from app.models.notifications import OPTIONAL_KINDS
from app.services.cohorts.schedule import cohort_label
from app.services.notifications import outbox
from app.services.notifications.templates import Renderer
from app.tenancy import current_tenant

log = logging.getLogger(__name__)

MONTHS = ("Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus", "September", "Oktober",
          "November", "Desember")
OUTCOMES = {"passed": "LULUS", "failed": "TIDAK LULUS"}
DIGEST_PEOPLE_LISTED = 500  # an OPD's digest lists at most this many people (the count says how many in all)

_ADDRESSED_SQL = (
    "SELECT e.id, e.nip, e.name, e.opd_id, o.name AS opd_name, COALESCE(a.email, u.email) AS email "
    "FROM employees e LEFT JOIN opds o ON o.id = e.opd_id "
    "LEFT JOIN notification_addresses a ON a.employee_id = e.id "
    "LEFT JOIN LATERAL (SELECT email FROM users WHERE users.nip = e.nip AND users.active AND users.email IS NOT NULL "
    "                   ORDER BY users.id LIMIT 1) u ON true ")
_ONE_SQL = sa.text(_ADDRESSED_SQL + "WHERE e.id = :id")  # noqa: S608 - constant text, no input in it


def tanggal_panjang(day: date) -> str:
    """6 Juli 2026"""
    return f"{day.day} {MONTHS[day.month - 1]} {day.year}"


def _opted_out(employee_id: int, kind: str) -> bool:
    if kind not in OPTIONAL_KINDS:
        return False
    return db.session.execute(sa.text("SELECT 1 FROM notification_optouts WHERE employee_id = :e AND kind = :k"),
                              {"e": employee_id, "k": kind}).first() is not None


def _employee(employee_id: int):
    return db.session.execute(_ONE_SQL, {"id": employee_id}).first()


# --- the calendar ------------------------------------------------------------------------------------------------


def _ics_text(value: str) -> str:
    return value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


def _fold(line: str) -> str:
    """RFC 5545 lines are at most 75 octets; longer ones continue on lines starting with a space."""
    out, current = [], ""
    for ch in line:
        if len((current + ch).encode("utf-8")) > 75:
            out.append(current)
            current = " " + ch
        else:
            current += ch
    out.append(current)
    return "\r\n".join(out)


def sessions_ics(*, uid_prefix: str, title: str, phases: list[dict], location: str | None, stamp: str) -> str:
    """A VCALENDAR with one all-day VEVENT per phase (DTEND is the day after the phase's last day)."""
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//Kompeten//Notifikasi//ID", "CALSCALE:GREGORIAN",
             "METHOD:PUBLISH"]
    for p in phases:
        lines += ["BEGIN:VEVENT", f"UID:{uid_prefix}-phase-{p['id']}", f"DTSTAMP:{stamp}",
                  f"DTSTART;VALUE=DATE:{p['start_date']:%Y%m%d}",
                  f"DTEND;VALUE=DATE:{p['end_date'] + timedelta(days=1):%Y%m%d}",
                  f"SUMMARY:{_ics_text(title + ' – ' + p['name'])}"]
        if location:
            lines.append(f"LOCATION:{_ics_text(location)}")
        lines.append("END:VEVENT")
    lines.append("END:VCALENDAR")
    return "\r\n".join(_fold(line) for line in lines) + "\r\n"


# --- summons and result ------------------------------------------------------------------------------------------


def _cohort_context(cohort_id: int) -> dict:
    row = db.session.execute(
        sa.select(Cohort.id, Cohort.number, Cohort.year, Cohort.mode, Program.code, Program.name,
                  Partner.name.label("partner_name"))
        .join(Program, Program.id == Cohort.program_id).outerjoin(Partner, Partner.id == Cohort.partner_id)
        .where(Cohort.id == cohort_id)).one()
    phases = [{"id": p.id, "name": p.name, "start_date": p.start_date, "end_date": p.end_date}
              for p in db.session.execute(sa.select(CohortPhase).where(CohortPhase.cohort_id == cohort_id)
                                          .order_by(CohortPhase.position)).scalars()]
    if not phases:  # a cohort without phases: its own dates, when set, are the one session
        cohort = db.session.get(Cohort, cohort_id)
        if cohort.start_date and cohort.end_date:
            phases = [{"id": 0, "name": "Pelaksanaan", "start_date": cohort.start_date, "end_date": cohort.end_date}]
    place = row.partner_name or None
    return {"cohort_label": cohort_label(row.code, row.number, row.year), "program_name": row.name, "place": place,
            "phases_raw": phases,
            "phases": [{"name": p["name"], "start": tanggal_panjang(p["start_date"]),
                        "end": tanggal_panjang(p["end_date"]), "place": place} for p in phases]}


def summons_for(enrolment_id: int) -> int:
    """Write the summons of one enrolment to the outbox (0 when off, unaddressed or already there)."""
    if not outbox.kind_enabled("summons"):
        return 0
    enrolment = db.session.get(Enrolment, enrolment_id)
    person = _employee(enrolment.employee_id) if enrolment else None
    if person is None or not person.email:
        return 0
    tenant = current_tenant()
    ctx = _cohort_context(enrolment.cohort_id)
    context = {"region_name": tenant.name, "name": person.name, "nip": person.nip, **ctx}
    subject, text, html = Renderer().render("summons", context)
    ics = sessions_ics(uid_prefix=f"enrolment-{enrolment.id}@{tenant.slug}.kompeten", title=ctx["cohort_label"],
                       phases=ctx["phases_raw"], location=ctx["place"],
                       stamp=f"{enrolment.created_at:%Y%m%dT%H%M%SZ}" if enrolment.created_at else "19700101T000000Z")
    return outbox.put([outbox.Draft(kind="summons", person_key=f"employee:{person.id}",
                                    object_key=f"enrolment:{enrolment.id}", period="", recipient=person.email,
                                    recipient_name=person.name, subject=subject, body_text=text, body_html=html,
                                    ics=ics)])


def _certificate_url(enrolment_id: int) -> str | None:
    """The public verification page of the enrolment's valid STTPP (KOMPETEN_PUBLIC_URL/t/<slug>/verifikasi/<code>),
    where one has been issued; it shows the certificate and, for one the region issued, its PDF."""
    from app.services.certificates.documents import verify_url

    code = db.session.execute(sa.select(Certificate.code).where(Certificate.enrolment_id == enrolment_id,
                                                                Certificate.status == "valid")).scalar_one_or_none()
    return verify_url(code) if code else None


def result_for(enrolment_id: int) -> int:
    """Write the result of one passed or failed enrolment to the outbox."""
    if not outbox.kind_enabled("result"):
        return 0
    enrolment = db.session.get(Enrolment, enrolment_id)
    if enrolment is None or enrolment.status not in OUTCOMES:
        return 0
    person = _employee(enrolment.employee_id)
    if person is None or not person.email or _opted_out(person.id, "result"):
        return 0
    ctx = _cohort_context(enrolment.cohort_id)
    context = {"region_name": current_tenant().name, "name": person.name, "nip": person.nip,
               "cohort_label": ctx["cohort_label"], "program_name": ctx["program_name"],
               "outcome": OUTCOMES[enrolment.status], "certificate_number": enrolment.certificate_number,
               "certificate_date": tanggal_panjang(enrolment.certificate_date) if enrolment.certificate_date else None,
               "jp": enrolment.jp_earned, "certificate_url": _certificate_url(enrolment.id)}
    subject, text, html = Renderer().render("result", context)
    return outbox.put([outbox.Draft(kind="result", person_key=f"employee:{person.id}",
                                    object_key=f"enrolment:{enrolment.id}", period="", recipient=person.email,
                                    recipient_name=person.name, subject=subject, body_text=text, body_html=html)])


# --- STTPP issued ----------------------------------------------------------------------------------------------

# The region-issued valid certificates among :ids with their holder's address and the certificate each replaces;
# holders who turned the kind off are left out. One query for a whole cohort.
_CERTIFICATES_SQL = sa.text(
    "SELECT c.id, c.employee_id, c.code, c.number, c.issued_on, c.program_name, c.cohort_label, c.jp, "
    "       e.name, e.nip, COALESCE(a.email, u.email) AS email, old.number AS replaced_number, "
    "       old.issued_on AS replaced_on "
    "FROM certificates c JOIN employees e ON e.id = c.employee_id "
    "LEFT JOIN notification_addresses a ON a.employee_id = e.id "
    "LEFT JOIN LATERAL (SELECT email FROM users WHERE users.nip = e.nip AND users.active AND users.email IS NOT NULL "
    "                   ORDER BY users.id LIMIT 1) u ON true "
    "LEFT JOIN LATERAL (SELECT number, issued_on FROM certificates o WHERE o.replaced_by_id = c.id "
    "                   ORDER BY o.id DESC LIMIT 1) old ON true "
    "WHERE c.id = ANY(:ids) AND c.status = 'valid' AND c.issuer = 'region' "
    "AND NOT EXISTS (SELECT 1 FROM notification_optouts n WHERE n.employee_id = c.employee_id "
    "                AND n.kind = 'certificate') "
    "ORDER BY c.id")


def certificates_for(certificate_ids: list[int]) -> int:
    """Write "STTPP Anda sudah terbit" for newly issued certificates (the region's own; a correction's says which
    number it replaces) with the number, date, program and angkatan, JP and the public verification URL. One query
    and batched inserts for a whole cohort; a key already there (a retry, a second issue) writes nothing."""
    if not certificate_ids or not outbox.kind_enabled("certificate"):
        return 0
    from app.services.certificates.documents import verify_url

    rows = db.session.execute(_CERTIFICATES_SQL, {"ids": list(certificate_ids)}).all()
    tenant, renderer, drafts = current_tenant(), Renderer(), []
    for r in rows:
        if not r.email:
            continue
        context = {"region_name": tenant.name, "name": r.name, "nip": r.nip, "program_name": r.program_name,
                   "cohort_label": r.cohort_label, "certificate_number": r.number,
                   "certificate_date": tanggal_panjang(r.issued_on), "jp": r.jp, "certificate_url": verify_url(r.code),
                   "replaced_number": r.replaced_number,
                   "replaced_date": tanggal_panjang(r.replaced_on) if r.replaced_on else None}
        subject, text, html = renderer.render("certificate", context)
        drafts.append(outbox.Draft(kind="certificate", person_key=f"employee:{r.employee_id}",
                                   object_key=f"certificate:{r.id}", period="", recipient=r.email,
                                   recipient_name=r.name, subject=subject, body_text=text, body_html=html))
    written = outbox.put(drafts)
    log.info("STTPP messages of %s: %d certificates, %d messages written", tenant.slug, len(certificate_ids), written)
    return written


# --- the 20 JP reminders -----------------------------------------------------------------------------------------


def is_reminder_day(day: date) -> bool:
    return f"{day:%m-%d}" in outbox.settings().reminder_days


_BELOW_SQL = sa.text(
    "WITH yearly AS (SELECT employee_id, sum(jp) AS jp FROM jp_entries WHERE year = :year GROUP BY employee_id) "
    "SELECT e.id, COALESCE(y.jp, 0) AS jp, e.nip, e.name, e.opd_id, o.name AS opd_name, "
    "       COALESCE(a.email, u.email) AS email "
    "FROM employees e LEFT JOIN opds o ON o.id = e.opd_id "
    "LEFT JOIN notification_addresses a ON a.employee_id = e.id "
    "LEFT JOIN LATERAL (SELECT email FROM users WHERE users.nip = e.nip AND users.active AND users.email IS NOT NULL "
    "                   ORDER BY users.id LIMIT 1) u ON true "
    "LEFT JOIN yearly y ON y.employee_id = e.id "
    "WHERE e.active AND COALESCE(y.jp, 0) < :required ORDER BY e.opd_id NULLS LAST, e.name_key, e.id")
_OPTED_OUT_SQL = sa.text("SELECT employee_id FROM notification_optouts WHERE kind = 'jp_reminder'")
_CONTACTS_SQL = sa.text("SELECT c.opd_id, c.name, c.email, o.name AS opd_name FROM notification_opd_contacts c "
                        "JOIN opds o ON o.id = c.opd_id")


def jp_reminders(day: date | None = None) -> dict:
    """Write the 20 JP reminders of `day` (default: today in WIB) to the outbox: one per active employee below 20 JP
    with an address, one digest per OPD with a contact. Running it twice for a day writes nothing new."""
    day = day or today_wib()
    period, year = day.isoformat(), day.year
    tenant = current_tenant()
    people = db.session.execute(_BELOW_SQL, {"year": year, "required": REQUIRED_JP_PER_YEAR}).all()
    renderer, drafts = Renderer(), []
    if outbox.kind_enabled("jp_reminder"):
        opted_out = set(db.session.execute(_OPTED_OUT_SQL).scalars())
        for p in people:
            if not p.email or p.id in opted_out:
                continue
            context = {"region_name": tenant.name, "name": p.name, "nip": p.nip, "year": year, "jp": int(p.jp),
                       "shortfall": REQUIRED_JP_PER_YEAR - int(p.jp), "opd_name": p.opd_name}
            subject, text, html = renderer.render("jp_reminder", context)
            drafts.append(outbox.Draft(kind="jp_reminder", person_key=f"employee:{p.id}", object_key="",
                                       period=period, recipient=p.email, recipient_name=p.name, subject=subject,
                                       body_text=text, body_html=html))
    reminders = outbox.put(drafts)
    digests = 0
    if outbox.kind_enabled("jp_digest"):
        by_opd: dict[int, list] = {}
        for p in people:
            if p.opd_id is not None:
                by_opd.setdefault(p.opd_id, []).append(p)
        drafts = []
        for c in db.session.execute(_CONTACTS_SQL).all():
            below = by_opd.get(c.opd_id, [])
            if not below:
                continue
            listed = [{"name": p.name, "nip": p.nip, "jp": int(p.jp), "shortfall": REQUIRED_JP_PER_YEAR - int(p.jp)}
                      for p in below[:DIGEST_PEOPLE_LISTED]]
            context = {"region_name": tenant.name, "opd_name": c.opd_name, "contact_name": c.name, "year": year,
                       "below": len(below), "people": listed}
            subject, text, html = renderer.render("jp_digest", context)
            drafts.append(outbox.Draft(kind="jp_digest", person_key=f"opd:{c.opd_id}", object_key="", period=period,
                                       recipient=c.email, recipient_name=c.name, subject=subject, body_text=text,
                                       body_html=html))
        digests = outbox.put(drafts)
    log.info("20 JP reminders of %s for %s: %d below 20 JP, %d reminders and %d digests written", tenant.slug,
             period, len(people), reminders, digests)
    return {"day": period, "below": len(people), "reminders": reminders, "digests": digests}


# --- phase reminders ---------------------------------------------------------------------------------------------

# The phases starting in the window, and (object "cohort:<id>") each cohort without phases that starts in it: its own
# dates are its one phase, "Pelaksanaan", as in the summons.
_PHASES_DUE_SQL = sa.text(
    "SELECT 'phase:' || p.id AS object_key, p.cohort_id, p.name, p.start_date, p.end_date, p.sessions, p.agenda "
    "FROM cohort_phases p WHERE p.start_date BETWEEN :first AND :last "
    "UNION ALL SELECT 'cohort:' || c.id, c.id, 'Pelaksanaan', c.start_date, c.end_date, NULL, NULL FROM cohorts c "
    "WHERE c.start_date BETWEEN :first AND :last AND c.end_date IS NOT NULL "
    "AND NOT EXISTS (SELECT 1 FROM cohort_phases p WHERE p.cohort_id = c.id) "
    "ORDER BY start_date, object_key")
_PARTICIPANTS_SQL = sa.text(
    _ADDRESSED_SQL + "JOIN enrolments n ON n.employee_id = e.id "  # noqa: S608 - constant text, no input in it
    "WHERE n.cohort_id = :cohort AND n.status IN ('registered', 'attending') AND e.active ORDER BY e.name_key, e.id")
_PHASE_OPTED_OUT_SQL = sa.text("SELECT employee_id FROM notification_optouts WHERE kind = 'phase_reminder'")


def _when(days: int) -> str:
    return {0: "hari ini", 1: "besok", 2: "lusa"}.get(days, f"{days} hari lagi")


def _blocks(phase) -> list[dict]:
    """The phase's session blocks ({label, start, end} in words); a phase without blocks is one block."""
    blocks = phase.sessions or [{"start_date": phase.start_date.isoformat(), "end_date": phase.end_date.isoformat(),
                                 "label": phase.name}]
    return [{"label": b.get("label") or phase.name, "start": tanggal_panjang(date.fromisoformat(b["start_date"])),
             "end": tanggal_panjang(date.fromisoformat(b["end_date"]))} for b in blocks]


def _agenda(phase) -> list[dict]:
    return [{"day": tanggal_panjang(date.fromisoformat(a["day"])), "title": a.get("title") or ""}
            for a in sorted(phase.agenda or [], key=lambda a: a["day"])]


def phase_reminders(day: date | None = None) -> dict:
    """Write the phase reminders due on `day` (default: today in WIB): for every phase starting within the region's
    `phase_reminder_days` from that day (a missed run is caught up the next day, never twice: the key holds the
    phase and its start date), one message per registered or attending participant with an address. A phase whose
    dates move gets a reminder for its new start."""
    day = day or today_wib()
    if not outbox.kind_enabled("phase_reminder"):
        return {"day": day.isoformat(), "phases": 0, "reminders": 0}
    ahead = outbox.settings().phase_reminder_days
    phases = db.session.execute(_PHASES_DUE_SQL, {"first": day, "last": day + timedelta(days=ahead)}).all()
    tenant = current_tenant()
    renderer, drafts, cohorts = Renderer(), [], {}
    opted_out = set(db.session.execute(_PHASE_OPTED_OUT_SQL).scalars()) if phases else set()
    for phase in phases:
        if phase.cohort_id not in cohorts:
            cohorts[phase.cohort_id] = (_cohort_context(phase.cohort_id),
                                        db.session.execute(_PARTICIPANTS_SQL, {"cohort": phase.cohort_id}).all())
        ctx, people = cohorts[phase.cohort_id]
        days = (phase.start_date - day).days
        common = {"region_name": tenant.name, "program_name": ctx["program_name"], "cohort_label": ctx["cohort_label"],
                  "phase_name": phase.name, "days": days, "when": _when(days),
                  "start": tanggal_panjang(phase.start_date), "end": tanggal_panjang(phase.end_date),
                  "place": ctx["place"], "sessions": _blocks(phase), "agenda": _agenda(phase)}
        for p in people:
            if not p.email or p.id in opted_out:
                continue
            subject, text, html = renderer.render("phase_reminder", {**common, "name": p.name, "nip": p.nip})
            drafts.append(outbox.Draft(kind="phase_reminder", person_key=f"employee:{p.id}",
                                       object_key=phase.object_key, period=phase.start_date.isoformat(),
                                       recipient=p.email, recipient_name=p.name, subject=subject, body_text=text,
                                       body_html=html))
    written = outbox.put(drafts)
    log.info("phase reminders of %s for %s: %d phases, %d reminders written", tenant.slug, day, len(phases), written)
    return {"day": day.isoformat(), "phases": len(phases), "reminders": written}

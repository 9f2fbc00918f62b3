"""Cohorts (angkatan) and their ordered phases; angkatan numbers as files write them (2, 02, II, Angkatan II)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date

import sqlalchemy as sa

from app.extensions import db
from app.models.catalogue import Partner, Program
from app.models.cohorts import ENROLMENT_STATUSES, Cohort, CohortPhase, Enrolment, PhaseResult
from app.problems import Problem
from app.services.audit import log as audit
from app.services.catalogue.programs import find_partner, insert_unique, normalise_code
from app.services.pagination import Page, paginate, sort_clause
from app.signals import tenant_data_changed

MAX_ANGKATAN = 999
SORTABLE = {"year": Cohort.year, "start_date": Cohort.start_date, "id": Cohort.id}
NOT_COUNTED = "withdrawn"  # a withdrawn participant frees their seat

# --- angkatan numbers -------------------------------------------------------------------------------------

_ROMAN_VALUES = ((1000, "M"), (900, "CM"), (500, "D"), (400, "CD"), (100, "C"), (90, "XC"), (50, "L"), (40, "XL"),
                 (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I"))
_ROMAN_RE = re.compile(r"^M{0,3}(CM|CD|D?C{0,3})(XC|XL|L?X{0,3})(IX|IV|V?I{0,3})$")
_PREFIX_RE = re.compile(r"^(?:angkatan|angk\.?|akt\.?)\s*", re.IGNORECASE)


def to_roman(n: int) -> str:
    """4 → `IV`; angkatan are written in roman numerals (PKA Angkatan II)."""
    if isinstance(n, bool) or not isinstance(n, int) or not 1 <= n <= 3999:
        raise ValueError(f"tidak bisa ditulis dalam angka Romawi: {n!r}")
    out = []
    for value, numeral in _ROMAN_VALUES:
        count, n = divmod(n, value)
        out.append(numeral * count)
    return "".join(out)


def _from_roman(text: str) -> int | None:
    if not text or not _ROMAN_RE.fullmatch(text):
        return None
    total, i = 0, 0
    for value, numeral in _ROMAN_VALUES:
        while text.startswith(numeral, i):
            total += value
            i += len(numeral)
    return total


def parse_angkatan(value: object) -> int:
    """The angkatan number as a file or a form writes it: 2, "2", "02", "II", "ii", "Angkatan II", "Angk. 2",
    or an Excel number cell (2.0). Raises ValueError with an Indonesian message for anything else."""
    if isinstance(value, bool) or value is None:
        raise ValueError("angkatan kosong atau tidak valid")
    if isinstance(value, float):
        if not value.is_integer():
            raise ValueError(f"angkatan harus bilangan bulat, bukan {value!r}")
        value = int(value)
    if isinstance(value, int):
        number = value
    elif isinstance(value, str):
        text = _PREFIX_RE.sub("", value.strip()).strip()
        if text.isascii() and text.isdigit():
            number = int(text)
        else:
            roman = _from_roman(text.upper())
            if roman is None:
                raise ValueError(f"angkatan tidak dikenali: {value!r} (contoh: 2, 02, II, Angkatan II)")
            number = roman
    else:
        raise ValueError(f"angkatan tidak dikenali: {value!r}")
    if not 1 <= number <= MAX_ANGKATAN:
        raise ValueError(f"angkatan harus antara 1 dan {MAX_ANGKATAN}, bukan {number}")
    return number


def cohort_label(program_code: str, number: int, year: int) -> str:
    """`PKA Angkatan II 2024`: how staff, partners and certificates name a cohort."""
    return f"{program_code} Angkatan {to_roman(number)} {year}"


# --- reads -----------------------------------------------------------------------------------------------


def get_cohort(cohort_id: int, *, lock: bool = False) -> Cohort:
    """The cohort or a 404; `lock` takes a row lock so concurrent enrolments into it serialise."""
    # populate_existing: with a lock, always emit SELECT … FOR UPDATE, even if the row is already loaded.
    cohort = db.session.get(Cohort, cohort_id, with_for_update=lock or None, populate_existing=lock)
    if cohort is None:
        raise Problem.not_found(f"Angkatan {cohort_id} tidak ditemukan.")
    return cohort


def find_cohort(program_id: int, year: int, number: int) -> Cohort | None:
    """The cohort with this natural key (program, year, angkatan), for imports and reconciliation."""
    return db.session.execute(
        sa.select(Cohort).where(Cohort.program_id == program_id, Cohort.year == year, Cohort.number == number)
    ).scalar_one_or_none()


def _enrolled_count(cohort_ids: Sequence[int]) -> dict[int, int]:
    if not cohort_ids:
        return {}
    rows = db.session.execute(
        sa.select(Enrolment.cohort_id, sa.func.count())
        .where(Enrolment.cohort_id.in_(cohort_ids), Enrolment.status != NOT_COUNTED)
        .group_by(Enrolment.cohort_id)
    ).all()
    return dict(rows)


def cohort_capacity(cohort_id: int, *, lock: bool = False) -> tuple[int | None, int]:
    """(quota, enrolled) of a cohort; enrolled counts every enrolment that is not withdrawn; quota None = no
    limit. With `lock`, the cohort row stays locked until the transaction ends (check-then-insert safely)."""
    cohort = get_cohort(cohort_id, lock=lock)
    return cohort.quota, _enrolled_count([cohort.id]).get(cohort.id, 0)


def _status_counts(cohort_id: int) -> dict[str, int]:
    counts = dict.fromkeys(ENROLMENT_STATUSES, 0)
    counts.update(db.session.execute(
        sa.select(Enrolment.status, sa.func.count()).where(Enrolment.cohort_id == cohort_id).group_by(Enrolment.status)
    ).all())
    return counts


def _phases(cohort_id: int) -> list[CohortPhase]:
    return list(db.session.execute(
        sa.select(CohortPhase).where(CohortPhase.cohort_id == cohort_id).order_by(CohortPhase.position)
    ).scalars())


def cohort_out(cohort: Cohort, program: Program, partner: Partner | None, enrolled: int) -> dict:
    """What the API shows of a cohort in a list: its columns, label, program, partner and seats taken."""
    out = {column.key: getattr(cohort, column.key) for column in Cohort.__table__.columns}
    out.update(label=cohort_label(program.code, cohort.number, cohort.year), program=program, partner=partner,
               enrolled=enrolled)
    return out


def cohort_detail(cohort_id: int) -> dict:
    """One cohort with its ordered phases, program, partner and enrolment counts per status."""
    cohort = get_cohort(cohort_id)
    program = db.session.get(Program, cohort.program_id)
    partner = db.session.get(Partner, cohort.partner_id) if cohort.partner_id else None
    counts = _status_counts(cohort.id)
    out = cohort_out(cohort, program, partner, sum(n for s, n in counts.items() if s != NOT_COUNTED))
    out.update(phases=_phases(cohort.id), status_counts=counts)
    return out


TIMINGS = ("upcoming", "running", "finished")  # relative to a day (today): not started, under way, ended


def timing_clause(timing: str, today: date) -> sa.ColumnElement[bool]:
    """Cohorts that on `today` have not started (no start date counts as not started), are running, or ended."""
    if timing == "upcoming":
        return sa.or_(Cohort.start_date.is_(None), Cohort.start_date > today)
    if timing == "running":
        return sa.and_(Cohort.start_date <= today, sa.or_(Cohort.end_date.is_(None), Cohort.end_date >= today))
    if timing == "finished":
        return Cohort.end_date < today
    raise ValueError(f"timing harus salah satu dari {', '.join(TIMINGS)}")


def list_cohorts(*, program_id: int | None = None, program_code: str | None = None, year: int | None = None,
                 partner_id: int | None = None, mode: str | None = None, timing: str | None = None,
                 today: date | None = None, limit: int, offset: int, sort: str | None,
                 cursor: str | None = None) -> Page:
    """A page of cohorts with program, partner and enrolled count: five queries whatever the page size.
    `timing` (TIMINGS) keeps the cohorts upcoming, running or finished on `today` (default: today)."""
    stmt = sa.select(Cohort)
    if timing:
        try:
            stmt = stmt.where(timing_clause(timing, today or date.today()))
        except ValueError as exc:
            raise Problem.invalid(str(exc), errors=[{"field": "timing", "reason": str(exc)}]) from exc
    if program_id is not None:
        stmt = stmt.where(Cohort.program_id == program_id)
    if program_code:
        stmt = stmt.where(Cohort.program_id.in_(
            sa.select(Program.id).where(Program.code == normalise_code(program_code)).scalar_subquery()))
    if year is not None:
        stmt = stmt.where(Cohort.year == year)
    if partner_id is not None:
        stmt = stmt.where(Cohort.partner_id == partner_id)
    if mode:
        stmt = stmt.where(Cohort.mode == mode)
    order = sort_clause(sort, SORTABLE, "-year")
    page = paginate(stmt, limit=limit, offset=offset, cursor=cursor, order_by=order, tiebreak=Cohort.id)
    cohorts: list[Cohort] = page.items
    program_ids = {c.program_id for c in cohorts}
    partner_ids = {c.partner_id for c in cohorts if c.partner_id is not None}
    programs = {p.id: p for p in db.session.execute(
        sa.select(Program).where(Program.id.in_(program_ids))).scalars()} if program_ids else {}
    partners = {p.id: p for p in db.session.execute(
        sa.select(Partner).where(Partner.id.in_(partner_ids))).scalars()} if partner_ids else {}
    enrolled = _enrolled_count([c.id for c in cohorts])
    page.items = [cohort_out(c, programs[c.program_id], partners.get(c.partner_id), enrolled.get(c.id, 0))
                  for c in cohorts]
    return page


# --- validation ------------------------------------------------------------------------------------------


def _fmt(day: date) -> str:
    return day.isoformat()


def _phase_name(index: int, phase: dict) -> str:
    return f"tahap {index + 1} ({phase['name']})"


def validate_phases(phases: Sequence[dict], start: date | None, end: date | None) -> list[dict]:
    """Field errors for an ordered phase list inside a cohort's [start, end] (either may be None = open).

    Paths use the list index as sent (`phases.2.end_date`); messages name phases by position (1-based).
    Phases must be in date order and share no day; a phase may start the day after the previous one ends.
    """
    errors: list[dict] = []
    good: list[int] = []
    for i, phase in enumerate(phases):
        if phase["end_date"] < phase["start_date"]:
            errors.append({"field": f"phases.{i}.end_date",
                           "reason": f"tanggal selesai {_phase_name(i, phase)} ({_fmt(phase['end_date'])}) sebelum "
                                     f"tanggal mulainya ({_fmt(phase['start_date'])})"})
            continue
        good.append(i)
        if start is not None and phase["start_date"] < start:
            errors.append({"field": f"phases.{i}.start_date",
                           "reason": f"{_phase_name(i, phase)} mulai {_fmt(phase['start_date'])}, sebelum angkatan "
                                     f"mulai ({_fmt(start)})"})
        if end is not None and phase["end_date"] > end:
            errors.append({"field": f"phases.{i}.end_date",
                           "reason": f"{_phase_name(i, phase)} selesai {_fmt(phase['end_date'])}, setelah angkatan "
                                     f"selesai ({_fmt(end)})"})
    for b_pos, b in enumerate(good):
        pb = phases[b]
        overlapping = next((a for a in good[:b_pos] if phases[a]["start_date"] <= pb["end_date"]
                            and pb["start_date"] <= phases[a]["end_date"]), None)
        if overlapping is not None:
            pa = phases[overlapping]
            first, last = max(pa["start_date"], pb["start_date"]), min(pa["end_date"], pb["end_date"])
            errors.append({"field": f"phases.{b}.start_date",
                           "reason": f"{_phase_name(b, pb)} tumpang tindih dengan {_phase_name(overlapping, pa)} "
                                     f"({_fmt(first)} s.d. {_fmt(last)})"})
        elif b_pos and pb["start_date"] < phases[good[b_pos - 1]]["start_date"]:
            a = good[b_pos - 1]
            errors.append({"field": f"phases.{b}.start_date",
                           "reason": f"{_phase_name(b, pb)} harus sesudah {_phase_name(a, phases[a])}: urutan tahap "
                                     "mengikuti tanggal"})
    return errors


def validate_sessions(phases: Sequence[dict]) -> list[dict]:
    """Field errors for each phase's dated blocks (inside the phase, in order, not overlapping) and agenda items
    (each on a day of a block)."""
    errors: list[dict] = []
    for i, phase in enumerate(phases):
        blocks = sorted(phase.get("sessions") or [], key=lambda b: b["start_date"])
        for j, block in enumerate(phase.get("sessions") or []):
            where = f"phases.{i}.sessions.{j}"
            if block["end_date"] < block["start_date"]:
                errors.append({"field": f"{where}.end_date", "reason": "selesai sebelum mulai"})
            elif block["start_date"] < phase["start_date"] or block["end_date"] > phase["end_date"]:
                errors.append({"field": f"{where}.start_date",
                               "reason": f"blok {_fmt(block['start_date'])} s.d. {_fmt(block['end_date'])} di luar "
                                         f"{_phase_name(i, phase)}"})
        for a, b in zip(blocks, blocks[1:], strict=False):
            if b["start_date"] <= a["end_date"]:
                errors.append({"field": f"phases.{i}.sessions",
                               "reason": f"blok tumpang tindih pada {_phase_name(i, phase)} ({_fmt(b['start_date'])})"})
        for j, item in enumerate(phase.get("agenda") or []):
            if not any(b["start_date"] <= item["day"] <= b["end_date"] for b in blocks or [phase]):
                errors.append({"field": f"phases.{i}.agenda.{j}.day",
                               "reason": f"{_fmt(item['day'])} bukan hari {_phase_name(i, phase)}"})
    return errors


def _sessions_json(phase: dict) -> tuple[list | None, list | None]:
    sessions = sorted(phase.get("sessions") or [], key=lambda b: b["start_date"])
    agenda = sorted(phase.get("agenda") or [], key=lambda a: a["day"])
    return ([{"start_date": b["start_date"].isoformat(), "end_date": b["end_date"].isoformat(),
              "label": b.get("label")} for b in sessions] or None,
            [{"day": a["day"].isoformat(), "title": a["title"]} for a in agenda] or None)


def session_days(phase) -> list[date]:
    """Every day of the phase's blocks (the whole phase when it has none)."""
    from datetime import timedelta

    blocks = [(date.fromisoformat(b["start_date"]), date.fromisoformat(b["end_date"])) for b in phase.sessions] \
        if phase.sessions else [(phase.start_date, phase.end_date)]
    return [s + timedelta(days=n) for s, e in blocks for n in range((e - s).days + 1)]


def _raise_if(errors: list[dict], detail: str = "Data angkatan tidak valid.") -> None:
    if errors:
        raise Problem.invalid(detail, errors=errors)


def _check_dates(start: date | None, end: date | None) -> list[dict]:
    if start is not None and end is not None and end < start:
        return [{"field": "end_date",
                 "reason": f"tanggal selesai ({_fmt(end)}) sebelum tanggal mulai ({_fmt(start)})"}]
    return []


def _cohort_exists(label: str, existing_id: int | None = None) -> Problem:
    where = f" (id {existing_id})" if existing_id else ""
    return Problem.conflict(f"{label} sudah ada{where}.", field="number", reason=f"{label} sudah ada")


def _phase_snapshot(phases: Sequence[CohortPhase]) -> list[dict]:
    return [audit.snapshot(p) for p in phases]


# --- writes ----------------------------------------------------------------------------------------------


def create_cohort(*, program_id: int, number: int, year: int, partner_id: int | None = None,
                  mode: str = "klasikal", quota: int | None = None, start_date: date | None = None,
                  end_date: date | None = None, phases: Sequence[dict] = ()) -> dict:
    """A new angkatan with its phases (position = list index + 1). Dates left out are taken from the phases."""
    program = db.session.get(Program, program_id)
    errors = [] if program is not None else [{"field": "program_id", "reason": f"program {program_id} tidak ditemukan"}]
    partner = db.session.get(Partner, partner_id) if partner_id is not None else None
    if partner_id is not None and partner is None:
        errors.append({"field": "partner_id", "reason": f"mitra {partner_id} tidak ditemukan"})
    valid_phases = [p for p in phases if p["end_date"] >= p["start_date"]]
    if start_date is None and valid_phases:
        start_date = min(p["start_date"] for p in valid_phases)
    if end_date is None and valid_phases:
        end_date = max(p["end_date"] for p in valid_phases)
    date_errors = _check_dates(start_date, end_date)
    errors += date_errors
    if date_errors:
        start_date = end_date = None  # do not also blame every phase for the cohort's own bad dates
    errors += validate_phases(phases, start_date, end_date)
    errors += validate_sessions(phases)
    _raise_if(errors)
    label = cohort_label(program.code, number, year)
    clash = find_cohort(program_id, year, number)
    if clash is not None:
        raise _cohort_exists(label, clash.id)
    cohort = Cohort(program_id=program_id, number=number, year=year, partner_id=partner_id, mode=mode, quota=quota,
                    start_date=start_date, end_date=end_date)
    insert_unique(cohort, _cohort_exists(label))
    rows = [CohortPhase(cohort_id=cohort.id, position=i + 1, name=p["name"].strip(), start_date=p["start_date"],
                        end_date=p["end_date"], graded=p.get("graded", False),
                        sessions=_sessions_json(p)[0], agenda=_sessions_json(p)[1]) for i, p in enumerate(phases)]
    db.session.add_all(rows)
    db.session.flush()
    audit.record("cohort.create", "cohorts", cohort.id,
                 after={**audit.snapshot(cohort), "phases": _phase_snapshot(rows)})
    tenant_data_changed.send(None, reason="cohort.create")  # cohorts per program (rollups)
    out = cohort_out(cohort, program, partner, 0)
    out.update(phases=rows, status_counts=dict.fromkeys(ENROLMENT_STATUSES, 0))
    return out


_UNSET = object()


def update_cohort(cohort_id: int, **changes) -> dict:
    """Change mode, quota, partner_id, start_date, end_date. A quota below the seats taken is refused (422), as
    are dates that no longer contain the phases."""
    cohort = get_cohort(cohort_id, lock=True)
    before = audit.snapshot(cohort)
    errors: list[dict] = []
    partner_id = changes.get("partner_id", _UNSET)
    if partner_id is not _UNSET:
        find_partner(partner_id)
    if changes.get("quota") is not None:
        _, enrolled = cohort_capacity(cohort.id)
        if changes["quota"] < enrolled:
            errors.append({"field": "quota", "reason": f"kuota {changes['quota']} lebih kecil dari jumlah peserta "
                                                       f"terdaftar ({enrolled})"})
    start = changes.get("start_date", cohort.start_date)
    end = changes.get("end_date", cohort.end_date)
    errors += _check_dates(start, end)
    if "start_date" in changes or "end_date" in changes:
        for phase in _phases(cohort.id):
            if start is not None and phase.start_date < start:
                errors.append({"field": "start_date", "reason": f"tahap {phase.position} ({phase.name}) mulai "
                                                                f"{_fmt(phase.start_date)}, sebelum tanggal ini"})
            if end is not None and phase.end_date > end:
                errors.append({"field": "end_date", "reason": f"tahap {phase.position} ({phase.name}) selesai "
                                                              f"{_fmt(phase.end_date)}, setelah tanggal ini"})
    _raise_if(errors)
    for key, value in changes.items():
        setattr(cohort, key, value)
    db.session.flush()
    audit.record("cohort.update", "cohorts", cohort.id, before=before, after=audit.snapshot(cohort))
    return cohort_detail(cohort.id)


def replace_phases(cohort_id: int, phases: Sequence[dict]) -> dict:
    """Replace the phase list. An item with an `id` keeps that phase (and its results); phases left out are
    removed, which is refused (409) when participants already have results in them."""
    cohort = get_cohort(cohort_id, lock=True)
    current = {p.id: p for p in _phases(cohort.id)}
    errors = []
    seen: set[int] = set()
    for i, phase in enumerate(phases):
        phase_id = phase.get("id")
        if phase_id is None:
            continue
        if phase_id not in current:
            errors.append({"field": f"phases.{i}.id", "reason": f"tahap {phase_id} bukan tahap angkatan ini"})
        elif phase_id in seen:
            errors.append({"field": f"phases.{i}.id", "reason": f"tahap {phase_id} disebut lebih dari sekali"})
        seen.add(phase_id)
    start, end = cohort.start_date, cohort.end_date
    errors += validate_phases(phases, start, end)
    errors += validate_sessions(phases)
    _raise_if(errors, "Daftar tahap tidak valid.")
    removed = [pid for pid in current if pid not in seen]
    if removed:
        graded = db.session.execute(
            sa.select(PhaseResult.phase_id, sa.func.count()).where(PhaseResult.phase_id.in_(removed))
            .group_by(PhaseResult.phase_id)
        ).all()
        if graded:
            names = ", ".join(f"tahap {current[pid].position} ({current[pid].name}): {n} hasil" for pid, n in graded)
            raise Problem.conflict(f"Tahap yang sudah punya hasil peserta tidak bisa dihapus: {names}.",
                                   errors=[{"field": "phases",
                                            "reason": f"tahap {current[pid].position} sudah punya hasil"}
                                           for pid, _ in graded])
    before = _phase_snapshot(current.values())
    for pid in removed:
        db.session.delete(current[pid])
    for phase in current.values():  # free the positions first: (cohort_id, position) is unique
        if phase.id in seen:
            phase.position = -phase.position
    db.session.flush()
    rows = []
    for i, phase in enumerate(phases):
        row = current[phase["id"]] if phase.get("id") is not None else CohortPhase(cohort_id=cohort.id)
        row.position, row.name, row.start_date, row.end_date = i + 1, phase["name"].strip(), phase["start_date"], \
            phase["end_date"]
        row.graded = phase.get("graded", False)
        row.sessions, row.agenda = _sessions_json(phase)
        db.session.add(row)
        rows.append(row)
    if cohort.start_date is None and rows:
        cohort.start_date = min(r.start_date for r in rows)
    if cohort.end_date is None and rows:
        cohort.end_date = max(r.end_date for r in rows)
    db.session.flush()
    audit.record("cohort.phases.replace", "cohorts", cohort.id, before={"phases": before},
                 after={"phases": _phase_snapshot(rows)})
    return cohort_detail(cohort.id)

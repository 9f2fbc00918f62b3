"""Results for a whole cohort at once: the results sheet (download the roster as XLSX with empty result columns,
fill it, upload it back) and the bulk status change (mark everyone attending, or passed with STTPP numbers
generated from a pattern such as `STTPP/{seq:03}/PKA-II/BPSDM/2024`).

Both go preview → confirm → row report, like the imports: the preview validates every row against the same
rules as one person's transition (graded phases passed before a pass, STTPP date and number rules, JP within the
program's), answers a report per row and a `token`; the confirmation with that token writes every valid row in a
few set-based statements (phase results, enrolments, the JP ledger) and one audit entry with the list.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

import sqlalchemy as sa

from app.domain.dates import parse_file_date
from app.domain.nip import NipError, clean_nip
from app.extensions import db
from app.models.catalogue import Program
from app.models.cohorts import Cohort, CohortPhase, Enrolment, PhaseResult
from app.models.employees import Employee, Opd
from app.problems import Problem
from app.services.audit import log as audit
from app.services.cohorts.enrolments import (
    certificate_date_problem,
    earliest_certificate_date,
    sync_ledger,
)
from app.services.cohorts.schedule import cohort_label, get_cohort
from app.services.files import rows as cells
from app.services.files.readers import FileFormatError, normalise_header, open_table
from app.services.scope import employee_in_scope_clause, scoped
from app.signals import tenant_data_changed

OUTCOME_WORDS = {"lulus": "passed", "tidak lulus": "failed", "tidak_lulus": "failed", "mengundurkan diri": "withdrawn",
                 "mengundurkan_diri": "withdrawn", "passed": "passed", "failed": "failed", "withdrawn": "withdrawn"}
PHASE_WORDS = {"lulus": True, "tidak lulus": False, "tidak_lulus": False, "ya": True, "tidak": False}
OUTCOME_LABELS = {"passed": "LULUS", "failed": "TIDAK LULUS", "withdrawn": "MENGUNDURKAN DIRI"}
MAX_ROWS = 20_000


def _phase_headers(phase: CohortPhase) -> tuple[str, str]:
    name = phase.name.upper()
    return f"HASIL {name}", f"NILAI {name}"


def _graded(cohort_id: int) -> list[CohortPhase]:
    return list(db.session.execute(sa.select(CohortPhase).where(CohortPhase.cohort_id == cohort_id,
                                                                CohortPhase.graded)
                                   .order_by(CohortPhase.position)).scalars())


def _roster(cohort_id: int) -> list:
    return db.session.execute(
        sa.select(Enrolment.id, Enrolment.status, Enrolment.score, Enrolment.certificate_number,
                  Enrolment.certificate_date, Enrolment.jp_earned, Employee.nip, Employee.name,
                  Opd.name.label("opd"))
        .join(Employee, Employee.id == Enrolment.employee_id).outerjoin(Opd, Opd.id == Employee.opd_id)
        .where(Enrolment.cohort_id == cohort_id, *scoped(employee_in_scope_clause()))
        .order_by(Employee.name_key, Enrolment.id)).all()


# --- the sheet to download --------------------------------------------------------------------------------------


def sheet(cohort_id: int) -> tuple[list[tuple[str, str]], list[dict], str]:
    """(columns, rows, label): the roster with its current results; blank result cells to fill in."""
    cohort = get_cohort(cohort_id)
    program = db.session.get(Program, cohort.program_id)
    phases = _graded(cohort.id)
    results = {(r.enrolment_id, r.phase_id): r for r in db.session.execute(
        sa.select(PhaseResult).join(Enrolment, Enrolment.id == PhaseResult.enrolment_id)
        .where(Enrolment.cohort_id == cohort.id)).scalars()}
    columns = [("nip", "NIP"), ("name", "NAMA"), ("opd", "OPD"), ("status", "STATUS SAAT INI")]
    for p in phases:
        h, n = _phase_headers(p)
        columns += [(f"p{p.id}", h), (f"s{p.id}", n)]
    columns += [("result", "HASIL"), ("score", "NILAI"), ("number", "NO_STTPP"), ("date", "TGL_STTPP"), ("jp", "JP")]
    rows = []
    for r in _roster(cohort.id):
        row = {"nip": r.nip, "name": r.name, "opd": r.opd or "", "status": r.status,
               "result": OUTCOME_LABELS.get(r.status, ""), "score": r.score,
               "number": r.certificate_number or "", "date": r.certificate_date, "jp": r.jp_earned}
        for p in phases:
            res = results.get((r.id, p.id))
            row[f"p{p.id}"] = "" if res is None else ("LULUS" if res.passed else "TIDAK LULUS")
            row[f"s{p.id}"] = None if res is None else res.score
        rows.append(row)
    return columns, rows, cohort_label(program.code, cohort.number, cohort.year)


# --- reading an uploaded sheet ----------------------------------------------------------------------------------


def rows_from_upload(cohort_id: int, stream, filename: str) -> list[dict]:
    """The sheet's rows as {row, nip, outcome, score, number, date, jp, phases: {phase id: (passed, score)}}:
    raw text cells (validated by `plan`)."""
    import tempfile

    phases = _graded(cohort_id)
    suffix = ".xlsx" if (filename or "").lower().endswith(".xlsx") else ".csv"
    with tempfile.NamedTemporaryFile(suffix=suffix) as tmp:
        while chunk := stream.read(1 << 20):
            tmp.write(chunk)
        tmp.flush()
        try:
            with open_table(tmp.name) as reader:
                if "nip" not in reader.columns or "hasil" not in reader.columns:
                    raise FileFormatError("missing_columns", "Lembar hasil harus punya kolom NIP dan HASIL.")
                keys = {p.id: tuple(normalise_header(h) for h in _phase_headers(p)) for p in phases}
                out = []
                for row in reader.rows():
                    v = row.values
                    out.append({"row": row.number, "nip": v.get("nip"), "outcome": cells.text(v.get("hasil")),
                                "score": cells.text(v.get("nilai")), "number": cells.text(v.get("no_sttpp")),
                                "date": v.get("tgl_sttpp"), "jp": cells.text(v.get("jp")),
                                "phases": {pid: (cells.text(v.get(h)), cells.text(v.get(s)))
                                           for pid, (h, s) in keys.items()}})
                    if len(out) > MAX_ROWS:
                        raise FileFormatError("too_many_rows", f"Paling banyak {MAX_ROWS} baris.")
                return out
        except FileFormatError as exc:
            raise Problem.invalid(exc.message, field="file", reason=exc.message) from exc


# --- the plan ---------------------------------------------------------------------------------------------------


@dataclass
class Plan:
    cohort: Cohort
    program: Program
    report: list[dict] = field(default_factory=list)  # {row, nip, name, action, errors}
    writes: list[dict] = field(default_factory=list)  # {id, status, number, date, jp, score}
    phase_writes: list[tuple[int, int, bool, Decimal | None]] = field(default_factory=list)

    def token(self) -> str:
        text = repr([(w["id"], w["status"], w["number"], str(w["date"]), w["jp"], str(w["score"]))
                     for w in self.writes]) + repr(self.phase_writes)
        return hashlib.sha256(text.encode()).hexdigest()[:32]

    def out(self) -> dict:
        errors = [r for r in self.report if r["errors"]]
        actions: dict[str, int] = {}
        for r in self.report:
            if not r["errors"]:
                actions[r["action"]] = actions.get(r["action"], 0) + 1
        return {"cohort_id": self.cohort.id, "rows": len(self.report), "valid": len(self.report) - len(errors),
                "invalid": len(errors), "actions": actions, "report": self.report, "token": self.token(),
                "confirmed": False, "written": 0}


def _score(text: str) -> Decimal | None:
    if not text:
        return None
    try:
        value = Decimal(text.replace(",", "."))
    except InvalidOperation:
        raise ValueError(f"nilai tidak valid: {text!r}") from None
    if not 0 <= value <= 100:
        raise ValueError(f"nilai harus 0..100, bukan {text}")
    return value.quantize(Decimal("0.01"))


def _day(value) -> date | None:
    if value in (None, ""):
        return None
    if isinstance(value, date):
        return value
    return parse_file_date(cells.text(value))


def _pattern(pattern: str | None):
    if not pattern:
        return None
    if "{seq" not in pattern:
        raise Problem.invalid("Pola nomor STTPP harus memuat {seq}, mis. STTPP/{seq:03}/PKA-II/BPSDM/2024.",
                              field="sttpp_pattern", reason="harus memuat {seq}")
    try:
        pattern.format(seq=1)
    except (KeyError, ValueError, IndexError) as exc:
        raise Problem.invalid(f"Pola nomor STTPP tidak valid: {exc}.", field="sttpp_pattern",
                              reason="pola tidak valid") from exc
    return pattern


def plan(cohort_id: int, rows: list[dict], *, sttpp_pattern: str | None = None, sttpp_start: int = 1,
         certificate_date: date | None = None, lock: bool = False) -> Plan:
    """Validate every row (one query for the roster, one for the phase results, one for the STTPP numbers in
    use) and work out what to write."""
    cohort = get_cohort(cohort_id, lock=lock)
    program = db.session.get(Program, cohort.program_id)
    pattern = _pattern(sttpp_pattern)
    out = Plan(cohort=cohort, program=program)
    phases = {p.id: p for p in _graded(cohort.id)}
    roster = {r.nip: r for r in _roster(cohort.id)}
    existing = {(r.enrolment_id, r.phase_id): r.passed for r in db.session.execute(
        sa.select(PhaseResult.enrolment_id, PhaseResult.phase_id, PhaseResult.passed)
        .join(Enrolment, Enrolment.id == PhaseResult.enrolment_id).where(Enrolment.cohort_id == cohort.id))}
    in_sheet = {roster[n].id for n in roster}
    taken = {n for (n,) in db.session.execute(
        sa.select(sa.func.upper(sa.func.btrim(Enrolment.certificate_number)))
        .join(Cohort, Cohort.id == Enrolment.cohort_id)
        .where(Cohort.program_id == program.id, Cohort.year == cohort.year, Enrolment.status == "passed",
               Enrolment.id.not_in(in_sheet) if in_sheet else sa.true()))}
    earliest = earliest_certificate_date(cohort)
    seen: set[str] = set()
    used: dict[str, int] = {}
    seq = sttpp_start
    for raw in rows:
        errors: list[str] = []
        entry = {"row": raw.get("row"), "nip": cells.text(raw.get("nip")), "name": None, "action": "unchanged",
                 "errors": errors}
        out.report.append(entry)
        try:
            nip = clean_nip(raw.get("nip"))
        except NipError as exc:
            errors.append(exc.message)
            continue
        entry["nip"] = nip
        if nip in seen:
            errors.append("NIP disebut lebih dari sekali di lembar ini")
            continue
        seen.add(nip)
        person = roster.get(nip)
        if person is None:
            errors.append("bukan peserta angkatan ini")
            continue
        entry["name"] = person.name
        outcome_text = (raw.get("outcome") or "").strip().lower()
        outcome = OUTCOME_WORDS.get(outcome_text) if outcome_text else None
        if outcome_text and outcome is None:
            errors.append(f"HASIL tidak dikenal: {raw.get('outcome')!r} (LULUS, TIDAK LULUS, MENGUNDURKAN DIRI)")
            continue
        phase_rows = []
        for pid, (res, sc) in (raw.get("phases") or {}).items():
            if not res and not sc:
                continue
            passed = PHASE_WORDS.get(res.strip().lower()) if res else None
            if passed is None:
                errors.append(f"hasil {phases[pid].name} tidak dikenal: {res!r} (LULUS / TIDAK LULUS)")
                continue
            try:
                phase_rows.append((person.id, pid, passed, _score(sc)))
            except ValueError as exc:
                errors.append(f"{phases[pid].name}: {exc}")
        try:
            score = _score(raw.get("score") or "")
        except ValueError as exc:
            errors.append(str(exc))
            score = None
        if errors:
            continue
        finished = person.status in ("passed", "failed", "withdrawn")
        if finished:
            if outcome not in (None, person.status) or phase_rows:
                errors.append(f"hasil akhir sudah tercatat ({OUTCOME_LABELS[person.status]}); ubah lewat koreksi")
            continue
        if outcome is None:
            if phase_rows:
                entry["action"] = "phase_results"
                out.phase_writes += phase_rows
            continue
        number = date_ = jp = None
        if outcome == "passed":
            now = {pid: existing.get((person.id, pid)) for pid in phases}
            now.update({pid: passed for _, pid, passed, _ in phase_rows})
            unpassed = [phases[pid].name for pid, ok in now.items() if not ok]
            if unpassed:
                errors.append(f"fase bernilai belum lulus: {', '.join(unpassed)}")
            number = (raw.get("number") or "").strip()
            if not number and pattern:
                number = pattern.format(seq=seq)
                seq += 1
            if not number:
                errors.append("NO_STTPP wajib untuk LULUS (atau beri pola nomor STTPP)")
            try:
                date_ = _day(raw.get("date")) or certificate_date
            except Exception:  # noqa: BLE001 - the date parser's errors are all "not a date"
                errors.append(f"TGL_STTPP tidak valid: {raw.get('date')!r}")
            if date_ is None and not any("TGL_STTPP" in e for e in errors):
                errors.append("TGL_STTPP wajib untuk LULUS (atau beri tanggal STTPP)")
            elif date_ is not None:
                why = certificate_date_problem(cohort, date_, earliest=earliest)
                if why:
                    errors.append(why)
            jp_text = (raw.get("jp") or "").strip()
            jp = program.jp
            if jp_text:
                try:
                    jp = int(Decimal(jp_text.replace(",", ".")))
                except InvalidOperation:
                    jp = -1
                if not 1 <= jp <= program.jp:
                    errors.append(f"JP harus 1..{program.jp}")
            key = number.strip().upper() if number else ""
            if key and key in taken:
                errors.append(f"nomor STTPP {number} sudah dipakai peserta lain program ini tahun {cohort.year}")
            elif key and key in used:
                errors.append(f"nomor STTPP {number} juga ada di baris {used[key]}")
            elif key:
                used[key] = entry["row"]
        if errors:
            continue
        entry["action"] = outcome
        entry["certificate_number"] = number
        out.phase_writes += phase_rows
        out.writes.append({"id": person.id, "status": outcome, "number": number, "date": date_, "jp": jp,
                           "score": score if score is not None else person.score})
    return out


def confirm(p: Plan, token: str | None, *, source: str, actor: tuple[int | None, str | None] | None = None) -> dict:
    """Write what the plan says (its valid rows), when `token` is the preview's. `actor`: the person a job works
    for (default: the request's)."""
    if not token:
        raise Problem.invalid("Kirim token dari pratinjau untuk mengonfirmasi.", field="token", reason="wajib diisi")
    if token != p.token():
        raise Problem.conflict("Data berubah sejak pratinjau; lihat pratinjau lagi.",
                               errors=[{"field": "token", "reason": "pratinjau sudah tidak berlaku"}],
                               type_="bulk-preview-stale")
    if p.phase_writes:
        e, ph, ok, sc = zip(*p.phase_writes, strict=True)
        db.session.execute(sa.text(
            "INSERT INTO phase_results (enrolment_id, phase_id, passed, score) "
            "SELECT * FROM unnest(CAST(:e AS int[]), CAST(:p AS int[]), CAST(:ok AS bool[]), CAST(:sc AS numeric[])) "
            "ON CONFLICT (enrolment_id, phase_id) DO UPDATE SET passed = EXCLUDED.passed, score = EXCLUDED.score"),
            {"e": list(e), "p": list(ph), "ok": list(ok), "sc": list(sc)})
    if p.writes:
        w = p.writes
        db.session.execute(sa.text(
            "UPDATE enrolments n SET status = v.status, certificate_number = v.number, certificate_date = v.day, "
            "       jp_earned = v.jp, score = v.score, status_changed_at = now() "
            "FROM unnest(CAST(:id AS int[]), CAST(:st AS text[]), CAST(:num AS text[]), CAST(:day AS date[]), "
            "            CAST(:jp AS int[]), CAST(:sc AS numeric[])) AS v(id, status, number, day, jp, score) "
            "WHERE n.id = v.id"),
            {"id": [x["id"] for x in w], "st": [x["status"] for x in w], "num": [x["number"] for x in w],
             "day": [x["date"] for x in w], "jp": [x["jp"] for x in w], "sc": [x["score"] for x in w]})
        sync_ledger([x["id"] for x in w])
    result = p.out()
    audit.record("enrolment.results_upload", "cohorts", p.cohort.id, after={
        "source": source, "rows": result["rows"], "invalid": result["invalid"], "actions": result["actions"],
        "written": [{"enrolment_id": x["id"], "status": x["status"], "certificate_number": x["number"]}
                    for x in p.writes],
        "phase_results": len(p.phase_writes)}, actor=actor)
    if p.writes or p.phase_writes:
        db.session.flush()
        tenant_data_changed.send(None, reason="enrolment.results_upload")
    result.update(confirmed=True, written=len(p.writes))
    return result


def run(cohort_id: int, rows: list[dict], *, confirm_it: bool, token: str | None, source: str,
        actor: tuple[int | None, str | None] | None = None, **options) -> dict:
    p = plan(cohort_id, rows, lock=confirm_it, **options)
    return confirm(p, token, source=source, actor=actor) if confirm_it else p.out()


def bulk_status(cohort_id: int, to: str, enrolment_ids: list[int] | None, *, confirm_it: bool, token: str | None,
                actor: tuple[int | None, str | None] | None = None, **options) -> dict:
    """The bulk status change (API and page): attending for the registered, else the outcome `to` for everyone
    open (or the listed), through the same plan as a sheet."""
    if to == "attending":
        return mark_attending(cohort_id, enrolment_ids, confirm_it=confirm_it, token=token, actor=actor)
    rows = bulk_status_rows(cohort_id, to, enrolment_ids)
    return run(cohort_id, rows, confirm_it=confirm_it, token=token, source="bulk-status", actor=actor, **options)


def rows_to_json(rows: list[dict]) -> list[dict]:
    """A sheet's rows as JSON values (dates as ISO text, phase ids as text keys), to carry from the preview to the
    confirmation (a page's hidden field, a job's parameters); `rows_from_json` reads them back."""
    out = []
    for r in rows:
        when = r.get("date")
        if isinstance(when, datetime):
            when = when.date()
        out.append({**r, "date": when.isoformat() if isinstance(when, date) else when,
                    "phases": {str(k): list(v) for k, v in (r.get("phases") or {}).items()}})
    return out


def rows_from_json(rows: list[dict]) -> list[dict]:
    """What `rows_to_json` made, as `plan` reads it (a 422 naming `rows` for anything else)."""
    try:
        return [{"row": int(r["row"]) if r.get("row") is not None else None, "nip": r.get("nip"),
                 "outcome": str(r.get("outcome") or ""), "score": str(r.get("score") or ""),
                 "number": str(r.get("number") or ""), "date": r.get("date"), "jp": str(r.get("jp") or ""),
                 "phases": {int(k): (str(v[0] or ""), str(v[1] or "")) for k, v in (r.get("phases") or {}).items()}}
                for r in rows]
    except (TypeError, ValueError, KeyError, IndexError, AttributeError) as exc:
        raise Problem.invalid("Data lembar hasil rusak; unggah lagi lembarnya.", field="rows",
                              reason="tidak terbaca") from exc


def bulk_status_rows(cohort_id: int, to: str, enrolment_ids: list[int] | None) -> list[dict]:
    """Rows for a bulk status change: every open participant (or the listed ones) moved to `to`."""
    if to not in ("attending", "passed", "failed", "withdrawn"):
        raise Problem.invalid("Status tujuan tidak dikenal.", field="to", reason="attending, passed, failed, withdrawn")
    stmt = (sa.select(Enrolment.id, Employee.nip).join(Employee, Employee.id == Enrolment.employee_id)
            .where(Enrolment.cohort_id == cohort_id, Enrolment.status.in_(("registered", "attending")),
                   *scoped(employee_in_scope_clause())).order_by(Employee.name_key, Enrolment.id))
    if enrolment_ids is not None:
        stmt = stmt.where(Enrolment.id.in_(enrolment_ids))
    word = {"passed": "LULUS", "failed": "TIDAK LULUS", "withdrawn": "MENGUNDURKAN DIRI"}.get(to)
    return [{"row": i, "nip": r.nip, "outcome": word or "", "attending": to == "attending"}
            for i, r in enumerate(db.session.execute(stmt), start=1)]


def mark_attending(cohort_id: int, enrolment_ids: list[int] | None, *, confirm_it: bool, token: str | None,
                   actor: tuple[int | None, str | None] | None = None) -> dict:
    """Bulk: registered → attending (for everyone open, or the listed)."""
    get_cohort(cohort_id, lock=confirm_it)
    stmt = (sa.select(Enrolment.id).join(Employee, Employee.id == Enrolment.employee_id)
            .where(Enrolment.cohort_id == cohort_id, Enrolment.status == "registered",
                   *scoped(employee_in_scope_clause())).order_by(Enrolment.id))
    if enrolment_ids is not None:
        stmt = stmt.where(Enrolment.id.in_(enrolment_ids))
    ids = list(db.session.execute(stmt).scalars())
    digest = hashlib.sha256(repr(ids).encode()).hexdigest()[:32]
    out = {"cohort_id": cohort_id, "rows": len(ids), "valid": len(ids), "invalid": 0,
           "actions": {"attending": len(ids)} if ids else {}, "report": [], "token": digest, "confirmed": False,
           "written": 0}
    if not confirm_it:
        return out
    if token != digest:
        raise Problem.conflict("Data berubah sejak pratinjau; lihat pratinjau lagi.",
                               errors=[{"field": "token", "reason": "pratinjau sudah tidak berlaku"}],
                               type_="bulk-preview-stale")
    if ids:
        db.session.execute(sa.text("UPDATE enrolments SET status = 'attending', status_changed_at = now() "
                                   "WHERE id = ANY(:ids) AND status = 'registered'"), {"ids": ids})
        tenant_data_changed.send(None, reason="enrolment.bulk_status")
    audit.record("enrolment.bulk_status", "cohorts", cohort_id, after={"to": "attending", "enrolment_ids": ids},
                 actor=actor)
    out.update(confirmed=True, written=len(ids))
    return out

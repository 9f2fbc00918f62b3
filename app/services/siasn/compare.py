"""Compare: a person's (or a cohort's) training history here with their riwayat diklat / kursus at SIASN.

Each row is `same`, `different` (JP, certificate number, year or end date differ), `siasn_only` or `local_only`.
A local line is the JP ledger (jp_entries: passed cohorts and other training); it is matched to a SIASN record by
the rwDiklatId / rwKursusId stored when it was pushed, else by certificate number. Per row an operator may
"send ours" (SIASN gets our values: a push) or "take theirs" (our ledger gets SIASN's values); both are audited,
and each changes one side only.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import date, datetime

import sqlalchemy as sa
from flask import current_app

from app.extensions import db
from app.models.catalogue import Program
from app.models.cohorts import Cohort, Enrolment
from app.models.employees import Employee, JpEntry
from app.models.siasn import SiasnProgramMap, SiasnPush
from app.problems import Problem
from app.services.audit import log as audit
from app.services.cohorts.enrolments import sync_ledger
from app.services.siasn import connection as settings
from app.services.siasn import push as pushes
from app.services.siasn.client import SiasnClient, SiasnError
from app.services.siasn.mapping import latihan_struktural, mapping_for

COMPARED = ("jumlah_jam", "nomor", "tahun", "tanggal_selesai")
KINDS = ("diklat", "kursus")


def _day(value) -> date | None:
    if not value:
        return None
    for fmt in ("%d-%m-%Y", "%Y-%m-%d"):
        try:
            return datetime.strptime(str(value)[:10], fmt).date()
        except ValueError:
            continue
    return None


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def theirs_view(kind: str, r: dict) -> dict:
    if kind == "diklat":
        name = r.get("latihanStrukturalNama") or latihan_struktural().get(str(r.get("latihanStrukturalId"))) or "Diklat"
        return {"kind": kind, "siasn_id": str(r.get("id")), "nama": name, "nomor": r.get("nomor"),
                "jumlah_jam": _int(r.get("jumlahJam")), "tahun": _int(r.get("tahun")),
                "tanggal_mulai": _day(r.get("tanggal")), "tanggal_selesai": _day(r.get("tanggalSelesai")),
                "reference": str(r.get("latihanStrukturalId"))}
    return {"kind": kind, "siasn_id": str(r.get("id")), "nama": r.get("namaKursus") or "Kursus",
            "nomor": r.get("nomorSertipikat"), "jumlah_jam": _int(r.get("jumlahJam")),
            "tahun": _int(r.get("tahunKursus")), "tanggal_mulai": _day(r.get("tanggalKursus")),
            "tanggal_selesai": _day(r.get("tanggalSelesaiKursus")), "reference": str(r.get("jenisDiklatId"))}


def _ours(employee_id: int) -> list[dict]:
    rows = db.session.execute(
        sa.select(JpEntry, Enrolment, Cohort, Program, SiasnProgramMap, SiasnPush)
        .outerjoin(Enrolment, Enrolment.id == JpEntry.enrolment_id)
        .outerjoin(Cohort, Cohort.id == Enrolment.cohort_id).outerjoin(Program, Program.id == Cohort.program_id)
        .outerjoin(SiasnProgramMap, SiasnProgramMap.program_id == Program.id)
        .outerjoin(SiasnPush, SiasnPush.enrolment_id == Enrolment.id)
        .where(JpEntry.employee_id == employee_id).order_by(JpEntry.completed_on, JpEntry.id)).all()
    out = []
    for entry, _enrolment, cohort, program, map_row, push in rows:
        mapping = mapping_for(program, map_row) if program is not None else {"kind": "kursus"}
        linked = push.siasn_id if push is not None and push.state == "sent" else None
        out.append({"kind": push.kind if linked else mapping["kind"], "jp_entry_id": entry.id,
                    "enrolment_id": entry.enrolment_id, "cohort_id": cohort.id if cohort else None,
                    "program_id": program.id if program else None, "siasn_id": linked, "nama": entry.title,
                    "nomor": entry.certificate_number, "jumlah_jam": entry.jp, "tahun": entry.year,
                    "tanggal_mulai": cohort.start_date if cohort else None, "tanggal_selesai": entry.completed_on,
                    "reference": (mapping.get("latihan_struktural_id") if mapping["kind"] == "diklat"
                                  else str(mapping.get("jenis_diklat_id"))) if program is not None else None})
    return out


def _fetch(client: SiasnClient, nip: str) -> dict[str, list[dict]]:
    return {kind: [theirs_view(kind, r) for r in client.history(kind, nip)] for kind in KINDS}


def _pair(ours: list[dict], theirs: dict[str, list[dict]]) -> list[dict]:
    remaining = {(t["kind"], t["siasn_id"]): t for kind in KINDS for t in theirs[kind]}
    rows = []
    for o in ours:
        match = remaining.pop((o["kind"], o["siasn_id"]), None) if o["siasn_id"] else None
        if match is None and o["nomor"]:
            # A line outside a cohort has no mapping: it is whichever kind SIASN holds with its number.
            key = next((k for k, t in remaining.items()
                        if (k[0] == o["kind"] or o["program_id"] is None) and t["nomor"] == o["nomor"]), None)
            match = remaining.pop(key) if key else None
        if match is None:
            rows.append({"status": "local_only", "ours": o, "theirs": None, "differences": []})
            continue
        diffs = [f for f in COMPARED if (o[f] or None) != (match[f] or None)]
        rows.append({"status": "different" if diffs else "same", "ours": o, "theirs": match, "differences": diffs})
    rows += [{"status": "siasn_only", "ours": None, "theirs": t, "differences": []} for t in remaining.values()]
    return rows


def _employee(employee_id: int) -> Employee:
    employee = db.session.get(Employee, employee_id)
    if employee is None:
        raise Problem.not_found(f"Pegawai {employee_id} tidak ditemukan.")
    return employee


def _unavailable(exc: SiasnError) -> Problem:
    return Problem.unavailable(f"SIASN tidak bisa dibaca: {exc.message}", retry_after=60)


def compare_person(employee_id: int) -> dict:
    employee = _employee(employee_id)
    try:
        theirs = _fetch(settings.client(), employee.nip)
    except SiasnError as exc:
        raise _unavailable(exc) from exc
    rows = _pair(_ours(employee_id), theirs)
    return {"employee": {"id": employee.id, "nip": employee.nip, "name": employee.name}, "rows": rows,
            "counts": _counts(rows)}


def _counts(rows: list[dict]) -> dict:
    counts = dict.fromkeys(("same", "different", "siasn_only", "local_only"), 0)
    for r in rows:
        counts[r["status"]] += 1
    return counts


def compare_cohort(cohort_id: int) -> dict:
    """Every passed participant of the cohort: their rows for this cohort, and SIASN records of the same training
    and year that are not ours (SIASN only)."""
    cohort = db.session.get(Cohort, cohort_id)
    if cohort is None:
        raise Problem.not_found(f"Angkatan {cohort_id} tidak ditemukan.")
    program = db.session.get(Program, cohort.program_id)
    mapping = mapping_for(program)
    reference = mapping["latihan_struktural_id"] if mapping["kind"] == "diklat" else str(mapping["jenis_diklat_id"])
    people = db.session.execute(
        sa.select(Employee.id, Employee.nip, Employee.name).join(Enrolment, Enrolment.employee_id == Employee.id)
        .where(Enrolment.cohort_id == cohort_id, Enrolment.status == "passed").order_by(Employee.name_key)).all()
    client = settings.client()
    with ThreadPoolExecutor(max_workers=max(1, int(current_app.config.get("SIASN_CONCURRENCY", 16)))) as pool:
        try:
            fetched = list(pool.map(lambda p: _fetch(client, p.nip), people))
        except SiasnError as exc:
            raise _unavailable(exc) from exc
    out = []
    for person, theirs in zip(people, fetched, strict=True):
        for row in _pair(_ours(person.id), theirs):
            o, t = row["ours"], row["theirs"]
            if (o and o["cohort_id"] == cohort_id) or (o is None and t["kind"] == mapping["kind"]
                                                        and t["reference"] == reference and t["tahun"] == cohort.year):
                out.append({**row, "employee": {"id": person.id, "nip": person.nip, "name": person.name}})
    return {"cohort_id": cohort_id, "rows": out, "counts": _counts(out)}


# --- actions -----------------------------------------------------------------------------------------------


def send_ours(employee_id: int, jp_entry_id: int) -> dict:
    """SIASN gets our values for this line: the result is queued for a push (call push.start after commit)."""
    entry = db.session.get(JpEntry, jp_entry_id)
    if entry is None or entry.employee_id != employee_id:
        raise Problem.not_found(f"Baris JP {jp_entry_id} tidak ditemukan.")
    if entry.enrolment_id is None:
        raise Problem.conflict("Hanya hasil angkatan yang dikirim ke SIASN dari Kompeten.", field="jp_entry_id",
                               reason="bukan hasil angkatan")
    queued = pushes.queue_results(enrolment_ids=[entry.enrolment_id])
    audit.record("siasn.send_ours", "jp_entries", entry.id, after={"enrolment_id": entry.enrolment_id,
                                                                    "push_ids": queued["push_ids"]})
    return queued


def take_theirs(employee_id: int, kind: str, siasn_id: str) -> dict:
    """Our ledger gets SIASN's values for this record (JP, certificate number, year, end date); SIASN is not
    written. A record we do not have becomes a ledger line of training outside a cohort."""
    employee = _employee(employee_id)
    if kind not in KINDS:
        raise Problem.invalid("Jenis riwayat harus diklat atau kursus.", field="kind", reason="diklat atau kursus")
    try:
        theirs = _fetch(settings.client(), employee.nip)
    except SiasnError as exc:
        raise _unavailable(exc) from exc
    row = next((r for r in _pair(_ours(employee_id), theirs)
                if r["theirs"] is not None and (r["theirs"]["kind"], r["theirs"]["siasn_id"]) == (kind, siasn_id)),
               None)
    if row is None:
        raise Problem.not_found(f"Riwayat {kind} {siasn_id} tidak ada di SIASN untuk NIP {employee.nip}.")
    t = row["theirs"]
    if not t["jumlah_jam"] or t["jumlah_jam"] <= 0:
        raise Problem.conflict("Riwayat SIASN ini tidak punya JP; tidak bisa diambil.", field="jumlah_jam",
                               reason="JP SIASN kosong")
    completed = t["tanggal_selesai"] or t["tanggal_mulai"] or (date(t["tahun"], 12, 31) if t["tahun"] else None)
    if completed is None:
        raise Problem.conflict("Riwayat SIASN ini tidak punya tanggal; tidak bisa diambil.", field="tanggal_selesai",
                               reason="tanggal SIASN kosong")
    if row["ours"] is None:
        entry = JpEntry(employee_id=employee_id, year=t["tahun"] or completed.year, jp=t["jumlah_jam"],
                        source="other", title=t["nama"][:300], certificate_number=t["nomor"], completed_on=completed)
        db.session.add(entry)
        db.session.flush()
        audit.record("siasn.take_theirs", "jp_entries", entry.id, before=None,
                     after={**audit.snapshot(entry, ("year", "jp", "title", "certificate_number", "completed_on")),
                            "siasn_id": siasn_id})
        return {"jp_entry_id": entry.id, "created": True}
    entry = db.session.get(JpEntry, row["ours"]["jp_entry_id"])
    before = audit.snapshot(entry, ("year", "jp", "certificate_number", "completed_on"))
    if entry.enrolment_id is not None:
        enrolment = db.session.get(Enrolment, entry.enrolment_id)
        program = db.session.get(Program, db.session.get(Cohort, enrolment.cohort_id).program_id)
        if t["jumlah_jam"] > program.jp:
            raise Problem.conflict(f"JP SIASN ({t['jumlah_jam']}) melebihi JP program {program.code} ({program.jp}).",
                                   field="jumlah_jam", reason="melebihi JP program")
        enrolment.jp_earned = t["jumlah_jam"]
        enrolment.certificate_number = t["nomor"] or enrolment.certificate_number
        enrolment.certificate_date = completed
        db.session.flush()
        sync_ledger([enrolment.id])
        db.session.refresh(entry)
    else:
        entry.jp, entry.certificate_number, entry.completed_on = t["jumlah_jam"], t["nomor"], completed
        entry.year = t["tahun"] or completed.year
        db.session.flush()
    audit.record("siasn.take_theirs", "jp_entries", entry.id, before=before,
                 after={**audit.snapshot(entry, ("year", "jp", "certificate_number", "completed_on")),
                        "siasn_id": siasn_id})
    return {"jp_entry_id": entry.id, "created": False}

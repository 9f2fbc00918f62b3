"""Push: a passed, certified result becomes the ASN's riwayat diklat / kursus at SIASN, exactly once.

`queue_results` marks results to send (one `siasn_pushes` row per enrolment, reused on every later push) and
`start` enqueues `push_batch` jobs with the row ids after the commit. A job, for each row:

1. looks up the person's pnsOrangId (PNS data endpoint) unless already known;
2. without a stored rwDiklatId/rwKursusId, reads what SIASN already holds for the NIP (rw-diklat / rw-kursus) and
   adopts the record with the same certificate number (and latihanStrukturalId): a job killed after SIASN saved
   but before our commit, or a second push, therefore never creates a second record;
3. saves (with the id when one is known: an update, which is how a correction reaches SIASN) unless SIASN already
   holds exactly these values, or deletes the record when the result no longer stands (revoked);
4. stores the id, state and SIASN's own message.

Calls run on a bounded thread pool (SIASN_CONCURRENCY per job); the database is touched only by the job's own
thread, which commits each chunk. A call SIASN does not answer (down, timeout, 5xx) is retried after each of
SIASN_RETRY_DELAYS seconds, then the row is left `failed` (the `siasn.retry_failed` schedule queues it again);
a refusal is `refused` with SIASN's message, shown to the operator.
"""

from __future__ import annotations

import logging
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, date, datetime

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.dialects.postgresql import insert as pg_insert

from app.extensions import db
from app.jobs import enqueue, tenant_job
from app.models.catalogue import Partner, Program
from app.models.cohorts import Cohort, Enrolment
from app.models.employees import Employee
from app.models.siasn import SiasnProgramMap, SiasnPush
from app.problems import Problem
from app.services.audit import log as audit
from app.services.siasn import connection as settings
from app.services.siasn.client import SiasnClient, SiasnError, SiasnRefused, SiasnUnavailable
from app.services.siasn.mapping import mapping_for
from app.tenancy import current_tenant

log = logging.getLogger(__name__)

CHUNK = 100  # rows per committed chunk inside a job
JOB_SIZE = 500  # rows per job
MAX_AUTO_RETRIES = 8  # the schedule stops re-queueing a row after this many attempts
COMPETENCY = {"manajerial": "Manajerial", "teknis": "Teknis", "sosial_kultural": "Sosial Kultural"}


def _dmy(day: date | None) -> str | None:
    return day.strftime("%d-%m-%Y") if day else None


@dataclass
class Item:
    push_id: int
    enrolment_id: int
    kind: str
    action: str
    siasn_id: str | None
    pns_orang_id: str | None
    nip: str
    record: dict | None  # the SIASN payload without id and pnsOrangId (None for a delete)


# --- what a result looks like at SIASN ----------------------------------------------------------------------


def _result_rows(enrolment_ids: list[int]):
    return db.session.execute(
        sa.select(Enrolment, Cohort, Program, Employee.nip, Employee.name, Partner.name.label("partner_name"),
                  SiasnProgramMap)
        .join(Cohort, Cohort.id == Enrolment.cohort_id).join(Program, Program.id == Cohort.program_id)
        .join(Employee, Employee.id == Enrolment.employee_id)
        .outerjoin(Partner, Partner.id == sa.func.coalesce(Cohort.partner_id, Program.provider_partner_id))
        .outerjoin(SiasnProgramMap, SiasnProgramMap.program_id == Program.id)
        .where(Enrolment.id.in_(enrolment_ids))).all()


def eligible(enrolment: Enrolment) -> bool:
    return (enrolment.status == "passed" and bool(enrolment.certificate_number)
            and enrolment.certificate_date is not None)


def siasn_record(enrolment: Enrolment, cohort: Cohort, program: Program, partner_name: str | None, mapping: dict,
                 instansi_id: str, agency: str) -> dict:
    """The fields SIASN's save takes for this result (without id and pnsOrangId)."""
    start = cohort.start_date or enrolment.certificate_date
    end = cohort.end_date or enrolment.certificate_date
    institusi = partner_name or agency
    jp = enrolment.jp_earned or program.jp
    if mapping["kind"] == "diklat":
        return {"bobot": 0, "institusiPenyelenggara": institusi,
                "jenisKompetensi": COMPETENCY.get(program.competency_type, program.competency_type),
                "jumlahJam": jp, "latihanStrukturalId": mapping["latihan_struktural_id"],
                "nomor": enrolment.certificate_number, "tahun": enrolment.certificate_date.year,
                "tanggal": _dmy(start), "tanggalSelesai": _dmy(end)}
    return {"instansiId": instansi_id, "institusiPenyelenggara": institusi, "jenisDiklatId": mapping["jenis_diklat_id"],
            "jenisKursus": "", "jenisKursusSertipikat": "S", "jumlahJam": jp, "lokasiId": "",
            "namaKursus": f"{program.name} Angkatan {cohort.number} {cohort.year}",
            "nomorSertipikat": enrolment.certificate_number, "tahunKursus": enrolment.certificate_date.year,
            "tanggalKursus": _dmy(start), "tanggalSelesaiKursus": _dmy(end), "path": []}


def nomor_of(kind: str, record: dict) -> str | None:
    return record.get("nomor") if kind == "diklat" else record.get("nomorSertipikat")


def same_record(kind: str, ours: dict, theirs: dict) -> bool:
    keys = [k for k in ours if k not in ("path", "bobot", "lokasiId", "jenisKursus", "jenisKursusSertipikat")]
    return all(str(ours[k] if ours[k] is not None else "") == str(theirs.get(k) if theirs.get(k) is not None else "")
               for k in keys)


def matches(kind: str, ours: dict, theirs: dict) -> bool:
    """The SIASN record that is this result: same certificate number (and, for a diklat, the same training)."""
    if nomor_of(kind, ours) != nomor_of(kind, theirs):
        return False
    return kind != "diklat" or str(theirs.get("latihanStrukturalId")) == str(ours.get("latihanStrukturalId"))


# --- queueing ------------------------------------------------------------------------------------------------


def queue_results(*, cohort_id: int | None = None, enrolment_ids: list[int] | None = None) -> dict:
    """Mark results to send: passed and certified ones to save, ones already at SIASN that no longer stand to
    delete. Returns {"queued": n, "skipped": n, "push_ids": [...]}; call `start(push_ids)` after the commit."""
    if cohort_id is not None:
        if db.session.get(Cohort, cohort_id) is None:
            raise Problem.not_found(f"Angkatan {cohort_id} tidak ditemukan.")
        enrolment_ids = list(db.session.execute(
            sa.select(Enrolment.id).where(Enrolment.cohort_id == cohort_id)).scalars())
    enrolment_ids = list(enrolment_ids or [])
    existing = {p.enrolment_id: p for p in db.session.execute(
        sa.select(SiasnPush).where(SiasnPush.enrolment_id.in_(enrolment_ids))).scalars()}
    values, skipped = [], 0
    for enrolment, _cohort, program, *_rest, map_row in _result_rows(enrolment_ids):
        push = existing.get(enrolment.id)
        kind = mapping_for(program, map_row)["kind"]
        if eligible(enrolment):
            values.append({"enrolment_id": enrolment.id, "kind": kind, "action": "save"})
        elif push is not None and push.siasn_id and push.state != "deleted":
            values.append({"enrolment_id": enrolment.id, "kind": push.kind, "action": "delete"})
        else:
            skipped += 1
    ids: list[int] = []
    if values:
        stmt = pg_insert(SiasnPush).values([{**v, "state": "queued"} for v in values])
        stmt = stmt.on_conflict_do_update(index_elements=["enrolment_id"], set_={
            "action": stmt.excluded.action, "kind": sa.case((SiasnPush.siasn_id.is_(None), stmt.excluded.kind),
                                                            else_=SiasnPush.kind),
            "state": "queued", "message": None, "queued_at": sa.func.now()})
        ids = list(db.session.execute(stmt.returning(SiasnPush.id)).scalars())
    audit.record("siasn.queue", "siasn_pushes", None,
                 after={"cohort_id": cohort_id, "queued": len(ids), "skipped": skipped})
    return {"queued": len(ids), "skipped": skipped, "push_ids": ids}


def start(push_ids: list[int]) -> list[str]:
    """Enqueue the push jobs (after the commit that queued the rows)."""
    ids = sorted(push_ids)
    return [enqueue(push_batch, ids[i:i + JOB_SIZE]).id for i in range(0, len(ids), JOB_SIZE)]


# --- the job -------------------------------------------------------------------------------------------------


def _items(push_ids: list[int]) -> list[Item]:
    # Locked until the chunk commits, skipping rows another job holds: two jobs never send the same result at once.
    pushes = {p.enrolment_id: p for p in db.session.execute(
        sa.select(SiasnPush).where(SiasnPush.id.in_(push_ids), SiasnPush.state.in_(("queued", "failed")))
        .order_by(SiasnPush.id).with_for_update(skip_locked=True)).scalars()}
    if not pushes:
        return []
    conn = settings.get_settings()
    agency = current_tenant().name
    items = []
    for enrolment, cohort, program, nip, _name, partner_name, map_row in _result_rows(list(pushes)):
        push = pushes[enrolment.id]
        record = None
        if push.action == "save":
            mapping = mapping_for(program, map_row)
            if push.siasn_id is None:
                push.kind = mapping["kind"]
            if push.kind == mapping["kind"]:
                record = siasn_record(enrolment, cohort, program, partner_name, mapping, conn.instansi_id, agency)
            else:  # the mapping changed kind after the record was sent: that record is left as it is
                push.state = "refused"
                push.message = "Pemetaan program berubah jenis; hapus riwayat lama di SIASN dulu."
                continue
        items.append(Item(push.id, enrolment.id, push.kind, push.action, push.siasn_id, push.pns_orang_id, nip, record))
    return items


def _retrying(fn, delays: tuple[float, ...]):
    attempts = 0
    while True:
        attempts += 1
        try:
            return fn(), attempts
        except SiasnUnavailable:
            if attempts > len(delays):
                raise
            time.sleep(delays[attempts - 1])


def sync_one(client: SiasnClient, item: Item, delays: tuple[float, ...] = ()) -> dict:
    """Bring SIASN to agree with one item; touches no database (runs on the pool). Returns the outcome."""
    out = {"push_id": item.push_id, "pns_orang_id": item.pns_orang_id, "siasn_id": item.siasn_id, "calls": 0}

    def call(fn):
        result, n = _retrying(fn, delays)
        out["calls"] += n
        return result

    try:
        if item.pns_orang_id is None:
            out["pns_orang_id"] = call(lambda: client.pns_orang_id(item.nip))
        if item.action == "delete":
            target = item.siasn_id
            if target:
                call(lambda: client.delete(item.kind, target))
            return {**out, "state": "deleted", "siasn_id": None, "message": "Dihapus dari SIASN."}
        payload = {**item.record, "pnsOrangId": out["pns_orang_id"]}
        found = None
        if item.siasn_id:
            found = call(lambda: client.get(item.kind, item.siasn_id))
            if found is None:  # deleted at SIASN meanwhile: send it again as new
                out["siasn_id"] = None
        if out["siasn_id"] is None:
            held = call(lambda: client.history(item.kind, item.nip))
            found = next((r for r in held if matches(item.kind, payload, r)), None)
            if found is not None:
                out["siasn_id"] = str(found["id"])
        if found is not None and same_record(item.kind, payload, found):
            return {**out, "state": "sent", "payload": payload, "message": "Sudah sama dengan SIASN."}
        body = {**payload, "id": out["siasn_id"]}
        out["siasn_id"] = call(lambda: client.save(item.kind, body))
        return {**out, "state": "sent", "payload": body, "message": None}
    except SiasnRefused as exc:
        return {**out, "state": "refused", "message": exc.message}
    except SiasnError as exc:
        return {**out, "state": "failed", "message": f"SIASN tidak menjawab, dicoba lagi nanti: {exc.message}"}


def _write(outcomes: list[dict]) -> None:
    now = datetime.now(UTC)
    for o in outcomes:
        push = db.session.get(SiasnPush, o["push_id"])
        push.state, push.message = o["state"], o.get("message")
        push.siasn_id, push.pns_orang_id = o.get("siasn_id"), o.get("pns_orang_id")
        push.attempts = push.attempts + 1
        if o["state"] in ("sent", "deleted"):
            push.sent_at = now
            if o.get("payload") is not None:
                push.payload = o["payload"]


def _give_up(error: Exception, push_ids: list[int]) -> None:
    db.session.execute(sa.update(SiasnPush).where(SiasnPush.id.in_(push_ids), SiasnPush.state == "queued")
                       .values(state="failed", message=f"Pengiriman gagal: {error.__class__.__name__}"))


@tenant_job("default", retries=3, timeout=3600, retry_intervals=(0, 30, 120), on_final_failure=_give_up)
def push_batch(push_ids: list[int]) -> dict:
    try:
        client = settings.client()
    except Problem as exc:
        db.session.execute(sa.update(SiasnPush).where(SiasnPush.id.in_(push_ids))
                           .values(state="failed", message=exc.detail))
        return {"sent": 0, "failed": len(push_ids)}
    delays = tuple(current_app.config.get("SIASN_RETRY_DELAYS", (1, 4, 15)))
    workers = max(1, int(current_app.config.get("SIASN_CONCURRENCY", 16)))
    totals: dict[str, int] = {}
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="siasn") as pool:
        for i in range(0, len(push_ids), CHUNK):
            items = _items(push_ids[i:i + CHUNK])
            outcomes = list(pool.map(lambda it: sync_one(client, it, delays), items))
            _write(outcomes)
            db.session.commit()  # per chunk: a killed job resumes with what SIASN already has (adopted, not doubled)
            for o in outcomes:
                totals[o["state"]] = totals.get(o["state"], 0) + 1
    log.info("siasn push: %s", totals)
    return totals


@tenant_job("default", retries=0)
def retry_failed() -> int:
    """Scheduled: queue again what SIASN did not answer (not refusals: those wait for a person)."""
    ids = list(db.session.execute(sa.update(SiasnPush).where(SiasnPush.state == "failed",
                                                             SiasnPush.attempts < MAX_AUTO_RETRIES)
                                  .values(state="queued").returning(SiasnPush.id)).scalars())
    if ids:
        db.session.commit()
        start(ids)
    return len(ids)


def pending_enrolment_ids() -> list[int]:
    """What SIASN should hear about without anyone pressing a button: passed, certified results never queued;
    results sent whose values changed since (a correction); results sent that no longer stand (revoked)."""
    new = list(db.session.execute(
        sa.select(Enrolment.id).outerjoin(SiasnPush, SiasnPush.enrolment_id == Enrolment.id)
        .where(SiasnPush.id.is_(None), Enrolment.status == "passed", Enrolment.certificate_number.isnot(None),
               Enrolment.certificate_date.isnot(None))).scalars())
    sent = {p.enrolment_id: p for p in db.session.execute(
        sa.select(SiasnPush).where(SiasnPush.state == "sent", SiasnPush.action == "save")).scalars()}
    changed = []
    if sent:
        conn = settings.get_settings()
        agency = current_tenant().name
        for enrolment, cohort, program, _nip, _name, partner_name, map_row in _result_rows(list(sent)):
            push = sent[enrolment.id]
            if not eligible(enrolment):
                changed.append(enrolment.id)
                continue
            record = siasn_record(enrolment, cohort, program, partner_name, mapping_for(program, map_row),
                                  conn.instansi_id if conn else "", agency)
            if push.payload is None or not same_record(push.kind, record, push.payload):
                changed.append(enrolment.id)
    return sorted({*new, *changed})


@tenant_job("default", retries=0)
def sync_pending() -> int:
    """Scheduled: queue what `pending_enrolment_ids` finds, in a region whose SIASN connection is set."""
    if settings.get_settings() is None:
        return 0
    ids = pending_enrolment_ids()
    if not ids:
        return 0
    queued = queue_results(enrolment_ids=ids)
    db.session.commit()
    start(queued["push_ids"])
    return queued["queued"]


# --- reading ---------------------------------------------------------------------------------------------


def cohort_status(cohort_id: int) -> list[dict]:
    rows = db.session.execute(
        sa.select(Enrolment.id, Employee.id.label("employee_id"), Employee.nip, Employee.name, Enrolment.status,
                  Enrolment.certificate_number,
                  Enrolment.jp_earned, SiasnPush.state, SiasnPush.action, SiasnPush.kind, SiasnPush.siasn_id,
                  SiasnPush.message, SiasnPush.sent_at, SiasnPush.attempts)
        .join(Employee, Employee.id == Enrolment.employee_id)
        .outerjoin(SiasnPush, SiasnPush.enrolment_id == Enrolment.id)
        .where(Enrolment.cohort_id == cohort_id).order_by(Employee.name_key, Enrolment.id)).mappings().all()
    return [dict(r) for r in rows]


def push_of(enrolment_id: int) -> SiasnPush | None:
    return db.session.execute(sa.select(SiasnPush).where(SiasnPush.enrolment_id == enrolment_id)).scalar_one_or_none()

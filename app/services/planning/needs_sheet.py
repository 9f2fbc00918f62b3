"""The region's needs template (XLSX) and its upload: one need a row, checked row by row with the same rules as the
form (`needs.check_need`), reported per row and column in Indonesian. All or nothing: a file with any bad row
writes nothing, so an operator fixes the file and uploads it again. Files are read by `app.services.files`
(hostile XLSX — zip bombs, entity declarations, oversized cells — refused there, before parsing)."""

from __future__ import annotations

import tempfile

import sqlalchemy as sa

from app.extensions import db
from app.models.employees import Employee, Opd
from app.problems import Problem
from app.services.files import rows as cells
from app.services.files.readers import FileFormatError, open_table
from app.services.planning import needs as service
from app.services.text import name_key

MAX_ROWS = 5_000
COLUMNS = [("nip", "NIP"), ("nama_jabatan", "NAMA_JABATAN"), ("jumlah_orang", "JUMLAH_ORANG"), ("opd", "OPD"),
           ("kesenjangan", "KESENJANGAN"), ("jenis", "JENIS"), ("program", "PROGRAM"),
           ("program_baru", "PROGRAM_BARU"), ("prioritas", "PRIORITAS"), ("alasan", "ALASAN")]
REQUIRED = ("kesenjangan", "jenis", "alasan")
# What the check names a field, as the file names its column.
_FIELD_COLUMN = {"employee_nip": "NIP", "position_name": "NAMA_JABATAN", "people": "JUMLAH_ORANG",
                 "opd_id": "OPD", "gap": "KESENJANGAN", "kind": "JENIS", "program_id": "PROGRAM",
                 "proposed_program_name": "PROGRAM_BARU", "priority": "PRIORITAS", "reason": "ALASAN"}
_KINDS = {"manajerial": "manajerial", "teknis": "teknis", "sosial kultural": "sosial_kultural",
          "sosial_kultural": "sosial_kultural", "sosiokultural": "sosial_kultural"}
_PRIORITIES = {"1": 1, "2": 2, "3": 3, "tinggi": 1, "sedang": 2, "rendah": 3}


def template_rows() -> list[dict]:
    """Two example rows: one per employee, one per position."""
    return [{"nip": "", "nama_jabatan": "Pengawas (contoh: isi NIP atau NAMA_JABATAN)", "jumlah_orang": 3,
             "opd": "Nama OPD Anda", "kesenjangan": "Kepemimpinan tim belum memadai", "jenis": "manajerial",
             "program": "PKP", "program_baru": "", "prioritas": "tinggi",
             "alasan": "Jabatan pengawas baru belum mengikuti PKP"}]


def _opd_finder():
    # The rows are held by the closure: the session's identity map then answers each row's OPD check (it keeps
    # objects only while something refers to them).
    rows = list(db.session.execute(sa.select(Opd)).scalars())
    opds = {name_key(o.name): o.id for o in rows if o.active}

    def find(value: str) -> int | None:
        return opds.get(name_key(value)) if rows else None

    return find


def _rows(path) -> list:
    with open_table(path) as reader:
        missing = [c.upper() for c in REQUIRED if c not in reader.columns]
        if "nip" not in reader.columns and "nama_jabatan" not in reader.columns:
            missing.insert(0, "NIP atau NAMA_JABATAN")
        if missing:
            raise FileFormatError("missing_columns", "Kolom wajib tidak ada: " + ", ".join(missing) +
                                  ". Unduh templat kebutuhan dan isi kolomnya.")
        out = []
        for row in reader.rows():
            out.append(row)
            if len(out) > MAX_ROWS:
                raise FileFormatError("too_many_rows", f"Paling banyak {MAX_ROWS:,} baris sekali unggah."
                                      .replace(",", "."))
        return out


def upload(year: int, stream, filename: str) -> dict:
    """Check every row of an uploaded template; when all are good, add them as needs of the year's round."""
    service._open_round(year)
    suffix = ".xlsx" if (filename or "").lower().endswith(".xlsx") else ".csv"
    with tempfile.NamedTemporaryFile(suffix=suffix) as tmp:
        while chunk := stream.read(1 << 20):
            tmp.write(chunk)
        tmp.flush()
        try:
            file_rows = _rows(tmp.name)
        except FileFormatError as exc:
            raise Problem.invalid(exc.message, field="file", reason=exc.message) from exc
    if not file_rows:
        raise Problem.invalid("File tidak berisi baris kebutuhan.", field="file", reason="tidak ada baris")
    find_opd = _opd_finder()
    raw = [cells.text(fr.values.get("nip")) for fr in file_rows]
    nips = ({t for t in raw if t} | {"".join(c for c in t if c.isdigit()) for t in raw}) - {""}
    employees = {e.nip: e for e in db.session.execute(sa.select(Employee).where(Employee.nip.in_(nips))).scalars()}
    programs: dict[str, object] = {}
    report, good = [], []
    for fr in file_rows:
        row = cells.Row(fr.values)
        row.required(*REQUIRED)
        opd_id = row.lookup("opd", find_opd, "opd_unknown", "OPD tidak dikenal")
        kind = _KINDS.get(" ".join(row.text("jenis").lower().replace("_", " ").split()))
        if row.text("jenis") and kind is None:
            row.bad("jenis", "kind_invalid", "jenis harus manajerial, teknis, atau sosial kultural")
        priority = _PRIORITIES.get(row.text("prioritas").lower() or "2")
        if priority is None:
            row.bad("prioritas", "priority_invalid", "prioritas harus tinggi, sedang, atau rendah (1-3)")
        people = 1
        if row.text("jumlah_orang"):
            try:
                people = int(float(row.text("jumlah_orang")))
            except ValueError:
                row.bad("jumlah_orang", "people_invalid", "jumlah orang harus bilangan bulat 1 atau lebih")
        program_id = None
        if row.text("program"):
            key = " ".join(row.text("program").split()).lower()
            if key not in programs:
                programs[key] = service._program_by_text(key)
            program = programs[key]
            if program is None:
                row.bad("program", "program_unknown", "program tidak ada di katalog (tulis di PROGRAM_BARU bila baru)")
            else:
                program_id = program.id
        nip = row.nip("nip") if row.text("nip") else None
        errors: list[dict] = []
        values = None
        if not row.errors:
            values = service.check_need({
                "employee_nip": nip.value if nip else None, "position_name": row.text("nama_jabatan"),
                "people": people, "opd_id": opd_id, "gap": row.text("kesenjangan"), "kind": kind,
                "program_id": program_id,
                "proposed_program_name": " ".join(row.text("program_baru").split()) or None,
                "priority": priority, "reason": row.text("alasan")}, errors, employees=employees)
        problems = [{"column": e.column, "value": cells.text(e.value), "reason": e.reason} for e in row.errors]
        problems += [{"column": _FIELD_COLUMN.get(e["field"], e["field"].upper()), "value": "",
                      "reason": e["reason"]} for e in errors]
        report.append({"row": fr.number, "ok": not problems, "errors": problems})
        if not problems:
            good.append(values)
    bad = [r for r in report if not r["ok"]]
    if bad:
        raise Problem.invalid(f"{len(bad)} dari {len(report)} baris bermasalah; tidak ada yang disimpan. "
                              "Perbaiki baris berikut lalu unggah lagi.",
                              errors=[{"field": f"baris {r['row']}: {e['column']}", "reason": e["reason"]}
                                      for r in bad for e in r["errors"]],
                              rows=bad, type_="needs-upload-rows")
    ids = service.add_rows(year, good, source="xlsx")
    return {"year": year, "created": len(ids), "need_ids": ids, "rows": report}

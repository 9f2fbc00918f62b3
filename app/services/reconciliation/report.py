"""Reading one row of a partner's completion report (DOMAIN.md "Partner completion report"). Pure: the scope's
program and cohorts come in as a look-up, so a report costs no query per row. A bad row is not dropped: it is
staged with class `invalid` and the reasons (code + Indonesian message, as the imports' row errors)."""

from __future__ import annotations

from dataclasses import dataclass, field

from app.services.files.rows import CellError, Row, text
from app.services.text import name_key

COLUMNS = ("nip", "nama", "pelatihan", "angkatan", "tahun", "status", "jp", "no_sertifikat", "tgl_sertifikat", "nilai")
REQUIRED = ("nip", "nama", "status")
# A partner's words -> our enrolment status.
PARTNER_STATUSES = {"LULUS": "passed", "TIDAK LULUS": "failed", "MENGUNDURKAN DIRI": "withdrawn"}
STAGED_COLUMNS = ("row_number", "nip", "name", "name_key", "gender", "birth_date", "cohort_id", "partner_status",
                  "partner_jp", "partner_certificate_number", "partner_certificate_date", "partner_score",
                  "error_column", "error_code", "error_reason")


@dataclass(frozen=True)
class Scope:
    """What a report may speak about: one program in one year, and its cohorts (number -> cohort id). With a
    `cohort_id`, every row belongs to that cohort (ANGKATAN, when given, must name it)."""

    program_id: int
    program_codes: frozenset[str]  # upper-case code and name_key(name) of the program
    year: int
    cohorts: dict[int, int]
    cohort_id: int | None = None
    cohort_number: int | None = None
    _seen: dict = field(default_factory=dict, compare=False, hash=False, repr=False)

    def place(self, program: str, year: str, angkatan: object) -> tuple[int | None, tuple[CellError, ...]]:
        """(cohort id, errors) for a row's PELATIHAN, TAHUN and ANGKATAN: a report repeats the same few, so
        each distinct combination is checked once."""
        key = (program, year, text(angkatan))
        if key not in self._seen:
            self._seen[key] = self._place(*key)
        return self._seen[key]

    def _place(self, program: str, year: str, angkatan: object) -> tuple[int | None, tuple[CellError, ...]]:
        row = Row({"pelatihan": program, "tahun": year, "angkatan": angkatan})
        if program and program.upper() not in self.program_codes and name_key(program) not in self.program_codes:
            row.bad("pelatihan", "program_unknown", "pelatihan bukan program laporan ini (atau tidak ada di katalog)")
        if year and year != str(self.year):
            row.bad("tahun", "year_mismatch", f"tahun harus {self.year} (cakupan laporan ini)")
        cohort_id = self.cohort_id
        number = row.angkatan()
        if number is not None:
            if self.cohort_id is not None and number != self.cohort_number:
                row.bad("angkatan", "angkatan_mismatch", "angkatan lain dari angkatan laporan ini")
            elif self.cohort_id is None:
                cohort_id = self.cohorts.get(number)
                if cohort_id is None:
                    row.bad("angkatan", "angkatan_unknown", f"angkatan {number} tahun {self.year} tidak ada di "
                                                            "wilayah ini")
        elif self.cohort_id is None and not row.text("angkatan"):
            row.bad("angkatan", "required", "wajib diisi (laporan mencakup beberapa angkatan)")
        return cohort_id, tuple(row.errors)


def parse_row(number: int, values: dict, scope: Scope) -> tuple:
    """The row as a tuple of STAGED_COLUMNS; a bad row carries its first error's column and code, and every
    reason (`KOLOM: alasan; ...`)."""
    row = Row(values)
    row.required("nip")
    nip = row.nip()
    name = row.name()
    if not name:
        row.bad("nama", "required", "wajib diisi")
    status_text = row.text("status")
    status = PARTNER_STATUSES.get(status_text) or PARTNER_STATUSES.get(" ".join(status_text.upper().split()))
    if status is None:
        if status_text:
            row.bad("status", "status_invalid", "status harus LULUS, TIDAK LULUS atau MENGUNDURKAN DIRI")
        else:
            row.bad("status", "required", "wajib diisi")
    cohort_id, place_errors = scope.place(row.text("pelatihan"), row.text("tahun"), values.get("angkatan"))
    row.errors.extend(place_errors)
    jp = row.jp()
    cert_number = row.text("no_sertifikat")[:100] or None
    cert_date = row.date("tgl_sertifikat")
    score = row.score()
    if row.errors:
        errors = row.errors
        reason = "; ".join(f"{e.column}: {e.reason}" for e in errors).replace("\x00", "")[:500]
        return (number, (nip.value if nip else row.text("nip"))[:60], name[:200] or None, None, None, None, cohort_id,
                status, jp, cert_number, cert_date, score, errors[0].column, errors[0].code, reason)
    return (number, nip.value, name[:200], name_key(name)[:200], nip.gender, nip.birth_date, cohort_id, status, jp,
            cert_number, cert_date, score, None, None, None)

"""Without the web service: the same records as a file shaped for SIASN's bulk upload (XLSX or CSV), one row per
passed, certified result, with the SIASN reference ids the push would send."""

from __future__ import annotations

import sqlalchemy as sa

from app.extensions import db
from app.models.cohorts import Cohort, Enrolment
from app.models.siasn import SiasnSettings
from app.services.siasn import push as pushes
from app.services.siasn.mapping import mapping_for
from app.tenancy import current_tenant

COLUMNS = (("nip", "NIP"), ("nama", "NAMA"), ("jenis_riwayat", "JENIS_RIWAYAT"),
           ("latihanStrukturalId", "LATIHAN_STRUKTURAL_ID"), ("jenisDiklatId", "JENIS_DIKLAT_ID"),
           ("namaKursus", "NAMA_KURSUS"), ("institusiPenyelenggara", "INSTITUSI_PENYELENGGARA"),
           ("jenisKompetensi", "JENIS_KOMPETENSI"), ("nomor", "NOMOR_SERTIFIKAT"), ("tanggal", "TANGGAL_MULAI"),
           ("tanggalSelesai", "TANGGAL_SELESAI"), ("tahun", "TAHUN"), ("jumlahJam", "JUMLAH_JAM"),
           ("instansiId", "INSTANSI_ID"))


def rows(*, cohort_id: int | None = None, year: int | None = None) -> list[dict]:
    stmt = sa.select(Enrolment.id).join(Cohort, Cohort.id == Enrolment.cohort_id).where(
        Enrolment.status == "passed", Enrolment.certificate_number.isnot(None), Enrolment.certificate_date.isnot(None))
    if cohort_id is not None:
        stmt = stmt.where(Enrolment.cohort_id == cohort_id)
    if year is not None:
        stmt = stmt.where(Cohort.year == year)
    ids = list(db.session.execute(stmt).scalars())
    settings = db.session.get(SiasnSettings, 1)
    instansi = settings.instansi_id if settings else ""
    agency = current_tenant().name
    out = []
    for enrolment, cohort, program, nip, name, partner_name, map_row in pushes._result_rows(ids):
        mapping = mapping_for(program, map_row)
        r = pushes.siasn_record(enrolment, cohort, program, partner_name, mapping, instansi, agency)
        out.append({"nip": nip, "nama": name, "jenis_riwayat": mapping["kind"],
                    "latihanStrukturalId": r.get("latihanStrukturalId"), "jenisDiklatId": r.get("jenisDiklatId"),
                    "namaKursus": r.get("namaKursus") or f"{program.name} Angkatan {cohort.number} {cohort.year}",
                    "institusiPenyelenggara": r["institusiPenyelenggara"], "jenisKompetensi": r.get("jenisKompetensi"),
                    "nomor": r.get("nomor") or r.get("nomorSertipikat"),
                    "tanggal": r.get("tanggal") or r.get("tanggalKursus"),
                    "tanggalSelesai": r.get("tanggalSelesai") or r.get("tanggalSelesaiKursus"),
                    "tahun": r.get("tahun") or r.get("tahunKursus"), "jumlahJam": r["jumlahJam"],
                    "instansiId": instansi})
    out.sort(key=lambda x: (x["nama"], x["nip"]))
    return out

"""Kota Jambi (seeds/002): a PKA with BPSDM Jambi in the new blended pattern ("Diklat Kepemimpinan pola baru,
dengan metode Blended Learning": synchronous in class, asynchronous on one's own).

The article gives no dates or numbers. Our choices: PKA Angkatan I 2024, partner BPSDM-JAMBI, mode blended,
quota 30, 1 Aug - 21 Nov 2024 in the same six phases as Kota Malang's PKA (MOOC, e-learning, pembangunan
komitmen, Klasikal I, aksi perubahan - graded -, Klasikal II); 30 administrators (camat, sekretaris, kepala
bidang, kepala bagian): 28 passed (STTPP of BPSDM Jambi dated 21 Nov 2024, 333 JP), 1 failed aksi perubahan,
1 withdrew. Plus about a hundred other ASN with e-learning JP in 2023 and 2024.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from app.services.demo.org import (
    EDUCATION_STAFF,
    HEALTH_STAFF,
    HR_STAFF,
    OpdSpec,
    bagian,
    dinas,
    elearning_lines,
    kecamatan,
    shuffled_posts,
)
from app.services.demo.people import MELAYU, People, seeded
from app.services.demo.plan import CohortRow, EnrolmentRow, PhaseResultRow, PhaseRow, Plan

SEED = 1571
SLUG = "kota-jambi"

KECAMATAN = ("Alam Barajo", "Danau Sipin", "Danau Teluk", "Jambi Selatan", "Jambi Timur", "Jelutung", "Kota Baru",
             "Paal Merah", "Pasar Jambi", "Pelayangan", "Telanaipura")

OPDS: tuple[OpdSpec, ...] = (
    dinas("Badan Kepegawaian dan Pengembangan Sumber Daya Manusia",
          ("Pengadaan dan Informasi", "Mutasi dan Promosi", "Pengembangan Kompetensi"), ("Diklat Struktural",),
          HR_STAFF),
    dinas("Dinas Pendidikan", ("Pembinaan Sekolah Dasar", "Pembinaan Sekolah Menengah Pertama", "PAUD dan PNF"),
          ("Kurikulum", "Sarana dan Prasarana"), EDUCATION_STAFF),
    dinas("Dinas Kesehatan", ("Kesehatan Masyarakat", "Pelayanan Kesehatan", "Pencegahan dan Pengendalian Penyakit"),
          ("Gizi dan Kesehatan Ibu Anak", "Surveilans"), HEALTH_STAFF),
    dinas("Badan Perencanaan Pembangunan Daerah", ("Perencanaan Sosial Budaya", "Perencanaan Ekonomi",
                                                   "Perencanaan Infrastruktur"), ("Data dan Evaluasi",)),
    dinas("Dinas Pekerjaan Umum dan Penataan Ruang", ("Bina Marga", "Sumber Daya Air", "Tata Ruang"),
          ("Jalan", "Drainase Perkotaan")),
    dinas("Dinas Lingkungan Hidup", ("Pengelolaan Sampah", "Pengendalian Pencemaran"), ("Kebersihan",)),
    dinas("Dinas Sosial", ("Rehabilitasi Sosial", "Perlindungan dan Jaminan Sosial"), ("Penanganan Fakir Miskin",)),
    dinas("Badan Pengelola Pajak dan Retribusi Daerah", ("Pajak Daerah", "Retribusi Daerah"), ("Penagihan",)),
    bagian("Bagian Organisasi Sekretariat Daerah", ("Kelembagaan", "Tata Laksana")),
    bagian("Bagian Pemerintahan Sekretariat Daerah", ("Administrasi Kewilayahan",)),
    bagian("Bagian Umum Sekretariat Daerah", ("Tata Usaha", "Rumah Tangga")),
    *(kecamatan(k) for k in KECAMATAN),
)

COHORT = CohortRow(
    program="PKA", year=2024, number=1, partner="BPSDM-JAMBI", mode="blended", quota=30,
    start=date(2024, 8, 1), end=date(2024, 11, 21), phases=(
        PhaseRow("Pembelajaran mandiri (MOOC)", date(2024, 8, 1), date(2024, 8, 14)),
        PhaseRow("E-learning (asinkron)", date(2024, 8, 15), date(2024, 8, 28)),
        PhaseRow("Pembangunan komitmen bersama", date(2024, 9, 2), date(2024, 9, 5)),
        PhaseRow("Klasikal I (termasuk studi lapangan)", date(2024, 9, 9), date(2024, 9, 20)),
        PhaseRow("Implementasi aksi perubahan (di tempat kerja)", date(2024, 9, 23), date(2024, 11, 15), graded=True),
        PhaseRow("Klasikal II (seminar aksi perubahan dan penutupan)", date(2024, 11, 18), date(2024, 11, 21)),
    ))
PKA_JP = 333
PARTICIPANTS = 30
MARKER = COHORT.key
OTHER_EMPLOYEES = 100


def build() -> Plan:
    rng = seeded(SEED)
    plan = Plan(slug=SLUG, marker=MARKER, opds=[o.name for o in OPDS], cohorts=[COHORT])
    people = People(rng, MELAYU)
    posts = shuffled_posts(rng, OPDS)
    administrators = [p for p in posts if p[1][1] == "administrator"][:PARTICIPANTS]
    outcomes = ["passed"] * (PARTICIPANTS - 2) + ["failed", "withdrawn"]
    serial = 0
    for (opd, (jabatan, kind)), status in zip(administrators, outcomes, strict=True):
        employee = people.employee(opd=opd, jabatan=jabatan, kind=kind, born=(1968, 1986), latest_start=2012)
        plan.employees.append(employee)
        if status == "passed":
            serial += 1
            score = Decimal(rng.randint(7200, 9300)) / 100
            plan.enrol(EnrolmentRow(employee.nip, COHORT.key, "passed", COHORT.end,
                                    certificate_number=f"STTPP/{serial:03d}/PKA-I/BPSDM-JAMBI/2024",
                                    certificate_date=COHORT.end, jp_earned=PKA_JP, score=score))
            plan.phase_results.append(PhaseResultRow(employee.nip, COHORT.key, 5, True, score))
        elif status == "failed":
            plan.enrol(EnrolmentRow(employee.nip, COHORT.key, "failed", COHORT.end))
            plan.phase_results.append(PhaseResultRow(employee.nip, COHORT.key, 5, False, Decimal("58.50")))
        else:
            plan.enrol(EnrolmentRow(employee.nip, COHORT.key, "withdrawn", date(2024, 9, 30)))

    free = [p for p in posts if p not in administrators]
    for opd, (jabatan, kind) in free[:OTHER_EMPLOYEES // 2]:
        plan.employees.append(people.employee(opd=opd, jabatan=jabatan, kind=kind, born=(1967, 1988)))
    staff = [(o.name, s) for o in OPDS for s in o.staff]
    while len(plan.employees) < PARTICIPANTS + OTHER_EMPLOYEES:
        opd, (jabatan, kind) = rng.choice(staff)
        plan.employees.append(people.employee(opd=opd, jabatan=jabatan, kind=kind))
    plan.jp_entries += elearning_lines(rng, [e.nip for e in plan.employees], (2023, 2024), "ELN-JMB")
    return plan

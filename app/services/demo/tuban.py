"""Kabupaten Tuban (seeds/004): the 2017 "Diklat Peningkatan Kapasitas Kasi Pemerintahan" run by the BKD.

The article: opened Monday 25 Sep 2017 at Gedung Korpri Tuban, 30 participants who are kasi pemerintahan of
kecamatan/kelurahan (7 women, 23 men), 8 effective days 25 Sep - 4 Oct 2017 (the weekdays in between), methods
ceramah, pendalaman materi, studi kasus, diskusi, simulasi and studi lapangan.

Our choices: program KAPASITAS-KASI-PEM (technical, competency teknis, provider the region itself = BKD);
JP 64 = 8 effective days x 8 JP; Angkatan I 2017, mode klasikal, quota 30; two phases, in class 25 Sep - 3 Oct
and the field study on 4 Oct; the participants are the kasi pemerintahan of Tuban's 20 kecamatan and of 10
kelurahan of Kecamatan Tuban; everyone passed (STTPP dated 4 Oct 2017, a 2017 JP ledger line) and has
attendance for the 8 days.
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
    kelurahan,
    shuffled_posts,
)
from app.services.demo.people import JAWA, People, seeded
from app.services.demo.plan import AttendanceRow, CohortRow, EnrolmentRow, PhaseRow, Plan, ProgramRow

SEED = 3523
SLUG = "kab-tuban"

KECAMATAN = ("Bancar", "Bangilan", "Grabagan", "Jatirogo", "Jenu", "Kenduruan", "Kerek", "Merakurak", "Montong",
             "Palang", "Parengan", "Plumpang", "Rengel", "Semanding", "Senori", "Singgahan", "Soko",
             "Tambakboyo", "Tuban", "Widang")
KELURAHAN = ("Baturetno", "Doromukti", "Kebonsari", "Kingking", "Kutorejo", "Latsari", "Perbon", "Ronggomulyo",
             "Sidorejo", "Sukolilo")

OPDS: tuple[OpdSpec, ...] = (
    dinas("Badan Kepegawaian Daerah", ("Pengadaan dan Informasi", "Mutasi", "Pengembangan Pegawai"),
          ("Pendidikan dan Pelatihan", "Pembinaan dan Kesejahteraan"), HR_STAFF),
    dinas("Dinas Pendidikan", ("Pendidikan Dasar", "Pendidik dan Tenaga Kependidikan"),
          ("Kurikulum", "Kelembagaan"), EDUCATION_STAFF),
    dinas("Dinas Kesehatan", ("Kesehatan Masyarakat", "Pelayanan Kesehatan"), ("Promosi Kesehatan", "Rujukan"),
          HEALTH_STAFF),
    dinas("Badan Perencanaan Pembangunan Daerah", ("Pemerintahan dan Pembangunan Manusia", "Ekonomi"),
          ("Evaluasi dan Pelaporan",)),
    bagian("Bagian Pemerintahan Sekretariat Daerah", ("Pemerintahan Desa", "Otonomi Daerah")),
    *(kecamatan(k) for k in KECAMATAN),
    *(kelurahan(k) for k in KELURAHAN),
)

PROGRAM = ProgramRow(code="KAPASITAS-KASI-PEM", name="Diklat Peningkatan Kapasitas Kasi Pemerintahan",
                     program_type="technical", competency_type="teknis", provider=None, jp=64)
COHORT = CohortRow(
    program=PROGRAM.code, year=2017, number=1, partner=None, mode="klasikal", quota=30,
    start=date(2017, 9, 25), end=date(2017, 10, 4), phases=(
        PhaseRow("Klasikal: ceramah, pendalaman materi, studi kasus, diskusi dan simulasi", date(2017, 9, 25),
                 date(2017, 10, 3)),
        PhaseRow("Studi lapangan", date(2017, 10, 4), date(2017, 10, 4)),
    ))
SESSION_DAYS = (*(date(2017, 9, d) for d in (25, 26, 27, 28, 29)), *(date(2017, 10, d) for d in (2, 3, 4)))
PARTICIPANTS = 30
WOMEN = 7
MARKER = COHORT.key
OTHER_EMPLOYEES = 70


def build() -> Plan:
    rng = seeded(SEED)
    plan = Plan(slug=SLUG, marker=MARKER, opds=[o.name for o in OPDS], programs=[PROGRAM], cohorts=[COHORT])
    people = People(rng, JAWA)
    kasi = [(o.name, p) for o in OPDS for p in o.posts if p[0].startswith("Kepala Seksi Pemerintahan")]
    assert len(kasi) == PARTICIPANTS
    women = set(rng.sample(range(PARTICIPANTS), WOMEN))
    for i, (opd, (jabatan, kind)) in enumerate(kasi):
        # Kasi by 2017 and not retired since: born 1968-1982, a CPNS since 2009 at the latest.
        employee = people.employee(opd=opd, jabatan=jabatan, kind=kind, gender="P" if i in women else "L",
                                   born=(1968, 1982), latest_start=2009)
        plan.employees.append(employee)
        plan.enrol(EnrolmentRow(employee.nip, COHORT.key, "passed", COHORT.end,
                                certificate_number=f"STTPP/{i + 1:03d}/KASI-PEM/BKD-TBN/2017",
                                certificate_date=COHORT.end, jp_earned=PROGRAM.jp,
                                score=Decimal(rng.randint(7500, 9200)) / 100))
        for day in SESSION_DAYS:
            plan.attendance.append(AttendanceRow(employee.nip, COHORT.key, day,
                                                 "excused" if rng.random() < 0.02 else "present"))

    free = [post for post in shuffled_posts(rng, OPDS) if post not in kasi]
    for opd, (jabatan, kind) in free[:OTHER_EMPLOYEES // 2]:
        plan.employees.append(people.employee(opd=opd, jabatan=jabatan, kind=kind, born=(1967, 1988)))
    staff = [(o.name, s) for o in OPDS for s in o.staff]
    while len(plan.employees) < PARTICIPANTS + OTHER_EMPLOYEES:
        opd, (jabatan, kind) = rng.choice(staff)
        plan.employees.append(people.employee(opd=opd, jabatan=jabatan, kind=kind))
    plan.jp_entries += elearning_lines(rng, [e.nip for e in plan.employees], (2023, 2024), "ELN-TBN")
    return plan

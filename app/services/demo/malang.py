"""Kota Malang (seeds/000, seeds/001): the OPDs of a kota, PKA Angkatan II 2024 with BPSDM Jatim (see
`malang_pka`), PKP Angkatan VI and VII 2023, and a few hundred other ASN with e-learning JP in 2023 and 2024.

PKP VI and VII 2023: the article (15 Jun 2023) reports the opening of two angkatan, 70 pejabat struktural in
all, learning for about three months in and off class. We seed 35 pengawas in each, the region itself as
provider (no partner is named), mode blended, 15 Jun - 8 Sep 2023 with five phases (our choice of dates around
the opening; aksi perubahan graded), everyone passed with an STTPP dated 8 Sep 2023 and 300 JP (the catalogue's
PKP value), so each has a 2023 JP ledger line.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from app.services.demo import malang_pka
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
from app.services.demo.plan import CohortRow, EnrolmentRow, PhaseResultRow, PhaseRow, Plan

SEED = 3573
SLUG = "kota-malang"
MARKER = malang_pka.COHORT

KELURAHAN = {
    "Klojen": ("Oro-oro Dowo", "Kauman", "Kasin"),
    "Blimbing": ("Purwodadi", "Arjosari", "Polowijen"),
    "Lowokwaru": ("Dinoyo", "Tlogomas", "Ketawanggede"),
    "Sukun": ("Bandungrejosari", "Ciptomulyo", "Pisang Candi"),
    "Kedungkandang": ("Sawojajar", "Madyopuro", "Lesanpuro"),
}

INSPEKTORAT = OpdSpec(
    "Inspektorat",
    (("Sekretaris Inspektorat", "administrator"), ("Inspektur Pembantu Wilayah I", "administrator"),
     ("Inspektur Pembantu Wilayah II", "administrator"), ("Kepala Subbagian Umum dan Keuangan", "pengawas")),
    (("Auditor Ahli Pertama", "fungsional"), ("Auditor Ahli Muda", "fungsional"),
     ("Pengawas Penyelenggaraan Urusan Pemerintahan Daerah Ahli Pertama", "fungsional"),
     ("Pengadministrasi Umum", "pelaksana")),
)

OPDS: tuple[OpdSpec, ...] = (
    dinas("Dinas Pendidikan dan Kebudayaan",
          ("Pembinaan PAUD dan Pendidikan Nonformal", "Pembinaan Sekolah Dasar", "Pembinaan Sekolah Menengah Pertama",
           "Kebudayaan"),
          ("Kurikulum Sekolah Dasar", "Kesiswaan Sekolah Dasar", "Kurikulum Sekolah Menengah Pertama",
           "Pendidik dan Tenaga Kependidikan", "Cagar Budaya dan Permuseuman"), EDUCATION_STAFF),
    dinas("Dinas Kesehatan",
          ("Kesehatan Masyarakat", "Pencegahan dan Pengendalian Penyakit", "Pelayanan Kesehatan",
           "Sumber Daya Kesehatan"),
          ("Kesehatan Keluarga dan Gizi", "Surveilans dan Imunisasi", "Pelayanan Kesehatan Primer",
           "Kefarmasian dan Alat Kesehatan"), HEALTH_STAFF),
    dinas("Badan Kepegawaian dan Pengembangan Sumber Daya Manusia",
          ("Pengadaan, Pemberhentian dan Informasi", "Mutasi dan Promosi", "Pengembangan Sumber Daya Manusia",
           "Penilaian Kinerja dan Penghargaan"),
          ("Pengembangan Kompetensi Teknis", "Pengembangan Kompetensi Manajerial", "Data dan Informasi Kepegawaian"),
          HR_STAFF),
    dinas("Badan Perencanaan Pembangunan Daerah",
          ("Perencanaan Pemerintahan dan Pembangunan Manusia", "Perencanaan Perekonomian dan Sumber Daya Alam",
           "Perencanaan Infrastruktur dan Kewilayahan", "Penelitian dan Pengembangan"),
          ("Pengendalian dan Evaluasi", "Data dan Pelaporan")),
    dinas("Dinas Perhubungan", ("Lalu Lintas", "Angkutan", "Perparkiran"),
          ("Manajemen dan Rekayasa Lalu Lintas", "Angkutan Orang", "Pengelolaan Parkir")),
    dinas("Dinas Lingkungan Hidup", ("Tata Lingkungan", "Pengelolaan Sampah", "Pertamanan"),
          ("Kajian Dampak Lingkungan", "Penanganan Sampah", "Pemeliharaan Taman")),
    dinas("Dinas Kependudukan dan Pencatatan Sipil", ("Pelayanan Pendaftaran Penduduk", "Pelayanan Pencatatan Sipil"),
          ("Identitas Penduduk", "Kelahiran dan Kematian", "Perkawinan dan Perceraian")),
    dinas("Badan Pendapatan Daerah", ("Pajak Daerah", "Retribusi dan Pendapatan Lain"),
          ("Pendataan dan Penetapan", "Penagihan")),
    dinas("Dinas Pekerjaan Umum dan Penataan Ruang", ("Bina Marga", "Sumber Daya Air", "Penataan Ruang"),
          ("Jalan dan Jembatan", "Drainase", "Pemanfaatan Ruang")),
    dinas("Satuan Polisi Pamong Praja", ("Penegakan Peraturan Daerah", "Ketertiban Umum"),
          ("Penyelidikan dan Penyidikan", "Operasi dan Pengendalian")),
    INSPEKTORAT,
    bagian("Bagian Organisasi Sekretariat Daerah", ("Kelembagaan dan Analisis Jabatan", "Reformasi Birokrasi")),
    bagian("Bagian Hukum Sekretariat Daerah", ("Perundang-undangan", "Bantuan Hukum")),
    bagian("Bagian Umum Sekretariat Daerah", ("Tata Usaha Pimpinan", "Rumah Tangga")),
    bagian("Bagian Pemerintahan Sekretariat Daerah", ("Otonomi Daerah", "Administrasi Kewilayahan")),
    bagian("Bagian Pengadaan Barang dan Jasa Sekretariat Daerah",
           ("Pengelolaan Pengadaan", "Layanan Pengadaan Secara Elektronik")),
    *(kecamatan(k) for k in KELURAHAN),
    *(kelurahan(kel) for kels in KELURAHAN.values() for kel in kels),
)

# PKP VI and VII 2023 share the opening (15 Jun 2023) and the schedule.
PKP_PHASES = (
    PhaseRow("Pembukaan dan pembangunan komitmen", date(2023, 6, 15), date(2023, 6, 16)),
    PhaseRow("Pembelajaran mandiri (e-learning)", date(2023, 6, 19), date(2023, 7, 7)),
    PhaseRow("Klasikal I", date(2023, 7, 10), date(2023, 7, 21)),
    PhaseRow("Aksi perubahan (di tempat kerja)", date(2023, 7, 24), date(2023, 9, 1), graded=True),
    PhaseRow("Klasikal II (seminar aksi perubahan dan penutupan)", date(2023, 9, 4), date(2023, 9, 8)),
)
PKP_CERTIFICATE_DATE = date(2023, 9, 8)
PKP_JP = 300
PKP_PER_COHORT = 35
OTHER_EMPLOYEES = 360  # beyond the trained ones: structural posts left and staff, PNS and PPPK

PKA_JABATAN = ("Lurah", "Kepala Seksi", "Kepala Subbagian", "Camat", "Sekretaris", "Kepala Bidang")


def build() -> Plan:
    rng = seeded(SEED)
    plan = Plan(slug=SLUG, marker=MARKER, opds=[o.name for o in OPDS])
    people = People(rng, JAWA, taken=[r["NIP"] for r in malang_pka.REPORT_ROWS] + list(malang_pka.LOCAL_ONLY))
    posts = shuffled_posts(rng, OPDS)

    # PKA II 2024: eselon IV / administrator posts (lurah, kasi, kasubag, camat, sekretaris, kabid).
    pka_posts = [p for p in posts if p[1][0].startswith(PKA_JABATAN)][:len(malang_pka.LOCAL_PEOPLE) + 1]
    malang_pka.add_pka_ii_2024(plan, list(pka_posts), rng)
    posts = [p for p in posts if p not in pka_posts]

    # PKP VI and VII 2023: 70 pengawas (one seat of VII is the report's row 13, see malang_pka).
    pengawas = [p for p in posts if p[1][1] == "pengawas"][:2 * PKP_PER_COHORT - 1]
    posts = [p for p in posts if p not in pengawas]
    pkp_people = [people.employee(opd=opd, jabatan=j, kind=k, born=(1967, 1990), latest_start=2016)
                  for opd, (j, k) in pengawas]
    plan.employees += pkp_people
    seats = [e.nip for e in pkp_people] + [malang_pka.OTHER_COHORT_NIP]
    for number in (6, 7):
        cohort = CohortRow(program="PKP", year=2023, number=number, partner=None, mode="blended",
                           quota=PKP_PER_COHORT, start=date(2023, 6, 15), end=PKP_CERTIFICATE_DATE, phases=PKP_PHASES)
        plan.cohorts.append(cohort)
        group = seats[:PKP_PER_COHORT] if number == 6 else seats[PKP_PER_COHORT:]
        for serial, nip in enumerate(group, start=1):
            score = Decimal(rng.randint(7200, 9400)) / 100
            plan.enrol(EnrolmentRow(nip, cohort.key, "passed", PKP_CERTIFICATE_DATE,
                                    certificate_number=f"STTPP/{serial:03d}/PKP-{'VI' if number == 6 else 'VII'}"
                                                       f"/BKPSDM-MLG/2023",
                                    certificate_date=PKP_CERTIFICATE_DATE, jp_earned=PKP_JP, score=score))
            plan.phase_results.append(PhaseResultRow(nip, cohort.key, 4, True, score))

    # Everyone else: about half of the structural posts left, then staff (a fifth of the functional ones PPPK).
    staff_specs = [(o.name, s) for o in OPDS for s in o.staff]
    for opd, (jabatan, kind) in posts[:len(posts) // 2]:
        plan.employees.append(people.employee(opd=opd, jabatan=jabatan, kind=kind, born=(1967, 1988)))
    while len(plan.employees) < len(malang_pka.LOCAL_PEOPLE) + 1 + len(pkp_people) + OTHER_EMPLOYEES:
        opd, (jabatan, kind) = rng.choice(staff_specs)
        if kind == "fungsional" and rng.random() < 0.2:
            plan.employees.append(people.employee(opd=opd, jabatan=jabatan, kind=kind, employee_type="PPPK",
                                                  born=(1975, 1998), start=rng.choice(((2022, 10), (2023, 12)))))
        else:
            plan.employees.append(people.employee(opd=opd, jabatan=jabatan, kind=kind))

    nips = [e.nip for e in plan.employees]
    plan.jp_entries += elearning_lines(rng, nips, (2023, 2024), "ELN-MLG")
    return plan

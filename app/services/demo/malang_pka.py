"""Kota Malang's PKA Angkatan II 2024 (seeds/000) and its local enrolments, designed against BPSDM Jatim's
completion report (samples/bpsdm-jatim_pka-ii-2024_kota-malang.csv, embedded below as `REPORT_CSV`) so that
reconciling that report shows every reconciliation class.

The cohort: program PKA (333 JP), partner BPSDM-JATIM, mode blended, quota 32, 9 Mar - 11 Jul 2024, six
phases: MOOC 9-22 Mar; e-learning 23 Mar-6 Apr; pembangunan komitmen 17-20 Apr; Klasikal I 22 Apr-8 May
(in class 22-30 Apr, studi lapangan 1 May, in class 6-8 May); aksi perubahan 9 May-7 Jul (graded); Klasikal II
8-11 Jul (bimbingan, seminar, penutupan). Certificates are dated 11 Jul 2024, as in the report.

**Seven of the report's NIPs are not valid NIPs.** Besides the 17-digit one (row 3), rows 8, 14, 17, 23, 24,
26 and 27 put the TMT less than 15 years after the birth year (e.g. 199704192008032619: born 1997, TMT 2008),
which `app.domain.nip.parse_nip` (and DOMAIN.md) reject. A reconciliation that validates NIPs therefore
reports 8 invalid rows, and Kota Malang has no employee with those NIPs (a demo person always has a valid
NIP). The 24 other distinct NIPs are used for Kota Malang employees with the report's name; gender and
birth date come from the NIP.

Comparison rules the design assumes (one class per report row, first difference wins): invalid NIP -> invalid;
a row repeating an earlier row's NIP -> duplicate; no local enrolment in this cohort -> partner-only; status
(LULUS = passed, TIDAK LULUS = failed, MENGUNDURKAN DIRI = withdrawn) -> status differs; JP (the report's JP
against the local jp_earned, NULL counting as 0) -> JP differs; for a pass, a certificate number on one side
only -> certificate missing; else consistent. Local enrolments absent from the report are local-only.

==== ==================== ================== ========================== =========================================
row  NIP                  name               report                     local (Kota Malang) -> expected class
==== ==================== ================== ========================== =========================================
1    197311042012032589   Gita Wulandari     LULUS 333 STTPP/001        passed, same certificate -> consistent
2    198008162010011519   Rina Hidayat       LULUS 333 STTPP/002        still attending -> status_differs
3    19850312201001100    Nur Santoso        LULUS (17-digit NIP)       nothing -> invalid
4    199609042012031206   Rina Nugroho       LULUS 333 STTPP/004        consistent
5    197009092009031598   Bambang Wulandari  LULUS 333 STTPP/005        consistent
6    198103072008031506   Oki Setiawan       LULUS 333 STTPP/006        consistent
7    199710232012031739   Siti Hidayat       TIDAK LULUS, 332 JP        failed (no JP: a failure earns none)
                                                                        -> jp_differs
8    199704192008032619   Yusuf Wulandari    LULUS (TMT < birth + 15)   nothing -> invalid
9    198203052012031244   Ahmad Wulandari    LULUS 333 STTPP/009        consistent
10   198812102009031145   Citra Handayani    LULUS 333, no certificate  passed with STTPP/010 -> certificate_missing
                                                                        (missing on the partner side)
11   198412132009031109   Teguh Kurniawan    LULUS 333 STTPP/011        consistent
12   198008042012032568   Wahyu Nugroho      LULUS 333 STTPP/012        consistent
13   197604252009032442   Siti Hidayat       LULUS 333 STTPP/013        not in this cohort; enrolled (passed) in
                                                                        PKP Angkatan VII 2023 -> partner_only
14   199711262010011833   Lestari Setiawan   LULUS (TMT < birth + 15)   nothing -> invalid
15   198007082012031901   Wahyu Kurniawan    LULUS 333 STTPP/015        consistent
16   196802272008031034   Citra Prasetyo     LULUS 333 STTPP/016        consistent
17   199802152010011078   Umi Santoso        TIDAK LULUS (TMT < b.+15)  nothing -> invalid
18   197308252010011057   Lestari Setiawan   LULUS 333 STTPP/018        consistent
19   198812142012031024   Dian Kurniawan     LULUS 333 STTPP/019        consistent
20   199711162012031449   Lestari Prasetyo   LULUS 333 STTPP/020        consistent
21   199208222009032540   Yusuf Santoso      LULUS 333 STTPP/021        consistent
22   197104232009032415   Fitri Prasetyo     LULUS 333 STTPP/022        unknown to Kota Malang -> partner_only
23   199809142009031507   Ratna Santoso      LULUS (TMT < birth + 15)   nothing -> invalid
24   199712202010011720   Ahmad Saputra      LULUS (TMT < birth + 15)   nothing -> invalid
25   198502012009031090   Kartika Nugroho    LULUS 333 STTPP/025        consistent (a local pass always has
                                                                        its STTPP: the database requires it)
26   199802042010011077   Ahmad Susanti      LULUS (TMT < birth + 15)   nothing -> invalid
27   199507092008031647   Ahmad Pratama      LULUS (TMT < birth + 15)   nothing -> invalid
28   198611082012032713   Rina Kurniawan     TIDAK LULUS, 0 JP          failed, no JP -> consistent
29   197510152010011733   Wahyu Wulandari    LULUS 333 STTPP/029        consistent
30   198008042012031306   Umi Hidayat        LULUS 333 STTPP/030        failed (aksi perubahan not passed
                                                                        locally) -> status_differs
31   196907122008031251   Gita Hidayat       LULUS 333 STTPP/031        consistent
32   197812022012032654   Rina Santoso       MENGUNDURKAN DIRI, 0 JP    withdrawn -> consistent
33   197009092009031598   Bambang Wulandari  repeats row 5              nothing -> duplicate
-    197905142005011002   Hendro Purnomo     absent from the report     attending -> local_only
==== ==================== ================== ========================== =========================================

So `EXPECTED_RECONCILIATION` = consistent 18, status_differs 2, jp_differs 1, certificate_missing 1 (on the
partner's side), partner_only 2, local_only 1, duplicate 1, invalid 8 (33 report rows + 1 local-only). Kota Malang
has 23 enrolments in the cohort (22 people of the report + Hendro Purnomo), within the quota of 32.
"""

from __future__ import annotations

import csv
import io
import random
from collections import Counter
from datetime import date, timedelta
from decimal import Decimal

from app.domain.nip import NipError, parse_nip
from app.services.demo.org import Post
from app.services.demo.people import golongan
from app.services.demo.plan import (
    AttendanceRow,
    CohortKey,
    CohortRow,
    EnrolmentRow,
    PhaseResultRow,
    PhaseRow,
    Plan,
    person,
)

COHORT: CohortKey = ("PKA", 2024, 2)
PKA_JP = 333
CERTIFICATE_DATE = date(2024, 7, 11)

PKA_II_2024 = CohortRow(
    program="PKA", year=2024, number=2, partner="BPSDM-JATIM", mode="blended", quota=32,
    start=date(2024, 3, 9), end=date(2024, 7, 11), phases=(
        PhaseRow("Pembelajaran mandiri (MOOC)", date(2024, 3, 9), date(2024, 3, 22)),
        PhaseRow("E-learning", date(2024, 3, 23), date(2024, 4, 6)),
        PhaseRow("Pembangunan komitmen bersama", date(2024, 4, 17), date(2024, 4, 20)),
        PhaseRow("Klasikal I (22-30 April, studi lapangan 1 Mei, 6-8 Mei)", date(2024, 4, 22), date(2024, 5, 8)),
        PhaseRow("Implementasi aksi perubahan (di tempat kerja)", date(2024, 5, 9), date(2024, 7, 7), graded=True),
        PhaseRow("Klasikal II (bimbingan 8 Juli, seminar 9 Juli, penutupan 11 Juli)", date(2024, 7, 8),
                 date(2024, 7, 11)),
    ))
AKSI_PERUBAHAN = 5  # position of the graded phase

# In-class session days: pembangunan komitmen, Klasikal I (with the field study on 1 May), Klasikal II.
SESSION_DAYS: tuple[date, ...] = (
    *(date(2024, 4, d) for d in (17, 18, 19, 20, 22, 23, 24, 25, 26, 29, 30)),
    *(date(2024, 5, d) for d in (1, 6, 7, 8)),
    *(date(2024, 7, d) for d in (8, 9, 10, 11)),
)
WITHDRAWN_ON = date(2024, 5, 20)

REPORT_CSV = """\
NIP,NAMA,PELATIHAN,ANGKATAN,TAHUN,STATUS,JP,NO_SERTIFIKAT,TGL_SERTIFIKAT,NILAI
197311042012032589,Gita Wulandari,PKA,II,2024,LULUS,333,STTPP/001/PKA-II/BPSDM/2024,11/07/2024,"92,55"
198008162010011519,Rina Hidayat,PKA,II,2024,LULUS,333,STTPP/002/PKA-II/BPSDM/2024,11/07/2024,"75,34"
19850312201001100,Nur Santoso,PKA,II,2024,LULUS,333,STTPP/003/PKA-II/BPSDM/2024,11/07/2024,"82,19"
199609042012031206,Rina Nugroho,PKA,II,2024,LULUS,333,STTPP/004/PKA-II/BPSDM/2024,11/07/2024,"70,69"
197009092009031598,Bambang Wulandari,PKA,II,2024,LULUS,333,STTPP/005/PKA-II/BPSDM/2024,11/07/2024,"76,35"
198103072008031506,Oki Setiawan,PKA,II,2024,LULUS,333,STTPP/006/PKA-II/BPSDM/2024,11/07/2024,"80,56"
199710232012031739,Siti Hidayat,PKA,II,2024,TIDAK LULUS,332,,,
199704192008032619,Yusuf Wulandari,PKA,II,2024,LULUS,333,STTPP/008/PKA-II/BPSDM/2024,11/07/2024,"88,46"
198203052012031244,Ahmad Wulandari,PKA,II,2024,LULUS,333,STTPP/009/PKA-II/BPSDM/2024,11/07/2024,"72,57"
198812102009031145,Citra Handayani,PKA,II,2024,LULUS,333,,11/07/2024,"85,30"
198412132009031109,Teguh Kurniawan,PKA,II,2024,LULUS,333,STTPP/011/PKA-II/BPSDM/2024,11/07/2024,"71,71"
198008042012032568,Wahyu Nugroho,PKA,II,2024,LULUS,333,STTPP/012/PKA-II/BPSDM/2024,11/07/2024,"72,32"
197604252009032442,Siti Hidayat,PKA,II,2024,LULUS,333,STTPP/013/PKA-II/BPSDM/2024,11/07/2024,"78,87"
199711262010011833,Lestari Setiawan,PKA,II,2024,LULUS,333,STTPP/014/PKA-II/BPSDM/2024,11/07/2024,"72,94"
198007082012031901,Wahyu Kurniawan,PKA,II,2024,LULUS,333,STTPP/015/PKA-II/BPSDM/2024,11/07/2024,"92,17"
196802272008031034,Citra Prasetyo,PKA,II,2024,LULUS,333,STTPP/016/PKA-II/BPSDM/2024,11/07/2024,"87,33"
199802152010011078,Umi Santoso,PKA,II,2024,TIDAK LULUS,0,,,
197308252010011057,Lestari Setiawan,PKA,II,2024,LULUS,333,STTPP/018/PKA-II/BPSDM/2024,11/07/2024,"92,94"
198812142012031024,Dian Kurniawan,PKA,II,2024,LULUS,333,STTPP/019/PKA-II/BPSDM/2024,11/07/2024,"79,92"
199711162012031449,Lestari Prasetyo,PKA,II,2024,LULUS,333,STTPP/020/PKA-II/BPSDM/2024,11/07/2024,"70,84"
199208222009032540,Yusuf Santoso,PKA,II,2024,LULUS,333,STTPP/021/PKA-II/BPSDM/2024,11/07/2024,"73,85"
197104232009032415,Fitri Prasetyo,PKA,II,2024,LULUS,333,STTPP/022/PKA-II/BPSDM/2024,11/07/2024,"74,12"
199809142009031507,Ratna Santoso,PKA,II,2024,LULUS,333,STTPP/023/PKA-II/BPSDM/2024,11/07/2024,"71,28"
199712202010011720,Ahmad Saputra,PKA,II,2024,LULUS,333,STTPP/024/PKA-II/BPSDM/2024,11/07/2024,"79,33"
198502012009031090,Kartika Nugroho,PKA,II,2024,LULUS,333,STTPP/025/PKA-II/BPSDM/2024,11/07/2024,"81,30"
199802042010011077,Ahmad Susanti,PKA,II,2024,LULUS,333,STTPP/026/PKA-II/BPSDM/2024,11/07/2024,"92,94"
199507092008031647,Ahmad Pratama,PKA,II,2024,LULUS,333,STTPP/027/PKA-II/BPSDM/2024,11/07/2024,"76,28"
198611082012032713,Rina Kurniawan,PKA,II,2024,TIDAK LULUS,0,,,
197510152010011733,Wahyu Wulandari,PKA,II,2024,LULUS,333,STTPP/029/PKA-II/BPSDM/2024,11/07/2024,"76,85"
198008042012031306,Umi Hidayat,PKA,II,2024,LULUS,333,STTPP/030/PKA-II/BPSDM/2024,11/07/2024,"82,24"
196907122008031251,Gita Hidayat,PKA,II,2024,LULUS,333,STTPP/031/PKA-II/BPSDM/2024,11/07/2024,"75,48"
197812022012032654,Rina Santoso,PKA,II,2024,MENGUNDURKAN DIRI,0,,,
197009092009031598,Bambang Wulandari,PKA,II,2024,LULUS,333,STTPP/005/PKA-II/BPSDM/2024,11/07/2024,"76,35"
"""
"""BPSDM Jatim's report, byte for byte the sample file's text (comma CSV, decimal commas in NILAI)."""

REPORT_ROWS: list[dict[str, str]] = list(csv.DictReader(io.StringIO(REPORT_CSV)))
STATUS_BY_PARTNER = {"LULUS": "passed", "TIDAK LULUS": "failed", "MENGUNDURKAN DIRI": "withdrawn"}

# --- the design -----------------------------------------------------------------------------------------------

UNKNOWN_NIP = "197104232009032415"  # row 22: the partner trained someone Kota Malang does not employ
OTHER_COHORT_NIP = "197604252009032442"  # row 13: a Kota Malang employee enrolled in PKP VII 2023, not here
OTHER_COHORT: CohortKey = ("PKP", 2023, 7)
LOCAL_ONLY = {"197905142005011002": "Hendro Purnomo"}  # enrolled here, absent from the report
# NIP -> what the local enrolment differs in (everyone else mirrors the report).
STILL_ATTENDING = "198008162010011519"  # row 2, status_differs
FAILED_LOCALLY = "198008042012031306"  # row 30, status_differs
JP_333_LOCALLY = "199710232012031739"  # row 7, jp_differs (report: 332 JP for a failure; ours: none)
CERTIFICATE_ONLY_LOCAL = "198812102009031145"  # row 10: the report has no certificate number
CERTIFICATE_MISSING_SIDE = {CERTIFICATE_ONLY_LOCAL: "partner"}
"""For the two certificate_missing rows: on which side the certificate number is missing."""


def _valid(nip: str) -> bool:
    try:
        parse_nip(nip)
    except NipError:
        return False
    return True


def _row_classes() -> dict[int, str]:
    classes: dict[int, str] = {}
    seen: set[str] = set()
    special = {STILL_ATTENDING: "status_differs", FAILED_LOCALLY: "status_differs", JP_333_LOCALLY: "jp_differs",
               CERTIFICATE_ONLY_LOCAL: "certificate_missing",
               UNKNOWN_NIP: "partner_only", OTHER_COHORT_NIP: "partner_only"}
    for number, row in enumerate(REPORT_ROWS, start=1):
        nip = row["NIP"]
        if not _valid(nip):
            classes[number] = "invalid"
        elif nip in seen:
            classes[number] = "duplicate"
        else:
            classes[number] = special.get(nip, "consistent")
        seen.add(nip)
    return classes


EXPECTED_ROW_CLASSES: dict[int, str] = _row_classes()
"""Report data row (1-based, the header not counted) -> the class reconciliation should give it."""

EXPECTED_RECONCILIATION: dict[str, int] = dict(Counter(EXPECTED_ROW_CLASSES.values()) + Counter(
    {"local_only": len(LOCAL_ONLY)}))
"""{class: count} for reconciling REPORT_CSV against the seeded Kota Malang (see the table above)."""

LOCAL_PEOPLE: dict[str, str] = {
    row["NIP"]: row["NAMA"] for n, row in enumerate(REPORT_ROWS, start=1)
    if EXPECTED_ROW_CLASSES[n] not in ("invalid", "duplicate") and row["NIP"] != UNKNOWN_NIP
}
"""NIP -> name of every report person Kota Malang employs (the report's valid NIPs minus the unknown one)."""


def _local_enrolment(row: dict[str, str]) -> EnrolmentRow:
    nip, status = row["NIP"], STATUS_BY_PARTNER[row["STATUS"]]
    score = Decimal(row["NILAI"].replace(",", ".")) if row["NILAI"] else None
    cert = row["NO_SERTIFIKAT"] or None
    if nip == STILL_ATTENDING:
        return EnrolmentRow(nip, COHORT, "attending", PKA_II_2024.start)
    if nip == FAILED_LOCALLY:
        return EnrolmentRow(nip, COHORT, "failed", CERTIFICATE_DATE)
    if nip == JP_333_LOCALLY:
        return EnrolmentRow(nip, COHORT, "failed", CERTIFICATE_DATE)
    if nip == CERTIFICATE_ONLY_LOCAL:
        cert = "STTPP/010/PKA-II/BPSDM/2024"
    if status == "passed":
        return EnrolmentRow(nip, COHORT, "passed", CERTIFICATE_DATE, certificate_number=cert,
                            certificate_date=CERTIFICATE_DATE, jp_earned=int(row["JP"]), score=score)
    if status == "withdrawn":
        return EnrolmentRow(nip, COHORT, "withdrawn", WITHDRAWN_ON)
    return EnrolmentRow(nip, COHORT, "failed", CERTIFICATE_DATE)  # a failure earns no JP


def add_pka_ii_2024(plan: Plan, posts: list[tuple[str, Post]], rng: random.Random) -> None:
    """The cohort, its 22 report people + 1 local-only person (posts taken from `posts`), their enrolments,
    aksi perubahan results and in-class attendance."""
    plan.cohorts.append(PKA_II_2024)
    participants = [row for n, row in enumerate(REPORT_ROWS, start=1) if row["NIP"] in LOCAL_PEOPLE
                    and EXPECTED_ROW_CLASSES[n] != "duplicate"]
    for row in participants:
        opd, (jabatan, kind) = posts.pop()
        plan.employees.append(person(row["NIP"], row["NAMA"], "PNS", golongan(rng, "PNS", kind, jabatan), jabatan,
                                     kind, opd))
    for nip, name in LOCAL_ONLY.items():
        opd, (jabatan, kind) = posts.pop()
        plan.employees.append(person(nip, name, "PNS", golongan(rng, "PNS", kind, jabatan), jabatan, kind, opd))

    enrolments = [_local_enrolment(row) for row in participants if row["NIP"] != OTHER_COHORT_NIP]
    enrolments += [EnrolmentRow(nip, COHORT, "attending", PKA_II_2024.start) for nip in LOCAL_ONLY]
    for e in enrolments:
        plan.enrol(e)
        if e.status in ("passed", "failed"):
            passed = e.status == "passed"
            score = Decimal(rng.randint(7000, 9500) if passed else rng.randint(5500, 6400)) / 100
            plan.phase_results.append(PhaseResultRow(e.nip, COHORT, AKSI_PERUBAHAN, passed, score))
        for day in SESSION_DAYS:
            if e.status == "withdrawn" and day > WITHDRAWN_ON - timedelta(days=1):
                break
            draw = rng.random()
            status = "present" if draw < 0.95 else "excused" if draw < 0.99 else "absent"
            plan.attendance.append(AttendanceRow(e.nip, COHORT, day, status))

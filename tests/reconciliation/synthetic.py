"""Synthetic reconciliation data: a region's people and enrolments, and a partner report with a share of every
class drawn at random (seeded), plus an independent computation of the expected classes with plain Python sets
and dicts over the two sides. Used by the tests and by bench/reconcile.py (bulk-loaded with COPY)."""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta

import sqlalchemy as sa

from app.domain.nip import NipError, make_nip, parse_nip
from app.extensions import db
from app.tenancy import tenant_context

KINDS = ("consistent", "status_differs", "jp_differs", "certificate_missing", "partner_only_unknown",
         "partner_only_other", "local_only", "invalid", "duplicate")
STATUS_WORD = {"passed": "LULUS", "failed": "TIDAK LULUS", "withdrawn": "MENGUNDURKAN DIRI"}
HEADER = "NIP,NAMA,PELATIHAN,ANGKATAN,TAHUN,STATUS,JP,NO_SERTIFIKAT,TGL_SERTIFIKAT,NILAI"
CERT_DATE = date(2024, 7, 11)
JP = 333  # PKA


@dataclass
class Synthetic:
    employees: list[tuple] = field(default_factory=list)  # (nip, name, gender, birth_date)
    enrolments: list[tuple] = field(default_factory=list)  # (nip, "A"|"B", status, jp, cert_no, cert_date)
    report: list[dict] = field(default_factory=list)  # file rows, in file order

    def csv(self) -> bytes:
        lines = [HEADER]
        for r in self.report:
            lines.append(",".join((r["NIP"], r["NAMA"], "PKA", "I", "2024", r["STATUS"], r["JP"], r["NO_SERTIFIKAT"],
                                   r["TGL_SERTIFIKAT"], "")))
        return ("\n".join(lines) + "\n").encode()


def _person(i: int) -> tuple[str, str, str, date]:
    born = date(1965, 1, 1) + timedelta(days=i % 12000)
    gender = "L" if (i // 12000) % 2 == 0 else "P"
    block = i // 24000  # birth day and gender tell apart the people of a block; the TMT tells apart blocks
    nip = make_nip(born, born.year + 20 + block % 5, 1 + (block // 5) % 12, gender, i % 1000)
    return nip, f"Pegawai {i}", gender, born


def generate(people: int, *, seed: int, weights: dict[str, float] | None = None, others: int = 0) -> Synthetic:
    """About `people` persons; each draws a kind (default: an equal share, ~11% each). `others` more persons are
    enrolled only in the other cohort (B): volume the report does not speak about."""
    rng = random.Random(seed)
    kinds = list(KINDS)
    w = [(weights or {}).get(k, 1.0) for k in kinds]
    out = Synthetic()
    consistent_rows: list[dict] = []
    for i in range(people):
        nip, name, gender, born = _person(i)
        kind = rng.choices(kinds, w)[0]
        cert = f"STTPP/{i:06d}/PKA-I/2024"
        row = {"NIP": nip, "NAMA": name, "STATUS": "LULUS", "JP": str(JP), "NO_SERTIFIKAT": cert,
               "TGL_SERTIFIKAT": CERT_DATE.strftime("%d/%m/%Y")}
        if kind != "partner_only_unknown":
            out.employees.append((nip, name, gender, born))
        if kind in ("consistent", "duplicate"):
            out.enrolments.append((nip, "A", "passed", JP, cert, CERT_DATE))
            out.report.append(row)
            consistent_rows.append(row)
        elif kind == "status_differs":
            if rng.random() < 0.25:  # passed here, failed at the partner: taking theirs removes the JP line
                out.enrolments.append((nip, "A", "passed", JP, cert, CERT_DATE))
                out.report.append({**row, "STATUS": "TIDAK LULUS", "JP": "0", "NO_SERTIFIKAT": "",
                                   "TGL_SERTIFIKAT": ""})
            else:
                out.enrolments.append((nip, "A", rng.choice(("attending", "failed")), None, None, None))
                out.report.append(row)
        elif kind == "jp_differs":  # both passed with the same STTPP; the partner gives fewer JP
            out.enrolments.append((nip, "A", "passed", JP, cert, CERT_DATE))
            out.report.append({**row, "JP": str(rng.randint(1, JP - 1))})
        elif kind == "certificate_missing":
            # missing on the partner's side (a local pass always has its STTPP: the database requires it)
            out.enrolments.append((nip, "A", "passed", JP, cert, CERT_DATE))
            out.report.append({**row, "NO_SERTIFIKAT": ""})
        elif kind == "partner_only_unknown":
            out.report.append(row)
        elif kind == "partner_only_other":
            out.enrolments.append((nip, "B", "passed", 300, f"STTPP/{i:06d}/PKP", date(2023, 9, 1)))
            out.report.append(row)
        elif kind == "local_only":
            status = rng.choice(("attending", "withdrawn", "passed"))
            out.enrolments.append((nip, "A", status, *((JP, cert, CERT_DATE) if status == "passed" else (None,) * 3)))
        elif kind == "invalid":
            bad = rng.choice(("short", "status", "tmt"))
            if bad == "short":
                out.report.append({**row, "NIP": nip[:17]})
            elif bad == "status":
                out.report.append({**row, "STATUS": "HADIR"})
            else:  # TMT before the 15th birthday year
                out.report.append({**row, "NIP": f"{born:%Y%m%d}{born.year + 5}01{1 if gender == 'L' else 2}001"})
    for i in range(people, people + others):
        nip, name, gender, born = _person(i)
        out.employees.append((nip, name, gender, born))
        out.enrolments.append((nip, "B", "passed", 300, f"STTPP/{i:07d}/PKP", date(2023, 9, 1)))
    rng.shuffle(out.report)
    # duplicates: repeat some consistent rows (after the shuffle, appended so the first one stays first)
    for row in consistent_rows[: max(1, len(consistent_rows) // 9)]:
        out.report.append(dict(row))
    return out


def _valid_nip(text: str) -> bool:
    try:
        parse_nip(text)
    except NipError:
        return False
    return True


def expected_classes(data: Synthetic) -> tuple[list[str], set[str]]:
    """(class of each report row in file order, NIPs of the local-only enrolments): sets and dicts only."""
    local = {nip: (status, jp, cert) for nip, cohort, status, jp, cert, _ in data.enrolments if cohort == "A"}
    words = {v: k for k, v in STATUS_WORD.items()}
    seen: set[str] = set()
    classes = []
    for row in data.report:
        nip, status = row["NIP"], words.get(row["STATUS"])
        if status is None or not _valid_nip(nip):
            classes.append("invalid")
            continue
        if nip in seen:
            classes.append("duplicate")
            continue
        seen.add(nip)
        if nip not in local:
            classes.append("partner_only")
            continue
        l_status, l_jp, l_cert = local[nip]
        if status != l_status:
            classes.append("status_differs")
        elif int(row["JP"] or 0) != (l_jp or 0):
            classes.append("jp_differs")
        elif status == "passed" and bool(row["NO_SERTIFIKAT"]) != bool(l_cert):
            classes.append("certificate_missing")
        else:
            classes.append("consistent")
    return classes, set(local) - seen


def expected_counts(data: Synthetic) -> dict[str, int]:
    classes, local_only = expected_classes(data)
    return dict(Counter(classes) + Counter({"local_only": len(local_only)}))


def load(slug: str, data: Synthetic) -> dict[str, int]:
    """Write the region's side (cohort A = PKA I 2024 with LAN-RI, B = PKP I 2023) with COPY; {A: id, B: id}."""
    with tenant_context(slug):
        conn = db.session.connection()
        partner = conn.execute(sa.text("SELECT id FROM partners WHERE code = 'LAN-RI'")).scalar_one()
        ids = {}
        for key, code, year in (("A", "PKA", 2024), ("B", "PKP", 2023)):
            ids[key] = conn.execute(sa.text(
                "INSERT INTO cohorts (program_id, year, number, partner_id, mode) "
                "SELECT id, :y, 1, :p, 'klasikal' FROM programs WHERE code = :c RETURNING id"),
                {"y": year, "p": partner, "c": code}).scalar_one()
        cursor = conn.connection.dbapi_connection.cursor()
        with cursor.copy("COPY employees (nip, name, name_key, gender, birth_date, employee_type, active) "
                         "FROM STDIN") as copy:
            for nip, name, gender, born in data.employees:
                copy.write_row((nip, name, name.lower(), gender, born, "PNS", True))
        conn.execute(sa.text("CREATE TEMP TABLE synth_enr (nip text COLLATE \"C\", cohort text, status text, jp int, "
                             "cert text, cert_date date) ON COMMIT DROP"))
        with cursor.copy("COPY synth_enr FROM STDIN") as copy:
            for row in data.enrolments:
                copy.write_row(row)
        conn.execute(sa.text(
            "INSERT INTO enrolments (employee_id, cohort_id, status, jp_earned, certificate_number, certificate_date) "
            "SELECT e.id, CASE s.cohort WHEN 'A' THEN :a ELSE :b END, s.status, s.jp, s.cert, s.cert_date "
            "FROM synth_enr s JOIN employees e ON e.nip = s.nip"), {"a": ids["A"], "b": ids["B"]})
        conn.execute(sa.text(
            "INSERT INTO jp_entries (employee_id, enrolment_id, source, year, jp, title, certificate_number, "
            "completed_on) SELECT employee_id, id, 'cohort', extract(year FROM certificate_date)::int, jp_earned, "
            "'PKA', certificate_number, certificate_date FROM enrolments WHERE status = 'passed' "
            "AND certificate_date IS NOT NULL AND jp_earned > 0"))
        db.session.commit()
    return ids

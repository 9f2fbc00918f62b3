"""Organisation building blocks shared by the demo regions: OPDs with their structural posts and staff
positions, and the e-learning courses ASN take outside any cohort (JP ledger lines with a certificate)."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta

from app.services.demo.plan import JpRow

Post = tuple[str, str]  # (jabatan, jabatan kind)


@dataclass(frozen=True)
class OpdSpec:
    """An OPD, its structural posts (each held by at most one person) and its staff positions (any number)."""

    name: str
    posts: tuple[Post, ...]
    staff: tuple[Post, ...]


GENERAL_STAFF: tuple[Post, ...] = (
    ("Analis Kebijakan Ahli Muda", "fungsional"), ("Analis Kebijakan Ahli Pertama", "fungsional"),
    ("Pranata Komputer Ahli Pertama", "fungsional"), ("Pranata Komputer Terampil", "fungsional"),
    ("Arsiparis Terampil", "fungsional"), ("Perencana Ahli Pertama", "fungsional"),
    ("Pengadministrasi Umum", "pelaksana"), ("Pengadministrasi Perkantoran", "pelaksana"),
    ("Pengelola Data", "pelaksana"), ("Pengelola Keuangan", "pelaksana"), ("Bendahara", "pelaksana"),
    ("Pengadministrasi Kepegawaian", "pelaksana"),
)
EDUCATION_STAFF: tuple[Post, ...] = (
    ("Guru Ahli Pertama", "fungsional"), ("Guru Ahli Muda", "fungsional"), ("Guru Ahli Muda", "fungsional"),
    ("Guru Ahli Madya", "fungsional"), ("Pengawas Sekolah Ahli Muda", "fungsional"),
    ("Pamong Belajar Ahli Pertama", "fungsional"), ("Pengadministrasi Umum", "pelaksana"),
)
HEALTH_STAFF: tuple[Post, ...] = (
    ("Perawat Ahli Pertama", "fungsional"), ("Perawat Terampil", "fungsional"), ("Bidan Terampil", "fungsional"),
    ("Bidan Ahli Pertama", "fungsional"), ("Dokter Ahli Pertama", "fungsional"),
    ("Apoteker Ahli Pertama", "fungsional"), ("Epidemiolog Kesehatan Ahli Pertama", "fungsional"),
    ("Sanitarian Terampil", "fungsional"), ("Nutrisionis Terampil", "fungsional"),
    ("Pengadministrasi Umum", "pelaksana"),
)
HR_STAFF: tuple[Post, ...] = (
    ("Analis SDM Aparatur Ahli Pertama", "fungsional"), ("Analis SDM Aparatur Ahli Muda", "fungsional"),
    ("Pranata Komputer Ahli Pertama", "fungsional"), ("Widyaiswara Ahli Muda", "fungsional"),
    ("Pengadministrasi Kepegawaian", "pelaksana"), ("Pengelola Data", "pelaksana"),
)
AREA_STAFF: tuple[Post, ...] = (
    ("Pengadministrasi Umum", "pelaksana"), ("Pengelola Data", "pelaksana"), ("Bendahara", "pelaksana"),
    ("Pengadministrasi Kependudukan", "pelaksana"), ("Pengelola Layanan Masyarakat", "pelaksana"),
)


def dinas(name: str, bidang: tuple[str, ...], seksi: tuple[str, ...], staff: tuple[Post, ...] = GENERAL_STAFF,
          head: str = "Sekretaris") -> OpdSpec:
    """A Dinas or Badan: its secretary and heads of bidang (administrator), heads of subbagian and seksi
    (pengawas)."""
    posts = [(f"{head} {name}", "administrator")]
    posts += [(f"Kepala Bidang {b}", "administrator") for b in bidang]
    posts += [("Kepala Subbagian Umum dan Kepegawaian", "pengawas"), ("Kepala Subbagian Keuangan", "pengawas")]
    posts += [(f"Kepala Seksi {s}", "pengawas") for s in seksi]
    return OpdSpec(name, tuple(posts), staff)


def kecamatan(area: str) -> OpdSpec:
    where = f"Kecamatan {area}"
    posts = (
        (f"Camat {area}", "administrator"), (f"Sekretaris {where}", "administrator"),
        (f"Kepala Seksi Pemerintahan {where}", "pengawas"),
        (f"Kepala Seksi Ketenteraman dan Ketertiban Umum {where}", "pengawas"),
        (f"Kepala Seksi Pemberdayaan Masyarakat {where}", "pengawas"),
        (f"Kepala Seksi Kesejahteraan Sosial {where}", "pengawas"),
        (f"Kepala Subbagian Umum dan Kepegawaian {where}", "pengawas"),
        (f"Kepala Subbagian Perencanaan dan Keuangan {where}", "pengawas"),
    )
    return OpdSpec(where, posts, AREA_STAFF)


def kelurahan(area: str) -> OpdSpec:
    where = f"Kelurahan {area}"
    posts = (
        (f"Lurah {area}", "pengawas"), (f"Sekretaris {where}", "pengawas"),
        (f"Kepala Seksi Pemerintahan dan Ketenteraman {where}", "pengawas"),
        (f"Kepala Seksi Pemberdayaan Masyarakat {where}", "pengawas"),
    )
    return OpdSpec(where, posts, AREA_STAFF)


def bagian(name: str, subbagian: tuple[str, ...]) -> OpdSpec:
    """A Bagian of the Sekretariat Daerah: its head (administrator) and heads of subbagian (pengawas)."""
    posts = [(f"Kepala {name.removesuffix(' Sekretariat Daerah')}", "administrator")]
    posts += [(f"Kepala Subbagian {s}", "pengawas") for s in subbagian]
    return OpdSpec(name, tuple(posts), GENERAL_STAFF)


# --- e-learning outside cohorts -------------------------------------------------------------------------------

# (title, JP, certificate prefix): national self-paced courses ASN take on their own and enter with a certificate.
ELEARNING_COURSES: tuple[tuple[str, int, str], ...] = (
    ("Literasi Digital bagi ASN (MOOC)", 10, "LITDIG"),
    ("Penyusunan Sasaran Kinerja Pegawai (e-learning)", 8, "SKP"),
    ("Budaya Anti Korupsi (e-learning)", 12, "ANTIKOR"),
    ("Pelayanan Publik Berbasis Digital (MOOC)", 15, "YANLIK"),
    ("Manajemen Risiko Sektor Publik (e-learning)", 20, "MR"),
    ("Pengadaan Barang/Jasa Pemerintah Tingkat Dasar (e-learning)", 24, "PBJ"),
    ("Keamanan Informasi bagi ASN (e-learning)", 6, "KAMINFO"),
    ("Moderasi Beragama bagi ASN (MOOC)", 16, "MODBER"),
    ("Penatausahaan Keuangan Daerah (e-learning)", 18, "KEUDA"),
    ("Kearsipan Digital (e-learning)", 8, "ARSIP"),
    ("Nilai Dasar BerAKHLAK (MOOC)", 4, "AKHLAK"),
)


def elearning_lines(rng: random.Random, nips: list[str], years: tuple[int, ...], prefix: str,
                    last_day: dict[int, date] | None = None) -> list[JpRow]:
    """E-learning ledger lines for `nips`: per year about a third take nothing, a third one course (usually
    under 20 JP), a third two or three courses (usually 20 JP or more), so a 20 JP report has both sides.

    Nobody learns before their TMT year (NIP digits 9-12). Certificate numbers are
    `<prefix>/<course>/<year>/<serial>`; `last_day` caps the completion date per year.
    """
    lines: list[JpRow] = []
    serial = 0
    for year in years:
        first, last = date(year, 1, 15), (last_day or {}).get(year, date(year, 12, 15))
        for nip in nips:
            if int(nip[8:12]) > year:
                continue
            draw = rng.random()
            count = 0 if draw < 0.35 else 1 if draw < 0.7 else rng.choice((2, 2, 3))
            for title, jp, code in rng.sample(ELEARNING_COURSES, count):
                serial += 1
                done = first + timedelta(days=rng.randint(0, (last - first).days))
                lines.append(JpRow(nip=nip, year=year, jp=jp, source="elearning", title=title,
                                   certificate_number=f"{prefix}/{code}/{year}/{serial:05d}", completed_on=done))
    return lines


def shuffled_posts(rng: random.Random, opds: tuple[OpdSpec, ...]) -> list[tuple[str, Post]]:
    """Every structural post of the region as (OPD name, post), in a random (seeded) order."""
    posts = [(o.name, p) for o in opds for p in o.posts]
    rng.shuffle(posts)
    return posts

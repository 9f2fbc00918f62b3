"""Generated people for the demo regions: Indonesian names by region, valid NIPs, plausible golongan.

Everything draws from the region's own `random.Random(seed)`, so a region's people are the same on every run.
"""

from __future__ import annotations

import random
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from app.domain.nip import make_nip, parse_nip
from app.services.demo.plan import EmployeeRow, person


def seeded(seed: int) -> random.Random:
    """The region's generator: reproducible on purpose (demo data, never secrets)."""
    return random.Random(seed)  # noqa: S311


@dataclass(frozen=True)
class Names:
    """Given names by gender and family names by gender (women mostly carry feminine ones, as on Java)."""

    male: tuple[str, ...]
    female: tuple[str, ...]
    male_family: tuple[str, ...]
    female_family: tuple[str, ...]

    def pick(self, rng: random.Random, gender: str) -> str:
        given, family = (self.male, self.male_family) if gender == "L" else (self.female, self.female_family)
        parts = [rng.choice(given)]
        if rng.random() < 0.25:
            parts.append(rng.choice([g for g in given if g != parts[0]]))
        parts.append(rng.choice(family))
        return " ".join(parts)


JAWA = Names(  # Kota Malang, Kab. Tuban (East Java)
    male=("Agus", "Ahmad", "Andik", "Arif", "Bambang", "Bayu", "Budi", "Dedy", "Didik", "Dwi", "Eko", "Fajar",
          "Hadi", "Hari", "Hendro", "Heru", "Imam", "Irfan", "Joko", "Kukuh", "Muhammad", "Nanang", "Oki", "Rudi",
          "Slamet", "Sugeng", "Sutrisno", "Teguh", "Wahyu", "Yusuf"),
    female=("Anik", "Ayu", "Citra", "Dewi", "Dian", "Endah", "Endang", "Erna", "Fitri", "Gita", "Ika", "Indah",
            "Kartika", "Lestari", "Lilik", "Novi", "Nur", "Puji", "Ratna", "Retno", "Rina", "Siti", "Sri", "Tri",
            "Umi", "Wulan", "Yuli", "Yuni"),
    male_family=("Santoso", "Wibowo", "Prasetyo", "Hidayat", "Kurniawan", "Setiawan", "Nugroho", "Saputra",
                 "Pratama", "Firmansyah", "Hartono", "Purnomo", "Susilo", "Wijaya", "Sulistyo", "Hermawan",
                 "Gunawan", "Suprapto", "Utomo", "Cahyono"),
    female_family=("Wulandari", "Handayani", "Rahmawati", "Susanti", "Lestari", "Purwanti", "Astuti",
                   "Kusumawati", "Puspitasari", "Anggraini", "Suryani", "Wahyuni", "Rahayu", "Fitriani"),
)

SUNDA = Names(  # Kab. Serang (Banten)
    male=("Asep", "Ujang", "Dede", "Cecep", "Iwan", "Hendra", "Nanang", "Agus", "Rohmat", "Yayat", "Dadang",
          "Deden", "Encep", "Ade", "Ahmad", "Ikhsan", "Jajang", "Mamat", "Rudi", "Tatang", "Ridwan", "Wawan",
          "Yusuf", "Lukman", "Saepul", "Irfan", "Budi", "Maman", "Sukma", "Fajar"),
    female=("Euis", "Neneng", "Siti", "Iis", "Nining", "Lilis", "Rina", "Dewi", "Yanti", "Eti", "Nurul", "Ai",
            "Enok", "Tuti", "Wiwin", "Yuli", "Rini", "Ika", "Sri", "Nia", "Nenden", "Lina", "Ratna", "Fitri", "Heni"),
    male_family=("Sutisna", "Suryana", "Hidayat", "Permana", "Kurniawan", "Setiawan", "Maulana", "Saepudin",
                 "Ruhiyat", "Supriatna", "Wahyudin", "Sobari", "Mulyana", "Rusmana", "Hermawan", "Firmansyah",
                 "Nugraha", "Gunawan", "Sopandi", "Jaelani", "Syarifudin", "Kosasih"),
    female_family=("Rahmawati", "Nurhasanah", "Maryati", "Rohaeti", "Kurniasih", "Nurjanah", "Handayani",
                   "Sulastri", "Yulianti", "Fitriani", "Mulyani", "Komalasari", "Herawati", "Suryani"),
)

MELAYU = Names(  # Kota Jambi
    male=("Syafrizal", "Zulkifli", "Hendri", "Rahmat", "Fauzi", "Edi", "Hasan", "Irwan", "Joni", "Mukhlis",
          "Nasrul", "Rizal", "Syahrial", "Yusran", "Azwar", "Effendi", "Firdaus", "Herman", "Junaidi", "Ridwan"),
    female=("Nurhayati", "Yusnidar", "Hasanah", "Elvira", "Fitriani", "Hartati", "Juliana", "Mardiana", "Nurlela",
            "Rosmiati", "Suryani", "Yenni", "Zuraida", "Desi", "Lusi", "Maya", "Rahmi", "Sri", "Wati", "Yulia"),
    male_family=("Saputra", "Effendi", "Hamzah", "Abdullah", "Ismail", "Sulaiman", "Harahap", "Siregar", "Lubis",
                 "Nasution", "Hasibuan", "Syam", "Yusuf", "Putra"),
    female_family=("Harahap", "Siregar", "Lubis", "Nasution", "Hasibuan", "Syam", "Putri", "Yanti", "Sari",
                   "Wati", "Hamzah", "Ismail"),
)


def golongan(rng: random.Random, employee_type: str, kind: str, jabatan: str) -> str:
    """A golongan that fits the jabatan: PPPK I-XVII by level, PNS I/a-IV/e by kind and level."""
    if employee_type == "PPPK":
        for level, grades in (("Ahli Muda", ("X", "X", "XI")), ("Ahli Pertama", ("IX", "IX", "X")),
                              ("Terampil", ("VII", "VII", "V"))):
            if level in jabatan:
                return rng.choice(grades)
        return rng.choice(("V", "VII"))
    if kind == "jpt":
        choices = ("IV/c", "IV/d")
    elif kind == "administrator":
        choices = ("III/d", "IV/a", "IV/a", "IV/b")
    elif kind == "pengawas":
        choices = ("III/b", "III/c", "III/c", "III/d")
    elif kind == "pelaksana":
        choices = ("II/a", "II/b", "II/c", "II/d", "III/a", "III/b")
    elif "Ahli Madya" in jabatan:
        choices = ("IV/a", "IV/b", "IV/c")
    elif "Ahli Muda" in jabatan:
        choices = ("III/c", "III/d")
    elif "Ahli Pertama" in jabatan:
        choices = ("III/a", "III/b")
    else:  # terampil / mahir
        choices = ("II/c", "II/d", "III/a", "III/b")
    return rng.choice(choices)


class People:
    """Unique, valid NIPs and names for one region."""

    def __init__(self, rng: random.Random, names: Names, taken: Iterable[str] = ()) -> None:
        self.rng = rng
        self.names = names
        self.taken: set[str] = set(taken)

    def gender(self, female_share: float = 0.45) -> str:
        return "P" if self.rng.random() < female_share else "L"

    def birth_date(self, born: tuple[int, int]) -> date:
        first, last = date(born[0], 1, 1), date(born[1], 12, 31)
        return first + timedelta(days=self.rng.randint(0, (last - first).days))

    def nip(self, gender: str, *, born: tuple[int, int] = (1967, 1998), start: tuple[int, int] | None = None,
            latest_start: int = 2022) -> str:
        """A NIP not used before in this region. `start` = (year, month) of the TMT; by default a CPNS start
        21-32 years after birth and not after `latest_start`, in one of the months CPNS usually start."""
        while True:
            birth = self.birth_date(born)
            if start is None:
                year = min(birth.year + self.rng.randint(21, 32), latest_start)
                if year < birth.year + 19:
                    continue
                month = self.rng.choice((1, 1, 2, 3, 3, 4, 12))
            else:
                year, month = start
            nip = make_nip(birth, year, month, gender, self.rng.randint(1, 999))
            if nip not in self.taken:
                parse_nip(nip)  # raises if the parts do not make a valid NIP (e.g. a start before age 15)
                self.taken.add(nip)
                return nip

    def employee(self, *, opd: str | None, jabatan: str, kind: str, employee_type: str = "PNS",
                 gender: str | None = None, born: tuple[int, int] = (1967, 1998),
                 start: tuple[int, int] | None = None, latest_start: int = 2022) -> EmployeeRow:
        gender = gender or self.gender()
        nip = self.nip(gender, born=born, start=start, latest_start=latest_start)
        return person(nip, self.names.pick(self.rng, gender), employee_type,
                      golongan(self.rng, employee_type, kind, jabatan), jabatan, kind, opd)

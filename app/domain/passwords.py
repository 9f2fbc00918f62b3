"""Password rules (no I/O): a minimum length, and a real strength estimate (zxcvbn) that also knows the passwords
and words common in Indonesian offices (common_passwords.txt), the username and the region's names.

zxcvbn estimates how many guesses a cracking program needs (dictionaries of common passwords, names and words,
keyboard patterns, repeats, sequences, dates, l33t substitutions); a password needs score 3 (about 10^8 guesses),
so `passwordpassword` or `bandung12345` is refused, and the message says in Indonesian what makes it guessable.
"""

from __future__ import annotations

import threading
from functools import cache
from pathlib import Path

from app.domain.errors import RuleError

MIN_LENGTH = 10
MAX_LENGTH = 256
MIN_SCORE = 3  # zxcvbn: 0-4; 3 = "safely unguessable", ~10^8 guesses and more
ESTIMATED_CHARS = 72  # zxcvbn's own limit; what follows only adds strength
_ESTIMATOR_LOCK = threading.Lock()  # zxcvbn keeps the user inputs of a call in a module global
_ADVICE = "Pakai beberapa kata yang tidak umum (mis. empat kata acak), bukan nama, tanggal, urutan atau pengulangan."
# Why a password is guessable, by the kind of the longest pattern zxcvbn found in it.
_REASONS = {
    "passwords": "memuat kata sandi yang sangat sering dipakai",
    "user_inputs": "memuat kata sandi atau kata yang sangat umum di Indonesia",
    "english_wikipedia": "memuat kata umum",
    "us_tv_and_film": "memuat kata umum",
    "female_names": "memuat nama orang",
    "male_names": "memuat nama orang",
    "surnames": "memuat nama orang",
    "spatial": "memuat pola tombol keyboard (mis. qwerty atau asdf)",
    "repeat": "memuat pengulangan (mis. aaa atau abcabc)",
    "sequence": "memuat urutan (mis. abc atau 6543)",
    "regex": "memuat tahun",
    "date": "memuat tanggal",
}


class PasswordRejected(RuleError):
    """A password the rules refuse."""


@cache
def common_passwords() -> tuple[str, ...]:
    """Passwords and words frequent in Indonesia and worldwide, most common first (common_passwords.txt)."""
    path = Path(__file__).with_name("common_passwords.txt")
    return tuple(dict.fromkeys(line.strip().casefold() for line in path.read_text().splitlines() if line.strip()))


def _estimate(password: str, words: list[str]) -> dict:
    from zxcvbn import zxcvbn  # ~1 MB of word lists: loaded on the first password checked, not at import

    with _ESTIMATOR_LOCK:
        return zxcvbn(password[:ESTIMATED_CHARS], user_inputs=words)


def _reason(result: dict) -> str:
    found = [m for m in result.get("sequence", []) if m.get("pattern") != "bruteforce"]
    if not found:
        return "terlalu pendek atau terlalu sederhana"
    longest = max(found, key=lambda m: (len(m.get("token", "")), not m.get("reversed"), not m.get("l33t")))
    kind = longest.get("dictionary_name") if longest["pattern"] == "dictionary" else longest["pattern"]
    reason = _REASONS.get(kind, "memuat pola yang mudah ditebak")
    if longest.get("l33t") or longest.get("reversed"):
        reason += ", walau dibalik atau hurufnya diganti angka/simbol"
    return reason


def check_password(password: str, *, username: str = "", context: tuple[str, ...] = ()) -> None:
    """Raise PasswordRejected (Indonesian message saying why) unless the password is acceptable."""
    if len(password) < MIN_LENGTH:
        raise PasswordRejected("password_too_short", f"Kata sandi minimal {MIN_LENGTH} karakter.")
    if len(password) > MAX_LENGTH:
        raise PasswordRejected("password_too_long", f"Kata sandi maksimal {MAX_LENGTH} karakter.")
    folded = password.casefold()
    for word in (username, *context):
        if word and len(word) >= 4 and word.casefold() in folded:
            raise PasswordRejected("password_contains_name", "Kata sandi tidak boleh memuat nama pengguna atau "
                                                             "nama instansi.")
    words = [w for w in (username, *context) if w] + list(common_passwords())
    result = _estimate(password, words)
    if folded in common_passwords() or result["score"] < MIN_SCORE:
        raise PasswordRejected("password_common", f"Kata sandi terlalu mudah ditebak: {_reason(result)}. {_ADVICE}")

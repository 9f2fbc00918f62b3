"""Password rules (no I/O): a minimum length and a refusal of common or guessable passwords."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from app.domain.errors import RuleError

MIN_LENGTH = 10
MAX_LENGTH = 256


class PasswordRejected(RuleError):
    """A password the rules refuse."""


@cache
def common_passwords() -> frozenset[str]:
    """Frequent passwords worldwide and in Indonesia (one per line in common_passwords.txt)."""
    path = Path(__file__).with_name("common_passwords.txt")
    return frozenset(line.strip().casefold() for line in path.read_text().splitlines() if line.strip())


def check_password(password: str, *, username: str = "", context: tuple[str, ...] = ()) -> None:
    """Raise PasswordRejected (Indonesian message) unless the password is acceptable."""
    if len(password) < MIN_LENGTH:
        raise PasswordRejected("password_too_short", f"Kata sandi minimal {MIN_LENGTH} karakter.")
    if len(password) > MAX_LENGTH:
        raise PasswordRejected("password_too_long", f"Kata sandi maksimal {MAX_LENGTH} karakter.")
    folded = password.casefold()
    if folded in common_passwords() or len(set(folded)) <= 3:
        raise PasswordRejected("password_common", "Kata sandi terlalu umum atau mudah ditebak.")
    for word in (username, *context):
        if word and len(word) >= 4 and word.casefold() in folded:
            raise PasswordRejected("password_contains_name", "Kata sandi tidak boleh memuat nama pengguna atau "
                                                             "nama instansi.")

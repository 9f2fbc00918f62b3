"""Password hashing with argon2id (argon2-cffi). Parameters chosen so one verify takes ~50-100 ms here
(see bench/auth.py); hashes made with older parameters are upgraded at the next successful login."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

_hasher = PasswordHasher(time_cost=3, memory_cost=65536, parallelism=2)
# Verified against when the user does not exist, so that unknown users cost the same time as wrong passwords.
_DUMMY_HASH = _hasher.hash("kompeten-dummy-password-for-timing")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)

"""The one error type of the domain's rules (NIP, golongan, passwords): a stable machine `code` and a `message`
for the person (Bahasa Indonesia)."""

from __future__ import annotations


class RuleError(ValueError):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(code, message)
        self.code = code
        self.message = message

    def __str__(self) -> str:
        return self.message

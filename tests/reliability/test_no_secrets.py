"""No secrets in the repository: every tracked file (`git ls-files`) is scanned for private keys, Kompeten API
tokens, cloud and GitHub tokens, and passwords written into URLs. A hit fails the test, naming file and line.

Test data that must look like a secret is allowed only by an explicit entry in ALLOWED (path, exact text).
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from app.config import REPO_ROOT

PATTERNS: dict[str, re.Pattern[str]] = {
    "private key": re.compile(r"-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----"),
    "Kompeten API token": re.compile(r"\bkpt_[A-Za-z0-9_-]{20,}"),
    "AWS access key id": re.compile(r"\b(?:AKIA|ASIA|AGPA|AIDA|AROA|ANPA)[0-9A-Z]{16}\b"),
    "AWS secret access key": re.compile(r"(?i)aws_?secret_?access_?key\s*[=:]\s*['\"]?[A-Za-z0-9/+=]{40}"),
    "GitHub token": re.compile(r"\b(?:gh[pousr]_[A-Za-z0-9]{36,}|github_pat_[A-Za-z0-9_]{40,})"),
    "Slack token": re.compile(r"\bxox[abposr]-[A-Za-z0-9-]{10,}"),
    "password in a URL": re.compile(r"\b[a-z][a-z0-9+.-]*://[^\s/:@'\"<>]+:([^\s/@'\"<>{}$]+)@[\w.-]+"),
}
# Placeholders that are not secrets when they stand where a password would be.
PLACEHOLDER_PASSWORDS = {"password", "pass", "secret", "changeme", "xxx", "***", "PASSWORD", "..."}
ALLOWED: set[tuple[str, str]] = set()  # (path, exact matched text) of test fixtures that must look like secrets
SKIP_SUFFIXES = (".png", ".jpg", ".jpeg", ".gif", ".ico", ".xlsx", ".pdf", ".woff", ".woff2")


def tracked_files(root: Path) -> list[str]:
    out = subprocess.run(["git", "ls-files", "-z"], cwd=root, capture_output=True, check=True)  # noqa: S607
    return [p for p in out.stdout.decode().split("\0") if p]


def scan_text(path: str, text: str) -> list[str]:
    hits = []
    for lineno, line in enumerate(text.splitlines(), 1):
        for kind, pattern in PATTERNS.items():
            for match in pattern.finditer(line):
                if kind == "password in a URL" and match.group(1) in PLACEHOLDER_PASSWORDS:
                    continue
                if (path, match.group(0)) in ALLOWED:
                    continue
                hits.append(f"{path}:{lineno}: {kind}: {match.group(0)[:12]}…")
    return hits


def scan(root: Path) -> list[str]:
    hits: list[str] = []
    for path in tracked_files(root):
        if path.endswith(SKIP_SUFFIXES):
            continue
        file = root / path
        if not file.is_file():
            continue  # deleted in the work tree, not yet committed
        hits.extend(scan_text(path, file.read_bytes().decode("utf-8", errors="replace")))
    return hits


def test_no_tracked_file_contains_a_secret():
    if not (REPO_ROOT / ".git").exists():
        pytest.skip("not a git checkout")
    hits = scan(REPO_ROOT)
    assert not hits, "secrets in tracked files:\n" + "\n".join(hits)


@pytest.mark.parametrize(("text", "kind"), [
    ("-----BEGIN " + "RSA PRIVATE KEY-----", "private key"),
    ("-----BEGIN " + "OPENSSH PRIVATE KEY-----", "private key"),
    ("Authorization: Bearer " + "kpt_" + "Zk3" * 12, "Kompeten API token"),
    ("AKIA" + "IOSFODNN7EXAMPLE", "AWS access key id"),
    ("aws_secret_access_key = " + "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "AWS secret access key"),
    ("ghp_" + "a1B2" * 9, "GitHub token"),
    ("DATABASE_URL=postgresql://kompeten:" + "s3cr3t-Pw" + "@db.example:5432/kompeten", "password in a URL"),
    ("REDIS_URL=redis://default:" + "hunter22" + "@cache:6379/0", "password in a URL"),
])
def test_the_scanner_finds_each_kind_of_secret(text, kind):
    hits = scan_text("x.env", text)
    assert len(hits) == 1 and f": {kind}: " in hits[0]


@pytest.mark.parametrize("text", [
    "postgresql://postgres@127.0.0.1:5432/postgres",  # no password
    "postgresql://user:password@host/db",  # a documented placeholder
    'TOKEN_PREFIX = "kpt_"',  # the public marker alone
    "https://kompeten.id/problems/404",
])
def test_the_scanner_leaves_ordinary_text_alone(text):
    assert scan_text("README.md", text) == []

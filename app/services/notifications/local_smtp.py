"""A local SMTP server on loopback (aiosmtpd): what `kompeten demo` runs when no SMTP server is configured, and what
the tests and the benchmark send to. It keeps what it receives in memory (and, given a directory, as .eml files), and
can be told to refuse messages (a 4xx answer) to play a server in trouble."""

from __future__ import annotations

import contextlib
import email
import email.parser
import email.policy
import socket
import threading
from dataclasses import dataclass
from email.message import EmailMessage
from functools import cached_property
from pathlib import Path

from aiosmtpd.controller import Controller


@dataclass(frozen=True)
class Received:
    mail_from: str
    rcpt_tos: tuple[str, ...]
    raw: bytes

    @cached_property
    def message(self) -> EmailMessage:
        """Parsed when first read, not as it arrives: parsing a message with its inline logo costs the server more
        than receiving it, and the server would then be the slowest part of a reminder run."""
        return email.message_from_bytes(self.raw, policy=email.policy.default)

    @property
    def message_id(self) -> str:
        """From the headers alone (the benchmark's summary reads thousands)."""
        if "message" in self.__dict__:
            return str(self.message["Message-ID"])
        return str(email.parser.BytesHeaderParser(policy=email.policy.default).parsebytes(self.raw)["Message-ID"])


class Mailbox:
    """aiosmtpd handler: accepts (or refuses) each message and keeps it."""

    def __init__(self, directory: Path | None = None) -> None:
        self.received: list[Received] = []
        self.refuse: str | None = None  # e.g. "451 4.3.0 coba lagi nanti": every DATA is answered with it
        self.directory = directory
        self._lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        if self.refuse:
            return self.refuse
        raw = envelope.original_content or envelope.content
        with self._lock:
            self.received.append(Received(envelope.mail_from, tuple(envelope.rcpt_tos), raw))
            count = len(self.received)
        if self.directory is not None:
            self.directory.mkdir(parents=True, exist_ok=True)
            (self.directory / f"{count:06d}.eml").write_bytes(raw)
        return "250 OK"

    def to(self, address: str) -> list[Received]:
        with self._lock:
            return [r for r in self.received if address in r.rcpt_tos]

    def count(self) -> int:
        with self._lock:
            return len(self.received)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LocalSmtp:
    """A running aiosmtpd server on 127.0.0.1; `stop()` takes it down (connections are refused), `start()` brings it
    back on the same port."""

    def __init__(self, port: int | None = None, directory: Path | None = None) -> None:
        self.host = "127.0.0.1"
        self.port = port or free_port()
        self.mailbox = Mailbox(directory)
        self._controller: Controller | None = None

    def start(self) -> LocalSmtp:
        if self._controller is None:
            self._controller = Controller(self.mailbox, hostname=self.host, port=self.port, ready_timeout=10)
            self._controller.start()
        return self

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    @property
    def running(self) -> bool:
        return self._controller is not None


def main(argv: list[str] | None = None) -> None:
    """`python -m app.services.notifications.local_smtp [--port N] [--dir D]`: a local SMTP server until SIGTERM or
    Ctrl-C; prints how many messages it received when it stops (the benchmark reads that line)."""
    import argparse
    import signal
    import sys

    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("--port", type=int, default=None)
    parser.add_argument("--dir", default=None, help="keep each message as an .eml file here")
    args = parser.parse_args(argv)
    server = LocalSmtp(args.port, Path(args.dir) if args.dir else None).start()
    print(f"listening on {server.host}:{server.port}", flush=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    with contextlib.suppress(KeyboardInterrupt):
        stop.wait()
    server.stop()
    recipients = sum(len(r.rcpt_tos) for r in server.mailbox.received)
    distinct = len({r.message_id for r in server.mailbox.received})
    print(f"received {server.mailbox.count()} messages, {recipients} recipients, {distinct} distinct Message-IDs",
          flush=True)
    sys.exit(0)


if __name__ == "__main__":
    main()

"""SMTP: the deployment's mail server (host, port, TLS, user, password) and the MIME messages sent through it.

The server is the deployment's, read from the app config or the environment (`KOMPETEN_SMTP_HOST`, `_PORT`,
`_TLS` = none | starttls | ssl, `_USER`, `_PASSWORD`, `_FROM`, `_TIMEOUT`); the sender's name, the reply-to and the
bounce address (the envelope sender) are the region's (its notification settings). The password is never logged and
never shown: `SmtpConfig.__repr__` leaves it out, and errors are reported by their SMTP code and text only."""

from __future__ import annotations

import io
import os
import smtplib
import ssl
from dataclasses import dataclass, field
from email.generator import BytesGenerator
from email.header import Header
from email.message import Message
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.utils import formataddr, formatdate

from flask import current_app

from app.services.notifications.logo import LOGO_SRC, MARKER, InlineImage

_MARKER = MARKER.encode("ascii")

TLS_MODES = ("none", "starttls", "ssl")


@dataclass(frozen=True)
class SmtpConfig:
    host: str
    port: int
    tls: str = "none"
    user: str | None = None
    password: str | None = field(default=None, repr=False)
    from_address: str = "no-reply@kompeten.local"
    timeout: float = 30.0

    def __repr__(self) -> str:  # never the password
        return (f"SmtpConfig(host={self.host!r}, port={self.port}, tls={self.tls!r}, user={self.user!r}, "
                f"from_address={self.from_address!r})")


def _setting(name: str) -> str | None:
    value = current_app.config.get(f"SMTP_{name}")
    if value in (None, ""):
        value = os.environ.get(f"KOMPETEN_SMTP_{name}")
    return None if value in (None, "") else str(value)


def smtp_config() -> SmtpConfig | None:
    """The deployment's SMTP server, or None when none is configured (messages then wait in the outbox)."""
    host = _setting("HOST")
    if not host:
        return None
    tls = (_setting("TLS") or "none").lower()
    if tls not in TLS_MODES:
        raise ValueError(f"KOMPETEN_SMTP_TLS must be one of {', '.join(TLS_MODES)} (got {tls!r})")
    default_port = {"none": 25, "starttls": 587, "ssl": 465}[tls]
    return SmtpConfig(host=host, port=int(_setting("PORT") or default_port), tls=tls, user=_setting("USER"),
                      password=_setting("PASSWORD"), from_address=_setting("FROM") or "no-reply@kompeten.local",
                      timeout=float(_setting("TIMEOUT") or 30))


def connect(config: SmtpConfig) -> smtplib.SMTP:
    """An open, logged-in connection (the caller quits it)."""
    if config.tls == "ssl":
        conn: smtplib.SMTP = smtplib.SMTP_SSL(config.host, config.port, timeout=config.timeout,
                                              context=ssl.create_default_context())
    else:
        conn = smtplib.SMTP(config.host, config.port, timeout=config.timeout)
        if config.tls == "starttls":
            conn.starttls(context=ssl.create_default_context())
    if config.user:
        conn.login(config.user, config.password or "")
    return conn


@dataclass(frozen=True)
class Sender:
    """The region's side of the envelope and headers."""

    name: str
    reply_to: str | None
    bounce_address: str | None


def build_message(config: SmtpConfig, sender: Sender, *, message_key: str, recipient: str,
                  recipient_name: str | None, subject: str, body_text: str, body_html: str,
                  ics: str | None = None, inline_logo: InlineImage | None = None) -> Message:
    """A multipart/alternative (text, HTML) message, inside a multipart/mixed with the .ics attachment when given.
    When the HTML shows the region's logo (`cid:logo@kompeten`) and `inline_logo` is given, the HTML and the image
    part travel together as multipart/related inside the alternative (text-only readers never see the image).
    The image part is the sender run's one object, shared by its messages; `serialize` puts its body in.
    The Message-ID is derived from the outbox key, so a message sent again is recognisably the same message.
    Built with the email package's compat32 classes: four times cheaper than EmailMessage, which matters at
    thousands of messages a run."""
    alternative = MIMEMultipart("alternative")
    alternative.attach(MIMEText(body_text, "plain", "utf-8"))
    html = MIMEText(body_html, "html", "utf-8")
    if inline_logo is not None and LOGO_SRC in body_html:
        related = MIMEMultipart("related")
        related.attach(html)
        related.attach(inline_logo.part)
        alternative.attach(related)
    else:
        alternative.attach(html)
    if ics:
        msg: Message = MIMEMultipart("mixed")
        msg.attach(alternative)
        calendar = MIMEText(ics, "calendar", "utf-8")
        calendar.set_param("method", "PUBLISH")
        calendar.add_header("Content-Disposition", "attachment", filename="jadwal.ics")
        msg.attach(calendar)
    else:
        msg = alternative
    # A Header object, not its encode(): the pre-encoded string of a long subject began with a folded empty line,
    # which readers showed as a leading space.
    msg["Subject"] = subject if subject.isascii() else Header(subject, "utf-8")
    msg["From"] = formataddr((sender.name, config.from_address))
    msg["To"] = formataddr((recipient_name or "", recipient))
    if sender.reply_to:
        msg["Reply-To"] = sender.reply_to
    msg["Date"] = formatdate(localtime=False)
    domain = config.from_address.rpartition("@")[2] or "kompeten.local"
    msg["Message-ID"] = f"<{message_key}@{domain}>"
    msg["Auto-Submitted"] = "auto-generated"
    return msg


def serialize(msg: Message, inline_logo: InlineImage | None = None) -> bytes:
    """The message's bytes as SMTP carries them (CRLF), the inline logo's body put in place of its marker."""
    buffer = io.BytesIO()
    BytesGenerator(buffer, policy=msg.policy.clone(linesep="\r\n")).flatten(msg, linesep="\r\n")
    raw = buffer.getvalue()
    if inline_logo is not None:
        raw = raw.replace(_MARKER, inline_logo.body, 1)
    return raw


def send(conn: smtplib.SMTP, config: SmtpConfig, sender: Sender, raw: bytes, recipient: str) -> None:
    """Hand one message (its bytes, from `serialize`) to the server; raises smtplib's errors (SMTPException,
    OSError) when it is not accepted. The envelope sender is the region's bounce address when it has one, so bounces
    go back to the region. An address SMTP cannot carry without SMTPUTF8 is refused as the server would (553)."""
    envelope_from = sender.bounce_address or config.from_address
    if not (recipient.isascii() and envelope_from.isascii()):
        raise smtplib.SMTPRecipientsRefused({recipient: (553, b"alamat bukan ASCII (SMTPUTF8 tidak dipakai)")})
    refused = conn.sendmail(envelope_from, [recipient], raw)
    if refused:
        code, text = refused[recipient]
        raise smtplib.SMTPRecipientsRefused({recipient: (code, text)})


def describe_error(exc: BaseException) -> str:
    """What an outbox row keeps of a failure: the SMTP code and text, or the connection error; never credentials."""
    if isinstance(exc, smtplib.SMTPResponseException):
        text = exc.smtp_error.decode("utf-8", "replace") if isinstance(exc.smtp_error, bytes) else str(exc.smtp_error)
        return f"SMTP {exc.smtp_code}: {text}"[:1000]
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return f"penerima ditolak: {exc.recipients}"[:1000]
    return f"{type(exc).__name__}: {exc}"[:1000]


def is_permanent(exc: BaseException) -> bool:
    """A 5xx answer to the message itself (unknown mailbox, refused content): retrying will not help."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return all(500 <= code < 600 for code, _ in exc.recipients.values())
    if isinstance(exc, smtplib.SMTPDataError | smtplib.SMTPSenderRefused):
        return 500 <= exc.smtp_code < 600
    return False

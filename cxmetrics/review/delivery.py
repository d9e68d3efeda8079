"""Sending the weekly review by email: every message is built before the first is sent, each recipient gets one message
with only their own scope's pack, and a passing failure is tried again with a growing wait.

A message is handed to the mail server whole (SMTP's DATA is accepted or refused as one): a refused or broken send
leaves nothing with the recipient, so a retry cannot deliver half a pack. A permanent refusal (5xx) is not retried.
"""

from __future__ import annotations

import smtplib
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from cxmetrics import config

ATTACHMENT_TYPES = {"pdf": ("application", "pdf"), "html": ("text", "html")}


@dataclass(frozen=True)
class Server:
    """The mail server to send through, and the account to sign in with (the password comes from the settings)."""

    host: str
    port: int
    user: str = ""

    @classmethod
    def parse(cls, address: str, user: str = "") -> Server:
        """A server from `HOST:PORT`; raises ValueError for anything else."""
        host, _, port = address.rpartition(":")
        if not host or not port.isdigit():
            raise ValueError(f"--smtp takes HOST:PORT, not {address!r}")
        return cls(host, int(port), user)


@dataclass(frozen=True)
class Outcome:
    """What became of one message: sent or not, after how many tries, and why not."""

    recipient: str
    subject: str
    sent: bool
    attempts: int
    reason: str = ""

    def describe(self) -> str:
        """'sent to a@x (1 try)' or 'NOT sent to a@x after 4 tries: 451 mailbox busy'."""
        tries = f"{self.attempts} tr{'y' if self.attempts == 1 else 'ies'}"
        if self.sent:
            return f"sent to {self.recipient}: {self.subject} ({tries})"
        return f"NOT sent to {self.recipient}: {self.subject} (after {tries}): {self.reason}"


def message(recipient: str, subject: str, body: str, attachment: tuple[str, bytes, str] | None = None) -> EmailMessage:
    """An email to one recipient, with an optional attachment (file name, content, format 'pdf' or 'html')."""
    found = EmailMessage()
    found["From"] = str(config.get("CX_MAIL_FROM"))
    found["To"] = recipient
    found["Subject"] = subject
    found["Date"] = formatdate(localtime=False)
    found["Message-ID"] = make_msgid(domain=found["From"].rpartition("@")[2] or "localhost")
    found.set_content(body)
    if attachment:
        name, content, fmt = attachment
        kind, sub = ATTACHMENT_TYPES[fmt]
        found.add_attachment(content, maintype=kind, subtype=sub, filename=name)
    return found


def _permanent(error: Exception) -> bool:
    """Whether the server refused for good (a 5xx reply): trying again would not help."""
    code = getattr(error, "smtp_code", None)
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        code = min(c for c, _ in error.recipients.values())
    return code is not None and 500 <= code < 600


def _reason(error: Exception) -> str:
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return "; ".join(f"{c} {m.decode(errors='replace')}" for c, m in error.recipients.values())
    code, text = getattr(error, "smtp_code", None), getattr(error, "smtp_error", None)
    if code is not None:
        return f"{code} {text.decode(errors='replace') if isinstance(text, bytes) else text}"
    return f"{type(error).__name__}: {error}"


def _send_once(server: Server, mail: EmailMessage, timeout: float) -> None:
    with smtplib.SMTP(server.host, server.port, timeout=timeout) as smtp:
        smtp.ehlo()
        if smtp.has_extn("starttls"):
            smtp.starttls()
            smtp.ehlo()
        if server.user:
            smtp.login(server.user, str(config.get("CX_SMTP_PASSWORD")))
        smtp.send_message(mail)


def send(
    server: Server,
    mail: EmailMessage,
    attempts: int | None = None,
    backoff_s: float | None = None,
    sleep: Callable[[float], None] = time.sleep,
    timeout: float = 30.0,
) -> Outcome:
    """Send one message, trying again after a passing failure (waiting `backoff_s`, then twice as long each time)."""
    attempts = attempts or int(config.get("CX_SEND_ATTEMPTS"))
    wait = float(config.get("CX_SEND_BACKOFF_SECONDS")) if backoff_s is None else backoff_s
    reason = ""
    for attempt in range(1, attempts + 1):
        try:
            _send_once(server, mail, timeout)
            return Outcome(mail["To"], mail["Subject"], True, attempt)
        except (smtplib.SMTPException, OSError) as error:
            reason = _reason(error)
            if _permanent(error) or attempt == attempts:
                return Outcome(mail["To"], mail["Subject"], False, attempt, reason)
            sleep(wait * 2 ** (attempt - 1))
    return Outcome(mail["To"], mail["Subject"], False, attempts, reason)


def send_all(server: Server, mails: Sequence[EmailMessage], **options) -> list[Outcome]:
    """Send messages already built, one after another; a failure of one does not stop the others."""
    return [send(server, mail, **options) for mail in mails]

"""A real SMTP server on localhost (aiosmtpd) for the delivery tests: it keeps every message it accepts, and can refuse
chosen recipients for a number of tries (a passing 451 or a permanent 550)."""

from __future__ import annotations

import socket
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

HOST = "127.0.0.1"


@dataclass
class Mailbox:
    """What the server accepted, and the refusals it is told to give: recipient -> (reply, how many times)."""

    received: list[EmailMessage] = field(default_factory=list)
    envelopes: list[tuple[str, tuple[str, ...]]] = field(default_factory=list)
    refuse: dict[str, tuple[str, int]] = field(default_factory=dict)
    logins: list[tuple[str, str]] = field(default_factory=list)

    def to(self, recipient: str) -> list[EmailMessage]:
        """The messages addressed to `recipient`."""
        return [m for m in self.received if m["To"] == recipient]


class _Handler:
    def __init__(self, box: Mailbox) -> None:
        self.box = box

    async def handle_DATA(self, server, session, envelope) -> str:  # noqa: N802 (aiosmtpd's hook name)
        for recipient in envelope.rcpt_tos:
            reply, times = self.box.refuse.get(recipient, ("", 0))
            if times:
                self.box.refuse[recipient] = (reply, times - 1)
                return reply
        self.box.envelopes.append((envelope.mail_from, tuple(envelope.rcpt_tos)))
        self.box.received.append(message_from_bytes(envelope.content, policy=policy.default))
        return "250 OK"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


@contextmanager
def smtp_server(password: str | None = None) -> Iterator[tuple[Mailbox, int]]:
    """A running server and its mailbox; with `password`, it requires a login (any user) with that password."""
    box = Mailbox()

    def authenticate(server, session, envelope, mechanism, auth_data) -> AuthResult:
        if isinstance(auth_data, LoginPassword):
            box.logins.append((auth_data.login.decode(), auth_data.password.decode()))
            return AuthResult(success=auth_data.password.decode() == password)
        return AuthResult(success=False)

    options = {"authenticator": authenticate, "auth_required": True, "auth_require_tls": False} if password else {}
    port = _free_port()
    controller = Controller(_Handler(box), hostname=HOST, port=port, **options)
    with warnings.catch_warnings():  # the login over plain text is the point: loopback only, a test password
        warnings.simplefilter("ignore", UserWarning)
        controller.start()
    try:
        yield box, port
    finally:
        controller.stop()

"""Email delivery against a real SMTP server on localhost: retries of passing failures with a growing wait, permanent
refusals reported at once with the server's reason, the password from the settings."""

from __future__ import annotations

import pytest

from cxmetrics.review import delivery
from tests.smtp_server import HOST, smtp_server


def _mail(recipient: str = "a@example.com") -> object:
    return delivery.message(recipient, "Weekly CX review", "body text", ("pack.pdf", b"%PDF-1.4 test", "pdf"))


def test_a_message_arrives_whole_with_its_attachment():
    with smtp_server() as (box, port):
        outcome = delivery.send(delivery.Server(HOST, port), _mail(), attempts=1)
    assert outcome.sent and outcome.attempts == 1
    (received,) = box.received
    assert received["To"] == "a@example.com" and received["Subject"] == "Weekly CX review"
    assert box.envelopes == [("cx-dashboard@localhost", ("a@example.com",))]
    (attachment,) = list(received.iter_attachments())
    assert attachment.get_filename() == "pack.pdf" and attachment.get_content_type() == "application/pdf"
    assert attachment.get_content() == b"%PDF-1.4 test"


def test_a_passing_failure_is_tried_again_after_a_growing_wait():
    waits: list[float] = []
    with smtp_server() as (box, port):
        box.refuse["a@example.com"] = ("451 4.3.0 mailbox busy, try later", 2)
        outcome = delivery.send(delivery.Server(HOST, port), _mail(), attempts=4, backoff_s=0.5, sleep=waits.append)
    assert outcome.sent and outcome.attempts == 3
    assert waits == [0.5, 1.0]
    assert len(box.received) == 1  # the refused tries left nothing behind


def test_a_failure_that_outlasts_the_tries_is_reported_with_its_reason():
    with smtp_server() as (box, port):
        box.refuse["a@example.com"] = ("451 4.3.0 mailbox busy, try later", 9)
        outcome = delivery.send(delivery.Server(HOST, port), _mail(), attempts=3, backoff_s=0, sleep=lambda _: None)
    assert not outcome.sent and outcome.attempts == 3
    assert outcome.reason == "451 4.3.0 mailbox busy, try later"
    assert outcome.describe() == (
        "NOT sent to a@example.com: Weekly CX review (after 3 tries): 451 4.3.0 mailbox busy, try later"
    )
    assert box.received == []


def test_a_permanent_refusal_is_not_tried_again():
    waits: list[float] = []
    with smtp_server() as (box, port):
        box.refuse["gone@example.com"] = ("550 5.1.1 no such mailbox", 9)
        outcomes = delivery.send_all(
            delivery.Server(HOST, port), [_mail("gone@example.com"), _mail("b@example.com")], sleep=waits.append
        )
    assert [(o.recipient, o.sent, o.attempts) for o in outcomes] == [
        ("gone@example.com", False, 1),
        ("b@example.com", True, 1),
    ]
    assert outcomes[0].reason == "550 5.1.1 no such mailbox" and waits == []
    assert [m["To"] for m in box.received] == ["b@example.com"]


def test_no_server_is_a_reported_failure():
    with smtp_server() as (_, port):
        pass  # stopped: nothing listens on the port any more
    outcome = delivery.send(delivery.Server(HOST, port), _mail(), attempts=2, backoff_s=0, sleep=lambda _: None)
    assert not outcome.sent and outcome.attempts == 2
    assert "ConnectionRefusedError" in outcome.reason


def test_the_password_comes_from_the_settings(monkeypatch):
    monkeypatch.setenv("CX_SMTP_PASSWORD", "s3cret")
    with smtp_server(password="s3cret") as (box, port):
        outcome = delivery.send(delivery.Server(HOST, port, "cx-sender"), _mail(), attempts=1)
    assert outcome.sent
    assert box.logins == [("cx-sender", "s3cret")]


@pytest.mark.parametrize("address", ["localhost", "localhost:", ":25", "host:port"])
def test_the_server_address_is_host_and_port(address):
    with pytest.raises(ValueError, match="HOST:PORT"):
        delivery.Server.parse(address)

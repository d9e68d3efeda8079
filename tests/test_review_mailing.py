"""The pack and the weekly run by email, against a real SMTP server on localhost: one message per recipient with their
own scope's pack attached and the headline messages in the body; nothing is sent when any recipient's pack cannot be
built; the weekly run sends the packs to the access list and the alerts to their subscribers."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from pypdf import PdfReader

from cxmetrics import cli
from cxmetrics.filters import AccessScope, Filters
from cxmetrics.reports.scorecard import view as scorecard_view
from cxmetrics.review import pack as review_pack
from tests.smtp_server import HOST, smtp_server

ACCESS_LIST = """
[[user]]
email = "exec@example.com"
role = "executive"
weekly_pack = false

[[user]]
email = "emea.lead@example.com"
role = "leader"
regions = ["EMEA"]

[[user]]
email = "apac.lead@example.com"
role = "leader"
regions = ["APAC"]
weekly_pack = false
alerts = [
  { metric = "transactional_nps", region = "APAC", touchpoint = "field_service" },
  { metric = "relationship_nps", region = "APAC" },
]
"""

# Each pack is drawn and printed by Chromium: seconds each, so with the slow tests (scripts/test.sh runs them).
pytestmark = pytest.mark.slow


@pytest.fixture
def access_list(tmp_path: Path) -> Path:
    path = tmp_path / "access.toml"
    path.write_text(ACCESS_LIST)
    return path


def _attached_text(message) -> tuple[str, str]:
    (attachment,) = list(message.iter_attachments())
    reader = PdfReader(io.BytesIO(attachment.get_content()))
    return attachment.get_filename(), "\n".join(page.extract_text() for page in reader.pages)


def test_each_recipient_gets_their_own_scopes_pack(committed, committed_path, access_list, capsys):
    with smtp_server() as (box, port):
        code = cli.main([
            "pack", "--db", str(committed_path), "--access-list", str(access_list), "--smtp", f"{HOST}:{port}",
            "--email-to", "emea.lead@example.com", "exec@example.com",
        ])  # fmt: skip
    assert code == 0
    assert sorted(r for _, rcpts in box.envelopes for r in rcpts) == ["emea.lead@example.com", "exec@example.com"]
    assert all(len(rcpts) == 1 for _, rcpts in box.envelopes)
    week = review_pack.review_week(committed, None)[0]
    for email, scope, words in (
        ("emea.lead@example.com", AccessScope(regions=("EMEA",)), "region EMEA"),
        ("exec@example.com", AccessScope(), "all regions, segments and touchpoints"),
    ):
        (message,) = box.to(email)
        assert message["Subject"] == f"Weekly CX review · {week.label} · {words}"
        body = message.get_body().get_content()
        for change in scorecard_view.build(committed, Filters(scope=scope), week).changes[:5]:
            assert f"- {change.sentence}" in body
        name, text = _attached_text(message)
        assert name == f"cx-review-{week.label}.pdf"
        assert f"Scope: {words}" in text
    _, emea_text = _attached_text(box.to("emea.lead@example.com")[0])
    assert not [r for r in ("APAC", "LATAM", "North America") if r in emea_text]
    assert capsys.readouterr().out.count("sent to ") == 2


def test_nothing_is_sent_when_a_recipient_is_not_on_the_access_list(committed_path, access_list, capsys):
    with smtp_server() as (box, port):
        code = cli.main([
            "pack", "--db", str(committed_path), "--access-list", str(access_list), "--smtp", f"{HOST}:{port}",
            "--email-to", "exec@example.com", "stranger@example.com",
        ])  # fmt: skip
    assert code == 3
    assert "stranger@example.com is not on the access list" in capsys.readouterr().err
    assert box.received == []


def test_the_weekly_run_sends_packs_and_alerts_and_reports_a_failure(committed_path, access_list, capsys, monkeypatch):
    monkeypatch.setenv("CX_SEND_BACKOFF_SECONDS", "0.01")
    monkeypatch.setenv("CX_SEND_ATTEMPTS", "3")
    monkeypatch.setenv("CX_BASE_URL", "https://cx.example.com")
    with smtp_server() as (box, port):
        box.refuse["apac.lead@example.com"] = ("451 4.3.0 mailbox busy", 1)  # the first try fails, the second lands
        box.refuse["emea.lead@example.com"] = ("550 5.1.1 mailbox unavailable", 9)
        code = cli.main([
            "schedule", "--db", str(committed_path), "--access-list", str(access_list), "--smtp", f"{HOST}:{port}",
            "--week", "2026-W46",
        ])  # fmt: skip
    out, err = capsys.readouterr()
    assert code == 1
    assert "2026-W46: 1 pack(s) and 1 alert email(s) built" in out
    assert (
        "sent to apac.lead@example.com: CX alert: Transactional NPS at the field service touchpoint in APAC (2 tries)"
        in out
    )
    assert (
        "NOT sent to emea.lead@example.com: Weekly CX review · 2026-W46 · region EMEA (after 1 try): "
        "550 5.1.1 mailbox unavailable" in err
    )
    (alert,) = box.received
    assert alert["To"] == "apac.lead@example.com" and not list(alert.iter_attachments())
    body = alert.get_body().get_content()
    assert body.startswith("Transactional NPS at the field service touchpoint in APAC fell 49 points to -25")
    assert "https://cx.example.com/journey?week=2026-W46&region=APAC&touchpoint=field_service" in body
    assert "relationship" not in body.lower()  # APAC's relationship NPS did not move: no alert for it


def test_a_quiet_week_sends_the_packs_only(committed_path, access_list):
    with smtp_server() as (box, port):
        code = cli.main([
            "schedule", "--db", str(committed_path), "--access-list", str(access_list), "--smtp", f"{HOST}:{port}",
            "--week", "2026-W11",
        ])  # fmt: skip
    assert code == 0
    assert [m["To"] for m in box.received] == ["emea.lead@example.com"]  # a quiet week in APAC: no alert email

"""Exception alerts on the committed sample world: a significant move or a significant target miss in a subscribed
slice raises one, with "what changed"'s sentence and a link to the view; a quiet week, a miss within the noise and
a slice outside the subscriber's scope raise none."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest

from cxmetrics import access
from cxmetrics.filters import AccessScope
from cxmetrics.periods import parse_week
from cxmetrics.reports.scorecard import changes
from cxmetrics.review import alerts

APAC_FIELD_SERVICE = access.Subscription("transactional_nps", region="APAC", touchpoint="field_service")
EMEA_NPS = access.Subscription("relationship_nps", region="EMEA")
APAC_NPS = access.Subscription("relationship_nps", region="APAC")
BASE = "https://cx.example.com/"


def _leader(region: str, *subscriptions: access.Subscription) -> access.Grant:
    return access.Grant("leader", AccessScope(regions=(region,)), email=f"{region.lower()}@example.com",
                        alerts=subscriptions)  # fmt: skip


@pytest.fixture(autouse=True)
def _base_url(monkeypatch):
    monkeypatch.setenv("CX_BASE_URL", BASE)


def test_a_significant_move_raises_the_what_changed_sentence_with_its_link(committed):
    week = parse_week("2026-W46")  # four weeks after APAC's field-service partner change
    (alert,) = alerts.evaluate(committed, _leader("APAC", APAC_FIELD_SERVICE), week)
    assert alert.kind == "move" and alert.recipient == "apac@example.com"
    assert alert.sentence.startswith("Transactional NPS at the field service touchpoint in APAC fell 49 points to -25")
    assert "significant, n=51" in alert.sentence
    moves = changes.significant_moves(committed, alerts.slice_filters(APAC_FIELD_SERVICE, _leader("APAC")), week)
    found = [c for c in moves if c.metric == "transactional_nps" and c.slice == ""]
    assert [c.sentence for c in found] == [alert.sentence]
    link = urlsplit(alert.link)
    assert f"{link.scheme}://{link.netloc}/" == BASE and link.path == "/journey"
    assert parse_qs(link.query) == {"week": ["2026-W46"], "region": ["APAC"], "touchpoint": ["field_service"]}
    assert alert.subject == "CX alert: Transactional NPS at the field service touchpoint in APAC"


def test_a_significant_target_miss_raises_an_alert_with_the_scorecards_link(committed):
    week = parse_week("2026-W11")  # EMEA's billing-system migration
    raised = alerts.evaluate(committed, _leader("EMEA", EMEA_NPS), week)
    (miss,) = [a for a in raised if a.kind == "target"]
    assert miss.sentence == (
        "Relationship NPS in EMEA is off target in 2026-W11: +7 against a target of +35, significantly below it (n=44)."
    )
    link = urlsplit(miss.link)
    assert link.path == "/" and parse_qs(link.query) == {"week": ["2026-W11"], "region": ["EMEA"]}


def test_a_quiet_week_raises_nothing(committed):
    assert alerts.evaluate(committed, _leader("APAC", APAC_FIELD_SERVICE, APAC_NPS), parse_week("2026-W11")) == []
    assert alerts.evaluate(committed, _leader("APAC", APAC_NPS), parse_week("2026-W46")) == []


def test_a_slice_outside_the_scope_raises_nothing(committed):
    week = parse_week("2026-W46")
    assert alerts.evaluate(committed, _leader("EMEA", APAC_FIELD_SERVICE), week) == []
    executive = access.Grant("executive", email="exec@example.com", alerts=(APAC_FIELD_SERVICE,))
    assert [a.kind for a in alerts.evaluate(committed, executive, week)] == ["move"]


@pytest.mark.parametrize(
    ("subscription", "described"),
    [
        (EMEA_NPS, "Relationship NPS in EMEA"),
        (APAC_FIELD_SERVICE, "Transactional NPS at the field service touchpoint in APAC"),
        (access.Subscription("csat"), "CSAT company-wide"),
        (access.Subscription("ces", segment="SMB"), "CES in the SMB segment"),
    ],
)
def test_a_subscription_in_words(subscription, described):
    assert alerts.describe(subscription) == described


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ({"alerts": [{"metric": "happiness"}]}, "unknown metric 'happiness'"),
        ({"alerts": [{"region": "EMEA"}]}, "an alert is { metric = ID"),
        ({"alerts": [{"metric": "csat", "team": "x"}]}, "an alert is { metric = ID"),
        ({"alerts": {"metric": "csat"}}, "`alerts` is a list"),
        ({"weekly_pack": "yes"}, "`weekly_pack` is true or false"),
    ],
)
def test_subscriptions_in_the_access_list_are_checked(entry, message):
    with pytest.raises(access.AccessListError, match=message):
        access.parse({"user": [{"email": "a@example.com", "role": "executive", **entry}]})


def test_the_access_list_names_the_packs_recipients_and_their_alerts():
    listed = access.parse(
        {
            "user": [
                {"email": "exec@example.com", "role": "executive"},
                {"email": "quiet@example.com", "role": "executive", "weekly_pack": False},
                {"sub": "abc", "role": "executive"},
                {"email": "emea@example.com", "role": "leader", "regions": ["EMEA"],
                 "alerts": [{"metric": "relationship_nps", "region": "EMEA"}]},
            ],
            "group": [{"group": "apac-leads", "role": "leader", "regions": ["APAC"]}],
        }
    )  # fmt: skip
    assert [g.email for g in listed.pack_recipients()] == ["exec@example.com", "emea@example.com"]
    assert listed.for_email("emea@example.com").alerts == (EMEA_NPS,)

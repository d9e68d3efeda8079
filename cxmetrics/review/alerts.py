"""Exception alerts: a person subscribes to a metric in a slice (in the access list, beside their scope); the weekly run
tells them when it moved significantly or missed its target significantly, by the rules of the Scorecard's "what
changed" (the same scan, tests and false-discovery control) and of its status colours (red = significantly below
target). A move within the noise, or a miss within the noise (amber), sends nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

from cxmetrics import config
from cxmetrics.access import Grant, Subscription
from cxmetrics.db import Connection
from cxmetrics.filters import Filters
from cxmetrics.metrics.registry import get_metric
from cxmetrics.periods import Period
from cxmetrics.quality import report as quality
from cxmetrics.query import frames as query
from cxmetrics.reports.scorecard import changes

OFF_TARGET = "off_target"
SCORECARD_PATH = ""  # the Scorecard is the app's root page


@dataclass(frozen=True)
class Alert:
    """One alert to send: whom, about which subscription, the sentence and the link to the view."""

    recipient: str
    subscription: Subscription
    kind: str
    sentence: str
    link: str

    @property
    def subject(self) -> str:
        """'CX alert: Relationship NPS at billing in EMEA'."""
        return f"CX alert: {describe(self.subscription)}"


def describe(subscription: Subscription) -> str:
    """'Relationship NPS at the billing touchpoint in EMEA'."""
    named = subscription.slice()
    parts = [get_metric(subscription.metric).label]
    if "touchpoint" in named:
        parts.append(f"at the {named['touchpoint'].replace('_', ' ')} touchpoint")
    if "segment" in named:
        parts.append(f"in the {named['segment']} segment")
    parts.append(f"in {named['region']}" if "region" in named else "" if len(parts) > 1 else "company-wide")
    return " ".join(p for p in parts if p)


def slice_filters(subscription: Subscription, grant: Grant) -> Filters:
    """The subscription's slice under the subscriber's own access scope (a slice outside it shows nothing)."""
    named = subscription.slice()
    return Filters(
        scope=grant.scope,
        regions=(named["region"],) if "region" in named else (),
        segments=(named["segment"],) if "segment" in named else (),
        touchpoints=(named["touchpoint"],) if "touchpoint" in named else (),
    )


def link(relative: str) -> str:
    """An address relative to the app's root ('journey?week=...') under the dashboard's base URL (`CX_BASE_URL`)."""
    return f"{str(config.get('CX_BASE_URL')).rstrip('/')}/{relative.removeprefix('./')}"


def _move(conn: Connection, subscription: Subscription, filters: Filters, week: Period) -> tuple[str, str] | None:
    """The significant move of the metric on the whole slice, as "what changed" words it, with its explore link (none
    where a data problem of the week explains the move)."""
    for change in changes.significant_moves(conn, filters, week, quality.build(conn, filters, week)):
        if change.metric == subscription.metric and change.slice == "":
            return change.sentence, link(change.href)
    return None


def _miss(conn: Connection, subscription: Subscription, filters: Filters, week: Period) -> tuple[str, str] | None:
    """The week's significant miss of the slice's target (the red status), in words, with the Scorecard's link."""
    metric = get_metric(subscription.metric)
    frame = query.metric_frame(conn, metric.id, filters.with_period(week.start, week.end), "week")
    rows = frame[frame["period_start"] == week.start].to_dict("records")
    row = rows[0] if rows else {}
    if str(row.get("status")) != OFF_TARGET or bool(row.get("suppressed")):
        return None
    sentence = (
        f"{describe(subscription)} is off target in {week.label}: {metric.format(row['value'])} against a target of "
        f"{metric.format(row['target'])}, significantly below it (n={int(row['n']):,})."
    )
    return sentence, link(f"{SCORECARD_PATH}?{changes.explore_query(filters, '', week.label, 'week')}")


def evaluate(conn: Connection, grant: Grant, week: Period) -> list[Alert]:
    """The alerts a person's subscriptions raise for the review week: at most one per subscription and kind."""
    found = []
    for subscription in grant.alerts:
        filters = slice_filters(subscription, grant)
        for kind, check in (("move", _move), ("target", _miss)):
            hit = check(conn, subscription, filters, week)
            if hit:
                found.append(Alert(grant.email, subscription, kind, *hit))
    return found


def subject(alerts: list[Alert]) -> str:
    """The subject of a person's alert email: the one alert's, or how many there are."""
    return alerts[0].subject if len(alerts) == 1 else f"CX alerts: {len(alerts)} exceptions in your subscriptions"


def body(alerts: list[Alert]) -> str:
    """One short email: each sentence with its link."""
    lines = [f"{a.sentence}\n{a.link}\n" for a in alerts]
    return "\n".join(lines) + "\nYou receive this because the dashboard's access list subscribes you to it.\n"

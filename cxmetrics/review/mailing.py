"""The weekly review's emails, all built before any is sent: each recipient's pack cut to their own access scope (from
the access list), with the headline messages in the body; each subscriber's exception alerts."""

from __future__ import annotations

from dataclasses import replace
from email.message import EmailMessage

from cxmetrics.access import AccessList, Grant
from cxmetrics.db import Connection
from cxmetrics.filters import Filters
from cxmetrics.periods import Period
from cxmetrics.review import alerts, delivery
from cxmetrics.review import pack as review_pack
from cxmetrics.review.model import Pack


class WrongScopeError(RuntimeError):
    """A pack was about to go to someone whose scope it was not cut to (never sent)."""


def recipient_grant(access_list: AccessList, email: str) -> Grant:
    """The access list's entry for a recipient; raises PermissionError when the list gives them no access."""
    grant = access_list.for_email(email)
    if grant is None:
        raise PermissionError(f"{email} is not on the access list: no pack is sent to anyone")
    return grant


def recipient_filters(grant: Grant, chosen: Filters) -> Filters:
    """The chosen filters (regions, segments, ...) under the recipient's own access scope."""
    return replace(chosen, scope=grant.scope)


def body(pack: Pack) -> str:
    """The email's text: the week, the scope and the headline messages, with the pack attached."""
    lines = [f"{pack.title}", f"Scope: {pack.scope}", "", "What changed:"]
    lines += [f"- {headline.replace('**', '')}" for headline in pack.headlines]
    lines += ["", "The review pack is attached: scorecard, journey, drivers, revenue at risk, complaints, methodology."]
    return "\n".join(lines) + "\n"


def pack_message(conn: Connection, grant: Grant, chosen: Filters, week: str | None, fmt: str, paper: str):
    """The email of one recipient's pack, checked to be cut to their own scope before it is attached."""
    pack = review_pack.build(conn, recipient_filters(grant, chosen), week)
    if pack.access != grant.scope:
        raise WrongScopeError(f"the pack for {grant.email} is not cut to their scope; nothing is sent")
    content = review_pack.render_pack(pack, fmt, paper)
    subject = f"{pack.title} · {pack.scope}"
    attachment = (f"{pack.file_name}.{fmt}", content, fmt)
    return delivery.message(grant.email, subject, body(pack), attachment)


def pack_messages(
    conn: Connection,
    access_list: AccessList,
    emails: list[str],
    chosen: Filters,
    week: str | None,
    fmt: str,
    paper: str,
) -> list[EmailMessage]:
    """Every recipient's pack email, built before any is sent (an address not on the access list stops them all)."""
    grants = [recipient_grant(access_list, email) for email in emails]
    return [pack_message(conn, grant, chosen, week, fmt, paper) for grant in grants]


def alert_messages(conn: Connection, access_list: AccessList, week: Period) -> list[EmailMessage]:
    """One email per subscriber whose subscriptions raised an alert in the review week; nobody else hears anything."""
    found = []
    for grant in access_list.users:
        raised = alerts.evaluate(conn, grant, week) if grant.email and grant.alerts else []
        if raised:
            found.append(delivery.message(grant.email, alerts.subject(raised), alerts.body(raised)))
    return found

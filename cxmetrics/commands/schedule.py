"""`python -m cxmetrics schedule`: the weekly run. Every person on the access list with an email gets the pack of the
review week cut to their scope (unless `weekly_pack = false`), and every subscriber whose alerts fired gets one short
email; all of it is built before the first email is sent. Run it from cron or a systemd timer (docs/review.md)."""

from __future__ import annotations

import argparse
import sys

from cxmetrics import db
from cxmetrics.commands.pack import STOPPED, access_list_of, add_delivery_options, failure, report
from cxmetrics.filters import Filters
from cxmetrics.review import delivery, mailing
from cxmetrics.review import pack as review_pack


def run(args: argparse.Namespace) -> int:
    """Build every pack and alert of the week, then send them; exit 1 when any email was not sent."""
    if not args.smtp:
        print("error: schedule needs --smtp HOST:PORT", file=sys.stderr)
        return 2
    try:
        server = delivery.Server.parse(args.smtp, args.smtp_user)
        conn = db.connect_read_only(args.db or db.configured_target())
        listed = access_list_of(args)
        week, _ = review_pack.review_week(conn, args.week)
        emails = [grant.email for grant in listed.pack_recipients()]
        mails = mailing.pack_messages(conn, listed, emails, Filters(), week.label, args.format, args.paper)
        mails += mailing.alert_messages(conn, listed, week)
    except STOPPED as error:
        return failure(error, "; nothing was sent")
    print(f"{week.label}: {len(emails)} pack(s) and {len(mails) - len(emails)} alert email(s) built")
    return report(delivery.send_all(server, mails))


def register(subparsers) -> None:
    """Add the `schedule` sub-command."""
    parser = subparsers.add_parser(
        "schedule", help="Send the week's packs and exception alerts to the access list.", description=run.__doc__
    )
    add_delivery_options(parser)
    parser.set_defaults(run=run)

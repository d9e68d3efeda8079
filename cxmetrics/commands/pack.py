"""`python -m cxmetrics pack`: the weekly review pack as a PDF or a self-contained HTML file, written to a file or
emailed, each recipient their own scope's pack (the mail server's password comes from `CX_SMTP_PASSWORD`)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from cxmetrics import access, config, db
from cxmetrics.commands.query import filters_from, scope_of
from cxmetrics.review import delivery, mailing
from cxmetrics.review import pack as review_pack
from cxmetrics.review.render import RenderError

DIMENSION_OPTIONS = ("region", "segment", "touchpoint", "channel")


def add_delivery_options(parser: argparse.ArgumentParser) -> None:
    """The options every sending command shares: the mail server, its account and the access list."""
    parser.add_argument("--smtp", metavar="HOST:PORT", help="Mail server to send through.")
    parser.add_argument("--smtp-user", default="", metavar="USER", help="Account on the mail server (password: "
                        "the CX_SMTP_PASSWORD setting, from the environment or .streamlit/secrets.toml).")  # fmt: skip
    parser.add_argument("--access-list", metavar="TOML", help="Access list file (default: CX_ACCESS_LIST).")
    parser.add_argument("--format", choices=review_pack.FORMATS, default="pdf", help="pdf (default) or html.")
    parser.add_argument("--paper", choices=review_pack.PAPERS, default="a4", help="a4 (default) or letter.")
    parser.add_argument("--week", metavar="YYYY-Www", help="Review week (default: the last complete week).")
    parser.add_argument("--db", help="Database path or connection string (default: CX_DB or the sample database).")


def access_list_of(args: argparse.Namespace) -> access.AccessList:
    """The access list the recipients' scopes come from; raises PermissionError without one."""
    path = args.access_list or str(config.get("CX_ACCESS_LIST"))
    if not path:
        raise PermissionError("no access list: set CX_ACCESS_LIST or pass --access-list")
    return access.read(path)


def report(outcomes: list[delivery.Outcome]) -> int:
    """Print what became of every email; 1 when any was not sent."""
    for outcome in outcomes:
        print(outcome.describe(), file=sys.stdout if outcome.sent else sys.stderr)
    return 0 if all(o.sent for o in outcomes) else 1


def _write(args: argparse.Namespace, conn) -> None:
    pack = review_pack.build(conn, filters_from(args, scope_of(args)), args.week)
    Path(args.out).write_bytes(review_pack.render_pack(pack, args.format, args.paper))
    print(f"wrote {args.out} ({pack.title}; scope: {pack.scope})")


def _email(args: argparse.Namespace, conn) -> int:
    server = delivery.Server.parse(args.smtp, args.smtp_user)
    mails = mailing.pack_messages(
        conn, access_list_of(args), args.email_to, filters_from(args), args.week, args.format, args.paper
    )
    return report(delivery.send_all(server, mails))


# What stops a pack command: access refused (exit 3), or a build or delivery that failed (exit 2).
REFUSED = (PermissionError, access.AccessListError)
STOPPED = (*REFUSED, ValueError, OSError, RenderError, mailing.WrongScopeError)


def failure(error: Exception, suffix: str = "") -> int:
    """Print why a pack command stopped, as one line (a failed build's line ends with `suffix`); its exit code."""
    refused = isinstance(error, REFUSED)
    print(f"error: {error}{'' if refused else suffix}", file=sys.stderr)
    return 3 if refused else 2


def run(args: argparse.Namespace) -> int:
    """Build the pack; write it to --out and/or email it (every email is built before the first is sent)."""
    if not args.out and not args.email_to:
        print("error: give --out FILE, --email-to ADDR ..., or both", file=sys.stderr)
        return 2
    if args.email_to and not args.smtp:
        print("error: --email-to needs --smtp HOST:PORT", file=sys.stderr)
        return 2
    try:
        conn = db.connect_read_only(args.db or db.configured_target())
        if args.out:
            _write(args, conn)
        return _email(args, conn) if args.email_to else 0
    except STOPPED as error:
        return failure(error)


def register(subparsers) -> None:
    """Add the `pack` sub-command."""
    parser = subparsers.add_parser(
        "pack", help="Write or email the weekly review pack (PDF or HTML).", description=run.__doc__
    )
    add_delivery_options(parser)
    parser.add_argument("--out", metavar="FILE", help="Write the pack to FILE.")
    parser.add_argument(
        "--email-to",
        nargs="+",
        action="extend",
        default=[],
        metavar="ADDR",
        help="Email the pack to these people, each with their own scope from the access list.",
    )
    parser.add_argument("--user", metavar="EMAIL", help="The pack as this person of the access list sees it.")
    parser.add_argument("--group", nargs="+", action="extend", default=[], metavar="GROUP", help=argparse.SUPPRESS)
    for name in DIMENSION_OPTIONS:
        parser.add_argument(
            f"--{name}", nargs="+", action="extend", default=[], metavar=name.upper(), help=f"Keep only this {name}."
        )
    parser.set_defaults(run=run, start=None, end=None, industry=[], survey=[])

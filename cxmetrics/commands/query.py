"""`python -m cxmetrics query`: print a metric exactly as the dashboard computes it (same query function)."""

from __future__ import annotations

import argparse
import sys
from datetime import date

import pandas as pd

from cxmetrics import access, config, db, periods
from cxmetrics.db import Connection
from cxmetrics.display import withheld
from cxmetrics.filters import DIMENSIONS, AccessScope, Filters
from cxmetrics.metrics.registry import GRAINS, get_metric
from cxmetrics.query.frames import COMPARISONS, data_extent, metric_frame, period_frame

TABLE_COLUMNS: tuple[str, ...] = ("value", "low", "high", "target", "compare_value", "compare_delta")


def scope_of(args: argparse.Namespace) -> AccessScope:
    """The access scope of `--user` (and `--group`) under the access list, as the dashboard would apply it; everything
    without `--user`. Raises PermissionError when the list gives that identity no access."""
    if not args.user:
        return AccessScope()
    path = args.access_list or str(config.get("CX_ACCESS_LIST"))
    if not path:
        raise PermissionError("no access list: set CX_ACCESS_LIST or pass --access-list")
    identity = access.Identity(email=args.user.strip().lower(), groups=tuple(args.group))
    grant = access.read(path).grant(identity)
    if grant is None:
        raise PermissionError(f"{args.user} is not on the access list: no access")
    return grant.scope


def filters_from(args: argparse.Namespace, scope: AccessScope | None = None) -> Filters:
    """The Filters the command-line options describe, under `scope` (everything by default)."""
    return Filters(
        scope=scope or AccessScope(),
        start=args.start,
        end=args.end,
        regions=tuple(args.region),
        segments=tuple(args.segment),
        touchpoints=tuple(args.touchpoint),
        channels=tuple(args.channel),
        industries=tuple(args.industry),
        surveys=tuple(args.survey),
    )


def _table(frame: pd.DataFrame, metric_id: str, by: str | None) -> str:
    """The frame as an aligned text table with the metric's own formatting."""
    metric = get_metric(metric_id)
    shown = frame.copy()
    for column in TABLE_COLUMNS:
        if column in shown:
            shown[column] = [metric.format(v) for v in shown[column]]
    columns = ["period_label", *([by] if by else []), "value", "low", "high", "n", "suppressed"]
    if (shown["basis_start"] != shown["period_start"]).any():
        columns.insert(1, "basis_start")
    columns += [c for c in ("target", "status", "compare_value", "compare_delta", "compare_p_value") if c in shown]
    if "compare_significant" in shown:
        columns.append("compare_significant")
    shown = shown[columns].astype(object)
    return shown.where(shown.notna(), "-").to_string(index=False)


def render(frame: pd.DataFrame, metric_id: str, by: str | None, fmt: str) -> str:
    """The frame in the chosen output format: table, csv or json."""
    if fmt == "csv":
        return frame.to_csv(index=False)
    if fmt == "json":
        return frame.to_json(orient="records", date_format="iso", indent=2) + "\n"
    return _table(frame, metric_id, by) + "\n"


def year_to_date(conn: Connection, args: argparse.Namespace, scope: AccessScope) -> pd.DataFrame:
    """The year to date the dashboard reviews for the last complete week (`periods.last_complete`), up to --to when
    given; with --last N also the same span in each of the N - 1 years before, oldest first."""
    if args.compare:
        raise ValueError("--compare does not apply to --grain ytd; --last 2 adds the same span last year")
    last_day = data_extent(conn)
    if last_day is None:
        return period_frame(conn, args.metric, filters_from(args, scope), [], args.by)
    spans = [periods.last_complete("ytd", min(last_day, args.end or last_day))]
    while len(spans) < (args.last or 1):
        spans.insert(0, periods.same_last_year(spans[0]))
    return period_frame(conn, args.metric, filters_from(args, scope).with_period(None, None), spans, args.by)


def run(args: argparse.Namespace) -> int:
    """Compute the metric for the filters and print it (a cell under the minimum n shows its n only: neither its
    value nor the sums that rebuild it)."""
    try:
        scope = scope_of(args)
    except (PermissionError, OSError, access.AccessListError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 3
    try:
        get_metric(args.metric)
        conn = db.connect_read_only(args.db or db.configured_target())
        if args.grain == "ytd":
            frame = year_to_date(conn, args, scope)
        else:
            frame = metric_frame(conn, args.metric, filters_from(args, scope), args.grain, args.by, args.compare)
        frame = withheld.frame(frame)
    except (ValueError, FileNotFoundError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    if args.last:
        keep = frame["period_start"].drop_duplicates().sort_values().tail(args.last)
        frame = frame[frame["period_start"].isin(keep)]
    for dim in frame.attrs.get("ignored_filters", ()):
        print(f"note: the {dim} filter does not apply to {args.metric}", file=sys.stderr)
    sys.stdout.write(render(frame, args.metric, args.by, args.format))
    return 0


def register(subparsers) -> None:
    """Add the `query` sub-command."""
    parser = subparsers.add_parser("query", help="Print a metric's values, intervals and n.", description=run.__doc__)
    parser.add_argument("metric", help="Metric id (see `python -m cxmetrics metrics`).")
    parser.add_argument("--db", help="Database path or connection string (default: CX_DB or the sample database).")
    parser.add_argument(
        "--grain",
        choices=(*GRAINS, "ytd"),
        default="week",
        help="Period grain (default: week); ytd: the year to date the dashboard reviews, as of --to.",
    )
    parser.add_argument("--by", choices=DIMENSIONS, help="Split by this dimension.")
    parser.add_argument("--from", dest="start", type=date.fromisoformat, help="First day (YYYY-MM-DD).")
    parser.add_argument("--to", dest="end", type=date.fromisoformat, help="Last day (YYYY-MM-DD).")
    parser.add_argument("--last", type=int, help="Only the last N complete periods.")
    parser.add_argument("--compare", choices=COMPARISONS, help="Add the change against the prior period or last year.")
    for name in ("region", "segment", "industry", "touchpoint", "channel", "survey"):
        parser.add_argument(
            f"--{name}", nargs="+", action="extend", default=[], metavar=name.upper(), help=f"Keep only this {name}."
        )
    parser.add_argument(
        "--user",
        metavar="EMAIL",
        help="Apply the access list's role and scope for this signed-in email (exit 3: none).",
    )
    parser.add_argument(
        "--group", nargs="+", action="extend", default=[], metavar="GROUP", help="Group claim values of --user."
    )
    parser.add_argument("--access-list", metavar="TOML", help="Access list file (default: CX_ACCESS_LIST).")
    parser.add_argument("--format", choices=("table", "csv", "json"), default="table", help="Output format.")
    parser.set_defaults(run=run)

"""`python -m cxmetrics query`: print a metric exactly as the dashboard computes it (same query function)."""

from __future__ import annotations

import argparse
import sys
from datetime import date

import pandas as pd

from cxmetrics import db
from cxmetrics.display import withheld
from cxmetrics.filters import DIMENSIONS, Filters
from cxmetrics.metrics.registry import GRAINS, get_metric
from cxmetrics.query.frames import COMPARISONS, metric_frame

TABLE_COLUMNS: tuple[str, ...] = ("value", "low", "high", "target", "compare_value", "compare_delta")


def filters_from(args: argparse.Namespace) -> Filters:
    """The Filters the command-line options describe."""
    return Filters(
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


def run(args: argparse.Namespace) -> int:
    """Compute the metric for the filters and print it (a cell under the minimum n shows its n only: neither its
    value nor the sums that rebuild it)."""
    try:
        get_metric(args.metric)
        conn = db.connect_read_only(args.db or db.configured_target())
        frame = withheld.frame(metric_frame(conn, args.metric, filters_from(args), args.grain, args.by, args.compare))
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
    parser.add_argument("--grain", choices=GRAINS, default="week", help="Period grain (default: week).")
    parser.add_argument("--by", choices=DIMENSIONS, help="Split by this dimension.")
    parser.add_argument("--from", dest="start", type=date.fromisoformat, help="First day (YYYY-MM-DD).")
    parser.add_argument("--to", dest="end", type=date.fromisoformat, help="Last day (YYYY-MM-DD).")
    parser.add_argument("--last", type=int, help="Only the last N complete periods.")
    parser.add_argument("--compare", choices=COMPARISONS, help="Add the change against the prior period or last year.")
    for name in ("region", "segment", "industry", "touchpoint", "channel", "survey"):
        parser.add_argument(
            f"--{name}", nargs="+", action="extend", default=[], metavar=name.upper(), help=f"Keep only this {name}."
        )
    parser.add_argument("--format", choices=("table", "csv", "json"), default="table", help="Output format.")
    parser.set_defaults(run=run)

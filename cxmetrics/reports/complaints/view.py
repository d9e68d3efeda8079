"""Everything the Complaints & Follow-up page shows for one period, filters and split, from one call."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

from cxmetrics import periods
from cxmetrics.db import Connection
from cxmetrics.display import notes, withheld
from cxmetrics.display.tiles import Tile, tiles, too_few
from cxmetrics.filters import Filters
from cxmetrics.metrics.registry import get_metric, minimum_n
from cxmetrics.periods import Period
from cxmetrics.query import catalog
from cxmetrics.query import frames as query
from cxmetrics.reports.complaints import analysis as complaints
from cxmetrics.reports.complaints import closed_loop

GRAINS: tuple[str, ...] = ("month", "quarter", "week")
GRAIN_LABELS = {g: periods.GRAIN_LABELS[g] for g in ("month", "quarter", "week")}
TREND_PERIODS = {"week": 26, "month": 24, "quarter": 12}
COMPLAINT_METRICS: tuple[str, ...] = ("complaints_per_1000", "complaint_recovery_rate", "median_days_to_resolve")
LOOP_METRICS: tuple[str, ...] = ("follow_up_2bd", "median_days_to_close_follow_up")
NEEDED_TABLES: dict[str, str] = {
    "complaints": "complaint volume, recovery, days to resolve and churn after complaints",
    "follow_ups": "the closed loop: follow-up timeliness, backlog and open detractor follow-ups",
    "customer_revenue": "the revenue of the customers waiting for a follow-up",
}
OPEN_ROWS_SHOWN = 200  # open follow-ups listed on the page (all are in the CSV)
# The open detractor list as shown: the customer and what they are worth first; ids stay in the CSV.
SHOWN_LIST_COLUMNS: tuple[str, ...] = (
    "customer", "revenue_12m_usd", "region", "segment", "owner", "opened", "age_days", "nps", "touchpoint", "comment",
)  # fmt: skip


@dataclass(frozen=True)
class ComplaintsView:
    """The page's numbers, frames and sentences for one period (None or empty where a table is not loaded)."""

    period: Period
    subtitle: str
    missing_note: str | None
    filter_note: str | None
    has_complaints: bool
    has_follow_ups: bool
    complaint_tiles: tuple[Tile, ...]
    trend: pd.DataFrame
    processes: pd.DataFrame
    process_sums: pd.DataFrame
    churn: pd.DataFrame
    churn_sentence: str
    loop_tiles: tuple[Tile, ...]
    follow_up_tiles: tuple[Tile, ...]
    timeliness: closed_loop.Timeliness | None
    follow_up_trend: pd.DataFrame
    backlog: pd.DataFrame
    open_list: pd.DataFrame
    open_list_caption: str
    open_list_csv: bytes
    as_of: date
    as_of_text: str
    csv_name: str
    trend_title: str


def trend_filters(filters: Filters, period: Period) -> Filters:
    """The filters over the trend's range: the last TREND_PERIODS periods of the grain, ending with `period`."""
    first = period
    for _ in range(TREND_PERIODS[period.grain] - 1):
        first = periods.prior(first)
    return filters.with_period(first.start, period.end)


def _ignored(filters: Filters) -> tuple[str, ...]:
    """Filters that do not apply to complaints (they carry no touchpoint or survey channel)."""
    return query.ignored_filters(get_metric("complaints_per_1000"), filters)


def process_table(frame: pd.DataFrame, by: str) -> pd.DataFrame:
    """The per-process frame as shown: recovery withheld below the recovery rate's minimum n, with the reason in its
    interval, beside its n (recovered or lost); the median beside its n (resolved), withheld below its minimum."""
    minimum = minimum_n(get_metric("complaint_recovery_rate"))
    decided = frame["recovered"] + frame["lost"]
    few = decided < minimum
    interval = [
        f"{lo:.0f}% to {hi:.0f}%" if not f else f"too few: n = {n} < {minimum}"
        for lo, hi, n, f in zip(frame["recovery_low_pct"], frame["recovery_high_pct"], decided, few, strict=True)
    ]
    return pd.DataFrame(
        {
            complaints.SPLITS[by]: [str(v).replace("_", " ").capitalize() for v in frame[by]],
            "Complaints": frame["complaints"],
            "Per 1,000 customers": frame["per_1000"].round(1),
            "Median days to resolve": frame["median_days_to_resolve"].round(1),
            "Recovered %": [
                "withheld" if f or np.isnan(v) else f"{v:.1f}%" for v, f in zip(frame["recovery_pct"], few, strict=True)
            ],
            "95% interval": interval,
            "Recovered or lost": decided,
            "Resolved": frame["resolved"],
        }
    )


# The process table's text and numbers rest on the same n as the per-process sums (`complaints.PROCESS_RULES`).
PROCESS_TABLE_RULES: tuple[withheld.Rule, ...] = (
    withheld.Rule("Resolved", ("Median days to resolve",), metric="median_days_to_resolve"),
    withheld.Rule("Recovered or lost", ("Recovered %", "95% interval"), metric="complaint_recovery_rate"),
)


def _processes(sums: pd.DataFrame, by: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The process table and the per-process sums, each as it may be shown."""
    shown = (complaints.SPLITS[by], "Complaints", "Per 1,000 customers")
    table = withheld.declare(process_table(sums, by), *PROCESS_TABLE_RULES, exact=shown)
    return table, withheld.declare(sums, *complaints.PROCESS_RULES, exact=(by, "complaints", "per_1000"))


def _complaints_part(conn: Connection, filters: Filters, period: Period, by: str) -> dict:
    window = complaints.churn_window(period)
    churn = complaints.churn_by_outcome(conn, filters, window)
    processes, sums = _processes(complaints.by_process(conn, filters, period, by), by)
    return {
        "complaint_tiles": tiles(conn, filters, period, COMPLAINT_METRICS),
        "trend": withheld.exact(complaints.volume_trend(conn, trend_filters(filters, period), period.grain, by)),
        "processes": processes,
        "process_sums": sums,
        "churn": complaints.churn_shown(churn),
        "churn_sentence": complaints.churn_sentence(churn, window),
    }


def _loop_part(conn: Connection, filters: Filters, period: Period, with_revenue: bool) -> dict:
    as_of = closed_loop.review_as_of(period)
    trend = query.metric_frame(conn, "follow_up_2bd", trend_filters(filters, period), period.grain)
    timeliness = withheld.record(closed_loop.closed_within_two_business_days(conn, filters, period.start, period.end))
    backlog = withheld.exact(closed_loop.backlog(conn, filters, as_of))
    open_list = withheld.exact(closed_loop.open_detractors(conn, filters, as_of, with_revenue))
    return {
        "loop_tiles": tiles(conn, filters, period, LOOP_METRICS),
        "follow_up_tiles": (timeliness_tile(timeliness), backlog_tile(backlog, as_of)),
        "timeliness": timeliness,
        "follow_up_trend": trend,
        "backlog": backlog,
        "open_list": open_list,
        "open_list_caption": _open_list_caption(open_list, as_of),
        "open_list_csv": closed_loop.open_list_csv(open_list),
    }


_EMPTY_COMPLAINTS = {
    "complaint_tiles": (),
    "trend": pd.DataFrame(),
    "processes": pd.DataFrame(),
    "process_sums": pd.DataFrame(),
    "churn": pd.DataFrame(),
    "churn_sentence": "",
}
_EMPTY_LOOP = {
    "loop_tiles": (),
    "follow_up_tiles": (),
    "timeliness": None,
    "follow_up_trend": pd.DataFrame(),
    "backlog": pd.DataFrame(),
    "open_list": pd.DataFrame(),
    "open_list_caption": "",
    "open_list_csv": b"",
}


@withheld.enforced
def build(conn: Connection, filters: Filters, period: Period, by: str = "process") -> ComplaintsView:
    """The page's complete query set for `period` (split by process or category)."""
    loaded = catalog.loaded_tables(conn)
    as_of = closed_loop.review_as_of(period)
    has_complaints, has_follow_ups = "complaints" in loaded, "follow_ups" in loaded
    complaint_part = _complaints_part(conn, filters, period, by) if has_complaints else _EMPTY_COMPLAINTS
    loop_part = _loop_part(conn, filters, period, "customer_revenue" in loaded) if has_follow_ups else _EMPTY_LOOP
    return ComplaintsView(
        period=period,
        subtitle=f"{periods.describe(period)}, compared with {periods.prior(period).label}, for {filters.describe()}.",
        missing_note=notes.missing_note(loaded, NEEDED_TABLES),
        filter_note=notes.filter_note(filters, _ignored(filters), "complaints"),
        has_complaints=has_complaints,
        has_follow_ups=has_follow_ups,
        as_of=as_of,
        as_of_text=as_of_text(as_of),
        csv_name=f"open-detractor-follow-ups-{as_of}.csv",
        trend_title=f"Complaints per 1,000 active customers by {complaints.SPLITS[by].lower()}",
        **complaint_part,
        **loop_part,
    )


def as_of_text(as_of: date) -> str:
    """'on 31 Oct 2026 (end of day)'."""
    return f"on {as_of:%-d %b %Y} (end of day)"


def timeliness_tile(timely: closed_loop.Timeliness) -> Tile:
    """A tile of the follow-ups opened in the period closed within 2 business days of opening (the n alone below
    the metric's minimum)."""
    minimum = minimum_n(get_metric(closed_loop.TIMELINESS_METRIC))
    shown = timely.opened >= max(minimum, 1)
    value = f"{timely.pct:.1f}%" if shown else (too_few(timely.opened) if timely.opened else "-")
    interval = f" 95% interval {timely.low_pct:.1f}% to {timely.high_pct:.1f}%." if shown else ""
    below = f" Withheld: fewer than {minimum} follow-ups opened." if timely.opened and not shown else ""
    return Tile(
        metric="closed_within_2bd_of_opening",
        label="Follow-ups closed within 2 business days of opening",
        value=value,
        help=f"Of the follow-ups opened in the period, the share closed by the end of the 2nd business day after the "
        f"day of opening (Monday to Friday; a Saturday or Sunday opening is due on Tuesday). n = {timely.opened:,} "
        "follow-ups opened." + interval + below,
        n=timely.opened,
        min_n=minimum,
    )


def backlog_tile(backlog: pd.DataFrame, as_of: date) -> Tile:
    """The open backlog at the end of the period, and how much of it is older than a week."""
    total = int(backlog["open_follow_ups"].sum()) if len(backlog) else 0
    old = backlog[backlog["age"].isin(["8-30 days", "over 30 days"])]["open_follow_ups"].sum()
    return Tile(
        metric="open_backlog",
        label="Open follow-ups",
        value=f"{total:,}",
        help=f"Follow-ups opened and not closed {as_of_text(as_of)}.",
        delta=f"{int(old):,} older than a week" if total else None,
        delta_colour="inverse" if old else "off",
        delta_arrow="off",
        min_n=0,
    )


def _open_list_caption(open_list: pd.DataFrame, as_of: date) -> str:
    if open_list.empty:
        return f"No detractor follow-up is open {as_of_text(as_of)}."
    shown = f" The {OPEN_ROWS_SHOWN:,} with the highest revenue are shown; the CSV holds all." * (
        len(open_list) > OPEN_ROWS_SHOWN
    )
    return (
        f"{len(open_list):,} detractor responses waiting for a follow-up {as_of_text(as_of)}, highest revenue first "
        f"(revenue over the 12 closed months to then).{shown}"
    )


def open_rows_shown(view: ComplaintsView) -> pd.DataFrame:
    """The open follow-ups the page lists: the first `OPEN_ROWS_SHOWN` by revenue (a large company's whole backlog
    would make the page slow to send and draw, and is in the CSV)."""
    return view.open_list.head(OPEN_ROWS_SHOWN)

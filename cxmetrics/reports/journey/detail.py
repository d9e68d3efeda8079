"""One journey-map cell in detail: the score's monthly trend, how many responses carry a comment, and the complaints
about that touchpoint's process, for the cell's region or segment under the global filters."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, timedelta

import pandas as pd

from cxmetrics.db import Connection
from cxmetrics.filters import Filters
from cxmetrics.metrics.sources import COMPLAINTS_OPENED
from cxmetrics.periods import Period, period_containing
from cxmetrics.query import catalog
from cxmetrics.query import frames as query
from cxmetrics.query.aggregate import scoped
from cxmetrics.reports.journey.map import ALL_ROW, ROW_FIELDS, MapPeriod

TREND_MONTHS = 24


@dataclass(frozen=True)
class CellDetail:
    """The trend, comment count and complaints of one cell."""

    trend: pd.DataFrame
    window: tuple[date, date]
    events: pd.DataFrame
    responses: int
    comments: int
    complaints: pd.DataFrame


def cell_filters(filters: Filters, dimension: str, row: str, touchpoint: str) -> Filters:
    """The global filters narrowed to one cell: its touchpoint and (unless 'All') its region or segment."""
    narrowed = replace(filters, touchpoints=(touchpoint,))
    return narrowed if row == ALL_ROW else replace(narrowed, **{ROW_FIELDS[dimension]: (row,)})


def complaints_by_category(conn: Connection, filters: Filters, process: str, period: Period) -> pd.DataFrame:
    """Complaints opened in the period about a process (= touchpoint), by category, most first."""
    params = {"t0": period.start, "t1": period.end + timedelta(days=1), "process": process}
    join_sql, where, params = scoped(COMPLAINTS_OPENED, filters, params)
    sql = (
        "SELECT k.category, count(*) AS complaints, count(*) FILTER (WHERE k.outcome = 'lost') AS lost, "  # noqa: S608
        f"count(*) FILTER (WHERE k.outcome = 'open') AS still_open FROM complaints k {join_sql} "
        f"WHERE k.process = $process AND k.opened_at >= $t0 AND k.opened_at < $t1 AND {where} "
        "GROUP BY ALL ORDER BY complaints DESC, k.category"
    )
    return conn.execute(sql, params).df()


def trend_window(period: Period) -> tuple[date, date]:
    """The 24 calendar months that end with the month of the period's end."""
    last = period_containing("month", period.end)
    return (pd.Timestamp(last.start) - pd.DateOffset(months=TREND_MONTHS - 1)).date(), period.end


def cell_detail(
    conn: Connection, metric_id: str, filters: Filters, dimension: str, row: str, touchpoint: str, chosen: MapPeriod
) -> CellDetail:
    """The detail of a cell: the metric by month over 24 months (with events), comments and complaints in the period."""
    narrowed = cell_filters(filters, dimension, row, touchpoint)
    start, end = trend_window(chosen.current)
    trend = query.metric_frame(conn, metric_id, narrowed.with_period(start, end), grain="month")
    comments = query.period_frames(conn, ["comment_share"], narrowed, [chosen.current], with_targets=False)
    frame = comments["comment_share"]
    responses = int(frame["n"].sum()) if len(frame) else 0
    commented = int(frame["commented"].fillna(0).sum()) if len(frame) else 0
    complaints = complaints_by_category(conn, narrowed, touchpoint, chosen.current)
    events = catalog.events_between(conn, narrowed, start, end)
    return CellDetail(trend, (start, end), events, responses, commented, complaints)

"""The Complaints & Follow-up and People & CX pages' query set for the benchmark (`bench_scorecard.py --sets
operations`): the engine run, its numbers flattened, and the numbers that must be present."""

from __future__ import annotations

from cxmetrics import periods
from cxmetrics.filters import Filters
from cxmetrics.query import frames as query
from cxmetrics.reports.complaints import view as complaints_view
from cxmetrics.reports.people import view as people_view

REQUIRED: tuple[str, ...] = (
    "trend|billing|*|per_1000",
    "process|All||median_days_to_resolve",
    "churn|lost||churned",
    "timeliness|||in_time",
    "follow_up|*||value",
    "people|EMEA|*|nps",
    "link|||r",
)


def operations_queries(conn) -> tuple[complaints_view.ComplaintsView, people_view.PeopleView]:
    """Both pages as they open by default for the last complete week, unfiltered: the month's complaints and closed
    loop split by process, and engagement against NPS by region."""
    week = query.latest_period(conn, "week")
    month = query.review_period(conn, "month", week)
    return complaints_view.build(conn, Filters(), month, "process"), people_view.build(conn, Filters(), week)


def _f(value) -> float:
    return float("nan") if value is None else float(value)


def operations_numbers(conn, results) -> dict[str, float]:
    """The engine's numbers: {"part|key|when|column": value}."""
    ops, people = results
    numbers: dict[str, float] = {}
    for row in ops.trend.itertuples():
        for column in ("complaints", "active_customers", "per_1000"):
            numbers[f"trend|{row.process}|{row.period_start}|{column}"] = _f(getattr(row, column))
    for row in ops.process_sums.itertuples():
        for column in ("complaints", "resolved", "median_days_to_resolve", "recovered", "lost", "per_1000"):
            numbers[f"process|{row.process}||{column}"] = _f(getattr(row, column))
    for row in ops.churn.itertuples():
        numbers[f"churn|{row.outcome}||customers"], numbers[f"churn|{row.outcome}||churned"] = (
            _f(row.customers),
            _f(row.churned),
        )
    numbers["timeliness|||opened"], numbers["timeliness|||in_time"] = ops.timeliness.opened, ops.timeliness.in_time
    for row in ops.follow_up_trend.itertuples():
        numbers[f"follow_up|{row.period_start}||value"], numbers[f"follow_up|{row.period_start}||n"] = (
            _f(row.value),
            _f(row.n),
        )
    for row in ops.backlog.itertuples():
        numbers[f"backlog|{row.owner}|{row.age}|open"] = _f(row.open_follow_ups)
    for row in ops.open_list.itertuples():
        numbers[f"open|{row.response_id}||revenue_12m_usd"] = _f(row.revenue_12m_usd)
        numbers[f"open|{row.response_id}||age_days"] = _f(row.age_days)
    for row in people.frame.itertuples():
        for column in ("headcount", "enps", "engagement_index", "nps", "nps_n"):
            numbers[f"people|{row.unit}|{row.month}|{column}"] = _f(getattr(row, column))
    numbers["link|||r"], numbers["link|||n"] = people.link.r, people.link.n
    return numbers


def review_month(last_day) -> periods.Period:
    """The month the pages open on: the last month closed by the last day with data (`periods.review_period`)."""
    return periods.last_complete("month", last_day)

"""The closed loop: how fast detractors are followed up, the open backlog by owner and age, and the open detractor
follow-ups with the customer's revenue (the list an owner works through)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import ClassVar

import pandas as pd

from cxmetrics import periods
from cxmetrics.db import Connection
from cxmetrics.display import withheld
from cxmetrics.filters import Filters
from cxmetrics.metrics import measures
from cxmetrics.metrics.sources import Dim, Source
from cxmetrics.periods import Period
from cxmetrics.query import frames as query
from cxmetrics.query.aggregate import scoped

_CUSTOMERS_JOIN = "LEFT JOIN customers c ON c.customer_id = r.customer_id"
FOLLOW_UPS = Source(
    "follow_ups",
    ("follow_ups", "responses", "customers"),
    "follow_ups f JOIN responses r ON r.response_id = f.response_id",
    {name: Dim(f"c.{name}", ("c",)) for name in ("region", "segment", "industry")}
    | {name: Dim(f"r.{name}") for name in ("touchpoint", "channel", "survey")},
    joins={"c": _CUSTOMERS_JOIN},
)
# Age buckets of an open follow-up in days since it was opened: (label, first day, last day or None).
AGE_BUCKETS: tuple[tuple[str, int, int | None], ...] = (
    ("0-2 days", 0, 2),
    ("3-7 days", 3, 7),
    ("8-30 days", 8, 30),
    ("over 30 days", 31, None),
)
TIMELINESS_METRIC = "follow_up_closed_2bd"
LIST_COLUMNS: tuple[str, ...] = (
    "customer", "customer_id", "region", "segment", "owner", "opened", "age_days", "nps", "touchpoint",
    "revenue_12m_usd", "comment", "response_id",
)  # fmt: skip


@dataclass(frozen=True)
class Timeliness:
    """Follow-ups opened in a period and those closed within 2 business days of opening, with the Wilson interval
    (the registry's follow_up_closed_2bd)."""

    WITHHELD: ClassVar[withheld.Declaration] = withheld.Declaration(
        (withheld.Rule("opened", ("pct", "low_pct", "high_pct"), ("in_time",), TIMELINESS_METRIC),)
    )

    opened: int
    in_time: int | float
    pct: float
    low_pct: float
    high_pct: float


def closed_within_two_business_days(conn: Connection, filters: Filters, start: date, end: date) -> Timeliness:
    """Of the follow-ups opened from `start` to `end`, those closed by the end of the 2nd business day after the day
    they were opened (the registry's follow_up_closed_2bd and its deadline)."""
    period = Period("range", start, end)
    frame = query.period_frames(conn, [TIMELINESS_METRIC], filters, [period], with_targets=False)[TIMELINESS_METRIC]
    if frame.empty or not frame["n"].iloc[0]:
        return Timeliness(0, 0, float("nan"), float("nan"), float("nan"))
    row = frame.iloc[0]
    return Timeliness(int(row["n"]), int(row["in_time"]), float(row["value"]), float(row["low"]), float(row["high"]))


def _open_at(params: dict, as_of: date) -> str:
    """Follow-ups opened by the end of `as_of` and not closed by then."""
    params["cutoff"] = as_of + timedelta(days=1)
    return "f.opened_at < $cutoff AND (f.closed_at IS NULL OR f.closed_at >= $cutoff)"


def _age_bucket_sql() -> str:
    age = "date_diff('day', CAST(f.opened_at AS DATE), $cutoff - 1)"
    cases = " ".join(f"WHEN {age} <= {last} THEN '{label}'" for label, _, last in AGE_BUCKETS if last is not None)
    return f"CASE {cases} ELSE '{AGE_BUCKETS[-1][0]}' END"


def backlog(conn: Connection, filters: Filters, as_of: date) -> pd.DataFrame:
    """Open follow-ups at the end of `as_of` by owner and age bucket: owner, age, open_follow_ups, detractors.

    Owners are ordered by their open follow-ups, most first; an owner's buckets in AGE_BUCKETS order."""
    joins, where, params = scoped(FOLLOW_UPS, filters)
    sql = (
        f"SELECT coalesce(f.owner, '(no owner)') AS owner, {_age_bucket_sql()} AS age, "  # noqa: S608
        f"count(*) AS open_follow_ups, {measures.detractors('r.nps')} AS detractors "
        f"FROM {FOLLOW_UPS.from_sql} {joins} WHERE {_open_at(params, as_of)} AND {where} GROUP BY ALL"
    )
    frame = conn.execute(sql, params).df()
    frame[["open_follow_ups", "detractors"]] = frame[["open_follow_ups", "detractors"]].astype("int64")
    totals = frame.groupby("owner")["open_follow_ups"].transform("sum")
    order = {label: i for i, (label, _, _) in enumerate(AGE_BUCKETS)}
    frame = frame.assign(_total=totals, _age=frame["age"].map(order))
    frame = frame.sort_values(["_total", "owner", "_age"], ascending=[False, True, True], ignore_index=True)
    return frame.drop(columns=["_total", "_age"])


def _revenue_join(with_revenue: bool, as_of: date, params: dict) -> tuple[str, str]:
    """The revenue column and its join: each customer's revenue over the 12 closed months to `as_of`."""
    if not with_revenue:
        return "CAST(NULL AS DOUBLE)", ""
    months = periods.trailing_months(as_of)
    params.update(rev_from=months.start, rev_to=months.end)
    join = (
        "LEFT JOIN (SELECT customer_id, sum(revenue_usd) AS revenue_usd FROM customer_revenue "
        "WHERE month >= $rev_from AND month <= $rev_to GROUP BY 1) cr ON cr.customer_id = r.customer_id"
    )
    return "cr.revenue_usd", join


def open_detractors(conn: Connection, filters: Filters, as_of: date, with_revenue: bool = True) -> pd.DataFrame:
    """Detractor responses whose follow-up is open at the end of `as_of`, highest revenue first (then oldest), with
    the customer's revenue over the 12 closed months to then (empty without customer_revenue)."""
    joins, where, params = scoped(FOLLOW_UPS, filters)
    joins = joins if _CUSTOMERS_JOIN in joins else f"{joins} {_CUSTOMERS_JOIN}"
    revenue, revenue_join = _revenue_join(with_revenue, as_of, params)
    sql = (
        "SELECT coalesce(c.name, r.customer_id) AS customer, r.customer_id, c.region, c.segment, "  # noqa: S608
        "f.owner, CAST(f.opened_at AS DATE) AS opened, "
        "date_diff('day', CAST(f.opened_at AS DATE), $cutoff - 1) AS age_days, r.nps, r.touchpoint, "
        f"{revenue} AS revenue_12m_usd, r.comment, r.response_id "
        f"FROM {FOLLOW_UPS.from_sql} {joins} {revenue_join} "
        f"WHERE {_open_at(params, as_of)} AND {measures.is_detractor('r.nps')} AND {where} "
        "ORDER BY revenue_12m_usd DESC NULLS LAST, f.opened_at, r.response_id"
    )
    return conn.execute(sql, params).df()[list(LIST_COLUMNS)]


def open_list_csv(frame: pd.DataFrame) -> bytes:
    """The open detractor follow-ups as CSV (UTF-8), columns as listed."""
    return frame.to_csv(index=False).encode("utf-8")


def review_as_of(period: Period) -> date:
    """The day the backlog is counted at: the end of the period under review."""
    return period.end

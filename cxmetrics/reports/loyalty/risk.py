"""The at-risk list: active customers ranked by a transparent risk score whose parts are shown as columns.

The window is the trailing 12 closed months by the day asked for (`periods.trailing_months`, the loyalty page's
window): the list is the customers active at the end of its last day, and every fact is as of then (a day inside a
month that has not closed yet reads as the end of the month before).

Score (0 to 100) = NPS points + complaint points + revenue points + follow-up points, each from one fact about the
customer as of the window's end, with the weights below (named so the page can print them):
- latest NPS category (latest relationship response in the window; an older one counts as no response): detractor
  35, passive 15, no response 10, promoter 0;
- complaints opened in the window: 5 each up to 15, plus 10 when any of them ended lost;
- falling revenue: 25 x the share of revenue lost in the window's last 3 months against the same 3 months a year
  earlier;
- open follow-ups (opened and not closed by the window's end): 15 when there is at least one.
The facts are aggregated in DuckDB per customer (one pass per table); the score is numpy arithmetic over them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import pandas as pd

from cxmetrics import periods
from cxmetrics.db import Connection
from cxmetrics.filters import Filters
from cxmetrics.metrics import measures
from cxmetrics.metrics.sources import CUSTOMER_ROWS
from cxmetrics.periods import Period
from cxmetrics.query import facts, memo, rollups
from cxmetrics.query.aggregate import scoped
from cxmetrics.reports.loyalty import analysis as loyalty

NPS_POINTS: dict[str, float] = {"detractor": 35.0, "passive": 15.0, "no response": 10.0, "promoter": 0.0}
POINTS_PER_COMPLAINT = 5.0
MAX_COMPLAINT_COUNT_POINTS = 15.0
LOST_COMPLAINT_POINTS = 10.0
REVENUE_DROP_POINTS = 25.0
OPEN_FOLLOW_UP_POINTS = 15.0
RECENT_MONTHS = facts.RECENT_MONTHS
UNASSIGNED = "unassigned"
MAX_SCORE = max(NPS_POINTS.values()) + MAX_COMPLAINT_COUNT_POINTS + LOST_COMPLAINT_POINTS
MAX_SCORE += REVENUE_DROP_POINTS + OPEN_FOLLOW_UP_POINTS

PART_COLUMNS: tuple[str, ...] = ("nps_points", "complaint_points", "revenue_points", "follow_up_points")
FEATURE_COLUMNS: tuple[str, ...] = (
    "customer_id", "name", "region", "segment", "account_owner", "follow_up_owner", "revenue_12m_usd", "latest_nps",
    "nps_group",
    "complaints_12m", "lost_complaints_12m", "recent_revenue_usd", "year_before_revenue_usd", "open_follow_ups",
)  # fmt: skip


def weights_text() -> str:
    """The weights in words, as the page prints them under the list."""
    nps = ", ".join(f"{group} {points:.0f}" for group, points in NPS_POINTS.items())
    return (
        f"Risk score (0-{MAX_SCORE:.0f}) = NPS category of the latest relationship answer in the 12 months ({nps}; "
        "an older answer counts as no response) + complaints in the last 12 months "
        f"({POINTS_PER_COMPLAINT:.0f} each, at most {MAX_COMPLAINT_COUNT_POINTS:.0f}, plus {LOST_COMPLAINT_POINTS:.0f} "
        f"if one ended lost) + falling revenue ({REVENUE_DROP_POINTS:.0f} x the share lost in the last "
        f"{RECENT_MONTHS} months against the same months a year earlier) + open follow-ups "
        f"({OPEN_FOLLOW_UP_POINTS:.0f} if any)."
    )


def window(as_of: date) -> Period:
    """The list's window: the trailing 12 closed months by `as_of`."""
    return periods.trailing_months(as_of)


def features_sql(
    filters: Filters, as_of: date, owner_column: str = "c.account_owner", relations: Relations | None = None
) -> tuple[str, dict]:
    """One row per customer active at the end of the window of `as_of` in the filters and scope: the facts the score
    is built from (`owner_column` is NULL for a database loaded before customers had an account owner; `relations`:
    where relationship answers and follow-ups are read, raw rows by default)."""
    relations = relations or Relations()
    months = window(as_of)
    params: dict = {
        "stop": months.end + timedelta(days=1),
        "year_start": months.start,
        "year_month": months.end.replace(day=1),
    }
    joins, where, _ = scoped(CUSTOMER_ROWS, filters, params)
    latest = relations.latest or measures.latest_relationship_answer("$stop", since="$year_start")
    sql = f"""
        WITH active AS (
            SELECT c.customer_id, c.name, c.region, c.segment, {owner_column} AS account_owner FROM customers c {joins}
            WHERE {measures.active_at("$stop")} AND {where}
        ), latest AS ({latest}), complained AS (
            SELECT customer_id, count(*) AS complaints_12m, count(*) FILTER (WHERE outcome = 'lost') AS lost_12m
            FROM complaints WHERE opened_at >= $year_start AND opened_at < $stop GROUP BY 1
        ), money AS (
            SELECT customer_id, revenue_usd AS revenue_12m_usd, recent_usd, before_usd FROM {relations.years} y
            WHERE y.month = $year_month
        ), follow AS (
            SELECT f.customer_id, arg_max(f.owner, (f.opened_at, f.response_id)) AS owner,
                count(*) FILTER (WHERE f.closed_at IS NULL OR f.closed_at >= $stop) AS open_follow_ups
            FROM {relations.follow_ups} f WHERE f.opened_at < $stop GROUP BY 1
        )
        SELECT a.customer_id, a.name, a.region, a.segment, coalesce(a.account_owner, '{UNASSIGNED}') AS account_owner,
            coalesce(f.owner, '{UNASSIGNED}') AS follow_up_owner,
            coalesce(m.revenue_12m_usd, 0) AS revenue_12m_usd, l.nps AS latest_nps,
            {measures.nps_group("l.nps", "no response")} AS nps_group,
            coalesce(k.complaints_12m, 0) AS complaints_12m, coalesce(k.lost_12m, 0) AS lost_complaints_12m,
            coalesce(m.recent_usd, 0) AS recent_revenue_usd, coalesce(m.before_usd, 0) AS year_before_revenue_usd,
            coalesce(f.open_follow_ups, 0) AS open_follow_ups
        FROM active a LEFT JOIN latest l USING (customer_id) LEFT JOIN complained k USING (customer_id)
            LEFT JOIN money m USING (customer_id) LEFT JOIN follow f USING (customer_id)
    """  # noqa: S608 (allow-listed joins and bound values only)
    return sql, params


@dataclass(frozen=True)
class Relations:
    """Where the list reads each customer's latest relationship answer in the window, follow-ups with their customer
    and each customer's revenue over trailing years: raw rows (None: the latest among all responses) or the
    loader's fact tables."""

    latest: str | None = None
    follow_ups: str = facts.FOLLOW_UP_CUSTOMERS.sql.join("()")
    years: str = loyalty.ONE_YEAR

    @classmethod
    def of(cls, conn: Connection) -> Relations:
        """The fact tables of `conn` where it has them."""
        latest = rollups.latest_answers(conn, "$stop", since="$year_start")
        return cls(latest, rollups.relation(conn, facts.FOLLOW_UP_CUSTOMERS), loyalty.customer_years(conn))


def features(conn: Connection, filters: Filters, as_of: date) -> pd.DataFrame:
    """The per-customer facts of every active customer (see `features_sql`)."""
    has_owner = memo.remembered(conn, "customers.account_owner", lambda: _has_account_owner(conn))
    owner = "c.account_owner" if has_owner else "NULL"
    sql, params = features_sql(filters, as_of, owner, Relations.of(conn))
    return conn.execute(sql, params).df()


def _has_account_owner(conn: Connection) -> bool:
    sql = "SELECT count(*) FROM duckdb_columns() WHERE table_name = 'customers' AND column_name = 'account_owner'"
    return bool(conn.execute(sql).fetchone()[0])


def revenue_change_pct(recent, before) -> np.ndarray:
    """Revenue change of the last months against the same months a year earlier, in percent (NaN without a base)."""
    recent, before = np.asarray(recent, dtype=float), np.asarray(before, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(before > 0, 100 * (recent - before) / np.where(before > 0, before, 1), np.nan)


def score(facts: pd.DataFrame) -> pd.DataFrame:
    """The facts with the score's parts, the score and revenue change as columns, ranked by score (then revenue)."""
    frame = facts.copy()
    change = revenue_change_pct(frame["recent_revenue_usd"], frame["year_before_revenue_usd"])
    complaints = frame["complaints_12m"].to_numpy(dtype=float)
    lost = frame["lost_complaints_12m"].to_numpy(dtype=float)
    frame["revenue_change_pct"] = change
    frame["nps_points"] = frame["nps_group"].map(NPS_POINTS).fillna(NPS_POINTS["no response"]).astype(float)
    frame["complaint_points"] = np.minimum(POINTS_PER_COMPLAINT * complaints, MAX_COMPLAINT_COUNT_POINTS) + np.where(
        lost > 0, LOST_COMPLAINT_POINTS, 0.0
    )
    frame["revenue_points"] = REVENUE_DROP_POINTS * np.clip(-np.nan_to_num(change) / 100, 0, 1)
    frame["follow_up_points"] = np.where(frame["open_follow_ups"].to_numpy(dtype=float) > 0, OPEN_FOLLOW_UP_POINTS, 0.0)
    frame["risk_score"] = frame[list(PART_COLUMNS)].sum(axis=1)
    ranked = frame.sort_values(["risk_score", "revenue_12m_usd", "customer_id"], ascending=[False, False, True])
    ranked = ranked.reset_index(drop=True)
    ranked.insert(0, "rank", np.arange(1, len(ranked) + 1))
    return ranked


def at_risk_list(conn: Connection, filters: Filters, as_of: date) -> pd.DataFrame:
    """Active customers in the filters and scope, ranked by risk score, with its parts, revenue, region and owner."""
    return score(features(conn, filters, as_of))


def narrowed(ranked: pd.DataFrame, min_score: float, owners: Sequence[str], nps_groups: Sequence[str]) -> pd.DataFrame:
    """The list narrowed on the page: score at least `min_score`, the chosen account owners and NPS groups (empty:
    all)."""
    keep = ranked["risk_score"] >= min_score
    if owners:
        keep &= ranked["account_owner"].isin(list(owners))
    if nps_groups:
        keep &= ranked["nps_group"].isin(list(nps_groups))
    return ranked[keep].reset_index(drop=True)


def list_csv(ranked: pd.DataFrame) -> bytes:
    """The list as CSV: every column, the score's parts included, unformatted."""
    return ranked.to_csv(index=False).encode()

"""The Loyalty & Retention page's query set for `bench_scorecard.py --sets loyalty`: run, numbers, naive baseline.

The engine runs `loyalty_view.build` for the last complete week, unfiltered, at month grain (retention tiles and
24-month trends, signup cohorts, loyalty by experience, customer value deciles, the at-risk list). Its numbers are
flattened to `part|name|where|column` keys and must equal `naive_loyalty`'s.
"""

from __future__ import annotations

import pandas as pd

from benchmarks.naive_loyalty import COLUMNS, key, naive_loyalty
from cxmetrics.filters import Filters
from cxmetrics.query import frames as query
from cxmetrics.reports.loyalty import view as loyalty_view

TREND_COLUMNS: tuple[str, ...] = ("value", "n")
EXPERIENCE_COLUMNS: tuple[str, ...] = (
    "customers", "churned", "bought", "repeated", "revenue_usd", "margin_usd", "margin_months",
)  # fmt: skip
VALUE_COLUMNS: tuple[str, ...] = ("customers", "revenue_usd", "margin_usd", "nps_n", "promoters", "detractors")


def loyalty_queries(conn) -> loyalty_view.LoyaltyView:
    """The page's complete query set, as the page runs it by default: the last complete week, unfiltered, monthly."""
    return loyalty_view.build(conn, Filters(), query.data_extent(conn))


def _float(value) -> float:
    return float("nan") if value is None or pd.isna(value) else float(value)


def loyalty_numbers(conn, view: loyalty_view.LoyaltyView) -> dict[str, float]:
    """The engine's numbers of the page, flattened."""
    numbers = {}
    for metric_id, frame in view.trends.items():
        for row in frame.to_dict("records"):
            numbers |= {key("trend", metric_id, row["period_label"], c): _float(row[c]) for c in TREND_COLUMNS}
    for row in view.experience.to_dict("records"):
        numbers |= {key("experience", row["grouping"], row["group"], c): _float(row[c]) for c in EXPERIENCE_COLUMNS}
    for row in view.cohorts.to_dict("records"):
        where = f"{row['cohort_start']}+{row['age_quarters']}"
        numbers |= {key("cohort", "", where, c): _float(row[c]) for c in ("customers", "retained")}
    if view.value is not None:
        for row in view.value.deciles.to_dict("records"):
            numbers |= {key("value", "decile", str(row["decile"]), c): _float(row[c]) for c in VALUE_COLUMNS}
        for row in view.value.groups[view.value.groups["group"] != "all"].to_dict("records"):
            numbers |= {key("value", "group", row["group"], c): _float(row[c]) for c in VALUE_COLUMNS}
    for row in view.at_risk[["customer_id", "risk_score"]].itertuples(index=False):
        numbers[key("risk", "", str(row.customer_id), "risk_score")] = float(row.risk_score)
    return numbers


REQUIRED: tuple[str, ...] = (
    key("trend", "logo_retention", "*", "value"),
    key("trend", "nrr", "*", "value"),
    key("experience", "focus", loyalty_view.loyalty.AT_RISK, "churned"),
    key("cohort", "", "*", "retained"),
    key("value", "group", "unprofitable", "customers"),
    key("risk", "", "*", "risk_score"),
)
# The QuerySet fields of bench_scorecard.QUERY_SETS["loyalty"]: run, numbers, naive, required, columns.
LOYALTY = (loyalty_queries, loyalty_numbers, naive_loyalty, REQUIRED, COLUMNS)

"""The CX & Financials page's query set for `bench_scorecard.py --sets cx_financials`: run, numbers, naive baseline.

The engine runs what the page runs by default, unfiltered, for the last complete week: `view.build` for the month
it values (the tables loaded, spend and churn per region x segment x NPS group of the trailing-12-month cohort,
customers and revenue of the customers active at its end, the at-risk accounts, NPS per region x segment, earned
growth, and the lead-lag panel of NPS, like-for-like revenue growth and the month's churn per region x segment and
month, with its permutation test) and `view.monthly` for the company-wide split (NPS, CSAT, revenue, gross margin
and churned customers by month with the events). The permutation test is arithmetic on the small panel (2 x 2,000
shifts of a 12 x 36 array, the same at any N) and is timed with the build because the page's build runs it.
"""

from __future__ import annotations

import math

from benchmarks.naive_cx_financials import COLUMNS, naive_cx_financials
from cxmetrics.filters import Filters
from cxmetrics.query import frames as query
from cxmetrics.reports.cx_financials import view as financials

COMPARED_SUMS: tuple[str, ...] = (
    "customers",
    "churned",
    "revenue_usd",
    "revenue_sq",
    "based",
    "prior_usd",
    "grown_usd",
)
MONTHLY: tuple[str, ...] = ("nps", "nps_n", "csat_pct", "csat_pct_n", "revenue_usd", "gross_margin_pct")
CELLS: tuple[str, ...] = ("n", "promoters", "detractors")


def cx_financials_queries(conn) -> tuple[financials.FinancialsView, financials.MonthlyView]:
    """The page's builds as the page runs them by default: the last complete week, unfiltered, company-wide."""
    filters = Filters()
    view = financials.build(conn, filters, query.latest_period(conn, "month"))
    return view, financials.monthly(conn, filters, "none")


def _float(x) -> float:
    return float("nan") if x is None or (isinstance(x, float) and math.isnan(x)) else float(x)


def cx_financials_numbers(conn, results: tuple[financials.FinancialsView, financials.MonthlyView]) -> dict[str, float]:
    """The engine's numbers, flattened: cohort sums and current customers' sums per region|segment|group, the
    monthly series, NPS sums per region|segment, the number of at-risk accounts and the lead-lag panel."""
    view, monthly = results
    numbers = {}
    for row in view.cohort.sums.to_dict("records"):
        where = f"{row['region']}|{row['segment']}|{row['nps_group']}"
        numbers |= {f"groups|{where}|{c}": _float(row[c]) for c in COMPARED_SUMS}
    for row in view.cohort.current.to_dict("records"):
        where = f"{row['region']}|{row['segment']}|{row['nps_group']}"
        numbers |= {f"current|{where}|{c}": _float(row[c]) for c in ("customers", "revenue_usd")}
    for row in monthly.series.to_dict("records"):
        numbers |= {f"monthly|{row['period_start']}|{c}": _float(row[c]) for c in MONTHLY}
    for row in view.cohort.cells.to_dict("records"):
        numbers |= {f"cells|{row['region']}|{row['segment']}|{c}": _float(row[c]) for c in CELLS}
    numbers["accounts|count"] = float(len(view.cohort.accounts))
    for row in view.lead_lag.lags.values.to_dict("records"):
        where = f"panel|{row['metric']}|{row['cell']}|{row['period_start']}"
        numbers |= {f"{where}|value": _float(row["value"]), f"{where}|n": _float(row["n"])}
    return numbers


REQUIRED: tuple[str, ...] = (
    "groups|*|promoter|revenue_usd",
    "groups|*|detractor|churned",
    "current|*|detractor|revenue_usd",
    "monthly|*|nps",
    "monthly|*|revenue_usd",
    "cells|*|promoters",
    "accounts|count",
    "panel|nps|*|value",
    "panel|like_for_like_growth|*|value",
    "panel|monthly_churn_rate|*|n",
)
CX_FINANCIALS = (cx_financials_queries, cx_financials_numbers, naive_cx_financials, REQUIRED, COLUMNS)

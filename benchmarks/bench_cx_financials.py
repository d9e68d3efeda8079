"""The CX & Financials page's query set for `bench_scorecard.py`: what the engine runs and the numbers it checks.

The page, unfiltered, for the last complete week: the tables loaded, NPS, CSAT, revenue, gross margin and churned
customers by month with the events, spend and churn per region x segment x NPS group of the trailing-12-month
cohort, the at-risk accounts, NPS per region x segment, earned growth, and the lead-lag panel (NPS, like-for-like
revenue growth and the month's churn per region x segment and month). The lead-lag's permutation test is arithmetic
on that small panel (2 x 2,000 shifts of a 12 x 36 array, the same at any N) and is not part of the query set.
"""

from __future__ import annotations

import math

from benchmarks.naive_cx_financials import COLUMNS, naive_cx_financials
from cxmetrics.filters import Filters
from cxmetrics.query import catalog
from cxmetrics.query import frames as query
from cxmetrics.reports.cx_financials import leadlag, value

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


def cx_financials_queries(conn) -> dict:
    """Every query the page runs, as it runs them (the same functions, one call each)."""
    filters = Filters()
    week = query.latest_period(conn, "week")
    month = value.window(week.end)
    loaded = catalog.loaded_tables(conn)
    series = leadlag.monthly_series(conn, filters, None, "financials" in loaded)
    sums, accounts = value.cohort_view(conn, filters, month)
    return {
        "loaded": loaded,
        "series": series,
        "events": catalog.events_between(conn, filters, series["period_start"].min(), series["period_start"].max()),
        "sums": sums,
        "accounts": accounts,
        "cells": value.cell_nps_sums(conn, filters, month),
        "earned": value.earned_growth(conn, filters, month),
        "panel": leadlag.panel(conn, filters, leadlag.panel_months(conn, month)),
    }


def _float(x) -> float:
    return float("nan") if x is None or (isinstance(x, float) and math.isnan(x)) else float(x)


def cx_financials_numbers(conn, results: dict) -> dict[str, float]:
    """The engine's numbers, flattened: cohort sums per region|segment|group, the monthly series, NPS sums per
    region|segment and the number of at-risk accounts."""
    numbers = {}
    for row in results["sums"].to_dict("records"):
        where = f"{row['region']}|{row['segment']}|{row['nps_group']}"
        numbers |= {f"groups|{where}|{c}": _float(row[c]) for c in COMPARED_SUMS}
    for row in results["series"].to_dict("records"):
        numbers |= {f"monthly|{row['period_start']}|{c}": _float(row[c]) for c in MONTHLY}
    for row in results["cells"].to_dict("records"):
        numbers |= {f"cells|{row['region']}|{row['segment']}|{c}": _float(row[c]) for c in CELLS}
    numbers["accounts|count"] = float(len(results["accounts"]))
    for row in results["panel"].to_dict("records"):
        where = f"panel|{row['metric']}|{row['cell']}|{row['period_start']}"
        numbers |= {f"{where}|value": _float(row["value"]), f"{where}|n": _float(row["n"])}
    return numbers


REQUIRED: tuple[str, ...] = (
    "groups|*|promoter|revenue_usd",
    "groups|*|detractor|churned",
    "monthly|*|nps",
    "monthly|*|revenue_usd",
    "cells|*|promoters",
    "accounts|count",
    "panel|nps|*|value",
    "panel|like_for_like_growth|*|value",
    "panel|monthly_churn_rate|*|n",
)
CX_FINANCIALS = (cx_financials_queries, cx_financials_numbers, naive_cx_financials, REQUIRED, COLUMNS)

"""The CX & Financials numbers computed the naive way: the tables in pandas, merges and groupbys.

Independent of the engine's SQL and arithmetic; it shares only the period definitions and the minimum-n setting.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from cxmetrics import config, periods

ACCOUNTS_SHOWN = 500
# The tables and columns the naive computation reads.
COLUMNS: dict[str, str] = {
    "responses": "response_id, customer_id, responded_at, survey, touchpoint, channel, nps, csat, ces",
    "customers": "customer_id, region, segment, signup_date, churn_date",
    "customer_revenue": "customer_id, month, revenue_usd, cost_to_serve_usd, gross_margin_usd",
    "financials": "month, revenue_usd, gross_margin_usd",
}


def _group(nps: pd.Series) -> pd.Series:
    """promoter / passive / detractor from a 0-10 answer; 'no response' without one."""
    return pd.Series(
        np.select([nps >= 9, nps >= 7, nps >= 0], ["promoter", "passive", "detractor"], "no response"),
        index=nps.index,
    )


def _cohort(tables: dict[str, pd.DataFrame], year_start: pd.Timestamp, year_end: pd.Timestamp) -> pd.DataFrame:
    """Customers active at the window start with their NPS group, churn, and revenue in and before the window."""
    customers = tables["customers"]
    signup, churn = pd.to_datetime(customers["signup_date"]), pd.to_datetime(customers["churn_date"])
    cohort = customers[(signup < year_start) & (churn.isna() | (churn >= year_start))].copy()
    cohort["churned"] = (pd.to_datetime(cohort["churn_date"]) <= year_end).astype(float)
    responses = tables["responses"]
    relationship = responses[
        (responses["survey"] == "relationship") & responses["nps"].notna() & (responses["responded_at"] < year_start)
    ]
    latest = relationship.sort_values("responded_at").groupby("customer_id")["nps"].last()
    cohort["nps_group"] = _group(cohort["customer_id"].map(latest).astype(float))
    revenue = tables["customer_revenue"]
    month = pd.to_datetime(revenue["month"])
    year = revenue[(month >= year_start) & (month <= year_end)].groupby("customer_id")["revenue_usd"].sum()
    before = month >= year_start - pd.DateOffset(months=12)
    prior = revenue[before & (month < year_start)].groupby("customer_id")["revenue_usd"].sum()
    cohort["year_usd"] = cohort["customer_id"].map(year).fillna(0.0)
    cohort["prior_usd"] = cohort["customer_id"].map(prior)
    return cohort


def _current(tables: dict[str, pd.DataFrame], year_start: pd.Timestamp, year_end: pd.Timestamp) -> pd.DataFrame:
    """Customers active at the window end with the NPS group of their latest relationship answer in the window and
    their revenue in it."""
    stop = year_end + pd.Timedelta(days=1)
    customers = tables["customers"]
    signup, churn = pd.to_datetime(customers["signup_date"]), pd.to_datetime(customers["churn_date"])
    current = customers[(signup < stop) & (churn.isna() | (churn >= stop))].copy()
    responses = tables["responses"]
    answered = responses["responded_at"]
    relationship = responses[
        (responses["survey"] == "relationship")
        & responses["nps"].notna()
        & (answered >= year_start)
        & (answered < stop)
    ]
    latest = relationship.sort_values(["responded_at", "response_id"]).groupby("customer_id")["nps"].last()
    current["nps_group"] = _group(current["customer_id"].map(latest).astype(float))
    revenue = tables["customer_revenue"]
    month = pd.to_datetime(revenue["month"])
    year = revenue[(month >= year_start) & (month <= year_end)].groupby("customer_id")["revenue_usd"].sum()
    current["revenue_usd"] = current["customer_id"].map(year).fillna(0.0)
    return current


def _current_numbers(current: pd.DataFrame) -> dict[str, float]:
    sums = current.assign(customers=1.0).groupby(["region", "segment", "nps_group"])[["customers", "revenue_usd"]]
    return {
        f"current|{r}|{s}|{g}|{c}": float(row[c])
        for (r, s, g), row in sums.sum().iterrows()
        for c in ("customers", "revenue_usd")
    }


def _group_numbers(cohort: pd.DataFrame) -> dict[str, float]:
    based = cohort["prior_usd"] > 0
    frame = cohort.assign(
        customers=1.0,
        revenue_usd=cohort["year_usd"],
        revenue_sq=cohort["year_usd"] ** 2,
        based=based.astype(float),
        prior_usd=cohort["prior_usd"].where(based, 0.0),
        grown_usd=cohort["year_usd"].where(based, 0.0),
    )
    columns = ["customers", "churned", "revenue_usd", "revenue_sq", "based", "prior_usd", "grown_usd"]
    sums = frame.groupby(["region", "segment", "nps_group"])[columns].sum()
    return {f"groups|{r}|{s}|{g}|{c}": float(row[c]) for (r, s, g), row in sums.iterrows() for c in columns}


def _monthly_numbers(tables: dict[str, pd.DataFrame], last_day) -> dict[str, float]:
    """Relationship NPS, CSAT (withheld under the minimum n), revenue and gross margin per complete month."""
    min_n = config.get("CX_MIN_N")
    responses = tables["responses"]
    month = responses["responded_at"].dt.to_period("M").dt.start_time
    relationship = responses["survey"] == "relationship"
    scores = pd.DataFrame(
        {
            "nps_n": responses["nps"].notna() & relationship,
            "promoters": (responses["nps"] >= 9) & relationship,
            "detractors": (responses["nps"] <= 6) & relationship,
            "csat_n": responses["csat"].notna(),
            "satisfied": responses["csat"] >= 4,
        }
    ).astype(float)
    by_month = scores.groupby(month).sum()
    financials = tables["financials"]
    margin_known = financials["gross_margin_usd"].notna()
    money = (
        financials.assign(
            margin=financials["gross_margin_usd"].fillna(0.0),
            margin_revenue=financials["revenue_usd"].where(margin_known, 0.0),
        )
        .groupby(pd.to_datetime(financials["month"]))[["revenue_usd", "margin", "margin_revenue"]]
        .sum()
    )
    numbers = {}
    for start, row in by_month.iterrows():
        if periods.period_containing("month", start.date()).end > last_day:
            continue
        key = f"monthly|{start.date()}"
        nps = 100 * (row["promoters"] - row["detractors"]) / row["nps_n"] if row["nps_n"] >= min_n else np.nan
        csat = 100 * row["satisfied"] / row["csat_n"] if row["csat_n"] >= min_n else np.nan
        numbers |= {f"{key}|nps": nps, f"{key}|nps_n": row["nps_n"], f"{key}|csat_pct": csat}
        numbers[f"{key}|csat_pct_n"] = row["csat_n"]
        found = start in money.index
        numbers[f"{key}|revenue_usd"] = float(money.loc[start, "revenue_usd"]) if found else np.nan
        margin = 100 * money.loc[start, "margin"] / money.loc[start, "margin_revenue"] if found else np.nan
        numbers[f"{key}|gross_margin_pct"] = float(margin)
    return numbers


def _cell_numbers(tables: dict[str, pd.DataFrame], year_start: pd.Timestamp, stop: pd.Timestamp) -> dict[str, float]:
    responses = tables["responses"]
    relationship = responses["survey"] == "relationship"
    window = responses[(responses["responded_at"] >= year_start) & (responses["responded_at"] < stop) & relationship]
    joined = window.merge(tables["customers"][["customer_id", "region", "segment"]], on="customer_id")
    joined = joined[joined["region"].notna()]
    counts = pd.DataFrame(
        {"n": joined["nps"].notna(), "promoters": joined["nps"] >= 9, "detractors": joined["nps"] <= 6}
    ).astype(float)
    sums = counts.groupby([joined["region"], joined["segment"]]).sum()
    return {f"cells|{r}|{s}|{c}": float(row[c]) for (r, s), row in sums.iterrows() for c in sums.columns}


TENURE_MONTHS = 6
NONE = "(none)"


def _cell_keys(frame: pd.DataFrame) -> pd.Series:
    """'region / segment' per row, '(none)' for a missing value."""
    return frame["region"].fillna(NONE).astype(str) + " / " + frame["segment"].fillna(NONE).astype(str)


def _panel_rows(metric: str, n: pd.Series, value: pd.Series, min_n: int) -> dict[str, float]:
    numbers = {}
    for (cell, month), count in n.items():
        where = f"panel|{metric}|{cell}|{month.date()}"
        numbers[f"{where}|n"] = float(count)
        numbers[f"{where}|value"] = float(value[(cell, month)]) if count >= min_n else np.nan
    return numbers


def _panel_nps(tables: dict[str, pd.DataFrame], months: pd.DatetimeIndex, min_n: int) -> dict[str, float]:
    responses = tables["responses"]
    answered = responses[responses["nps"].notna()]
    joined = answered.merge(tables["customers"][["customer_id", "region", "segment"]], on="customer_id", how="left")
    month = joined["responded_at"].dt.to_period("M").dt.start_time
    joined = joined.assign(cell=_cell_keys(joined), month=month)[month.isin(months)]
    score = np.where(joined["nps"] >= 9, 100.0, np.where(joined["nps"] <= 6, -100.0, 0.0))
    grouped = joined.assign(score=score).groupby(["cell", "month"])["score"]
    return _panel_rows("nps", grouped.size(), grouped.mean(), min_n)


def _panel_growth(tables: dict[str, pd.DataFrame], months: pd.DatetimeIndex, min_n: int) -> dict[str, float]:
    revenue = tables["customer_revenue"][["customer_id", "month", "revenue_usd"]].copy()
    revenue["month"] = pd.to_datetime(revenue["month"])
    before = revenue.assign(month=revenue["month"] + pd.DateOffset(months=1)).rename(columns={"revenue_usd": "prev"})
    pairs = revenue.merge(before, on=["customer_id", "month"]).merge(tables["customers"], on="customer_id")
    signup, churn = pd.to_datetime(pairs["signup_date"]), pd.to_datetime(pairs["churn_date"])
    kept = (pairs["revenue_usd"] > 0) & (pairs["prev"] > 0) & pairs["month"].isin(months)
    kept &= signup <= pairs["month"] - pd.DateOffset(months=1 + TENURE_MONTHS)
    kept &= churn.isna() | (churn >= pairs["month"] + pd.DateOffset(months=1))
    pairs = pairs[kept]
    grouped = pairs[["revenue_usd", "prev"]].groupby([_cell_keys(pairs), pairs["month"]])
    sums = grouped.sum()
    growth = 100 * (sums["revenue_usd"] / sums["prev"] - 1)
    return _panel_rows("like_for_like_growth", grouped.size(), growth, min_n)


def _panel_churn(tables: dict[str, pd.DataFrame], months: pd.DatetimeIndex, min_n: int) -> dict[str, float]:
    """Per cell and month: customers active at its start and the share of them who churned during it (a cell with
    customers only won during the month has n = 0)."""
    customers = tables["customers"]
    signup, churn = pd.to_datetime(customers["signup_date"]), pd.to_datetime(customers["churn_date"])
    cells = _cell_keys(customers)
    numbers = {}
    for start in months:
        end = start + pd.DateOffset(months=1) - pd.Timedelta(days=1)
        during = (signup <= end) & (churn.isna() | (churn >= start))
        at_start = during & (signup < start)
        counts = pd.DataFrame({"n": at_start, "churned": at_start & (churn <= end)})[during].astype(float)
        sums = counts.groupby(cells[during]).sum()
        index = pd.MultiIndex.from_arrays([sums.index, [start] * len(sums)])
        share = 100 * sums["churned"].to_numpy() / sums["n"].where(sums["n"] > 0).to_numpy()
        numbers |= _panel_rows(
            "monthly_churn_rate", pd.Series(sums["n"].to_numpy(), index), pd.Series(share, index), min_n
        )
    return numbers


def _panel_numbers(tables: dict[str, pd.DataFrame], last_month_start: pd.Timestamp) -> dict[str, float]:
    """NPS, like-for-like revenue growth and the month's churn per region / segment cell and month, from the first
    month with responses to the review's closed month."""
    min_n = config.get("CX_MIN_N")
    first = tables["responses"]["responded_at"].min().to_period("M").start_time
    months = pd.date_range(first, last_month_start, freq="MS")
    numbers = _panel_nps(tables, months, min_n) | _panel_growth(tables, months, min_n)
    return numbers | _panel_churn(tables, months, min_n)


def naive_cx_financials(tables: dict[str, pd.DataFrame]) -> dict[str, float]:
    """The same numbers as `bench_cx_financials.cx_financials_numbers`, from the tables in memory."""
    last_day = tables["responses"]["responded_at"].max().date()
    month = periods.closed_month(last_day)
    year_end = pd.Timestamp(month.end)
    year_start = pd.Timestamp(month.start) - pd.DateOffset(months=11)
    cohort = _cohort(tables, year_start, year_end)
    current = _current(tables, year_start, year_end)
    numbers = _group_numbers(cohort) | _current_numbers(current)
    numbers |= _monthly_numbers(tables, last_day)
    numbers |= _cell_numbers(tables, year_start, year_end + pd.Timedelta(days=1))
    detractors = int((current["nps_group"] == "detractor").sum())
    numbers |= _panel_numbers(tables, pd.Timestamp(month.start))
    return numbers | {"accounts|count": float(min(detractors, ACCOUNTS_SHOWN))}

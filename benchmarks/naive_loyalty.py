"""The Loyalty & Retention page's numbers computed the naive way: tables in pandas, groupbys and per-period loops.

The baseline the engine is measured against, and an independent check of its numbers: it shares only the period
definitions (`cxmetrics.periods`, the page's window) and the minimum-n setting with the engine, never its SQL or
arithmetic. Keys follow `bench_loyalty.key`.
"""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pandas as pd

from cxmetrics import config, periods
from cxmetrics.reports.loyalty import analysis as loyalty

MIN_N = 30
# The tables and columns the naive computation reads.
COLUMNS: dict[str, str] = {
    "responses": "response_id, customer_id, responded_at, survey, touchpoint, channel, nps, csat, ces",
    "customers": "customer_id, region, segment, signup_date, churn_date",
    "follow_ups": "response_id, closed_at, opened_at",
    "customer_revenue": "customer_id, month, revenue_usd, cost_to_serve_usd, gross_margin_usd",
    "complaints": "customer_id, opened_at, resolved_at, outcome",
}


def key(part: str, name: str, where: str, column: str) -> str:
    """'part|name|where|column', the key of one compared number."""
    return f"{part}|{name}|{where}|{column}"


def _ts(day: date) -> pd.Timestamp:
    return pd.Timestamp(day)


def _months_back(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 - months
    return date(index // 12, index % 12 + 1, 1)


def _latest_relationship(
    responses: pd.DataFrame, before: pd.Timestamp, since: pd.Timestamp | None = None
) -> pd.DataFrame:
    """Each customer's latest relationship response with an NPS answer before `before` (ties: highest id); with
    `since`, only answers on or after it count."""
    rows = responses[
        (responses["survey"] == "relationship")
        & responses["customer_id"].notna()
        & responses["nps"].notna()
        & (responses["responded_at"] < before)
    ]
    if since is not None:
        rows = rows[rows["responded_at"] >= since]
    rows = rows.sort_values(["customer_id", "responded_at", "response_id"])
    return rows.groupby("customer_id").tail(1).set_index("customer_id")[["nps", "csat"]]


# --- registry trends -------------------------------------------------------------------------------------------------


def _trend_month(tables: dict[str, pd.DataFrame], month: periods.Period, first_month: date | None) -> dict:
    """The six retention metrics for one month, as the registry defines them."""
    customers, revenue = tables["customers"], tables["customer_revenue"]
    end = _ts(month.end)
    start = end + pd.Timedelta(days=1) - pd.DateOffset(months=12)
    cohort = customers[
        (customers["signup_date"] < start) & (customers["churn_date"].isna() | (customers["churn_date"] >= start))
    ]
    retained = int((cohort["churn_date"].isna() | (cohort["churn_date"] > end)).sum())
    churned = int((cohort["churn_date"] <= end).sum())
    n = len(cohort)
    out = {
        "logo_retention": (100 * retained / n if n >= MIN_N else np.nan, n),
        "churn_rate": (100 * churned / n if n >= MIN_N else np.nan, n),
    }
    year_ago = _ts(_months_back(month.start, 12))
    members = customers.loc[
        (customers["signup_date"] < year_ago)
        & (customers["churn_date"].isna() | (customers["churn_date"] >= year_ago)),
        "customer_id",
    ]
    then, now = (
        revenue[revenue["month"] == m].groupby("customer_id")["revenue_usd"].sum().reindex(members).fillna(0)
        for m in (year_ago, _ts(month.start))
    )
    short = (
        first_month is None or (month.end.year - first_month.year) * 12 + month.end.month - first_month.month + 1 < 13
    )
    base = then.sum()
    out["nrr"] = (np.nan if short or not base else 100 * now.sum() / base, len(members))
    out["grr"] = (np.nan if short or not base else 100 * np.minimum(now, then).sum() / base, len(members))
    before = revenue[(revenue["month"] == _ts(_months_back(month.start, 1))) & (revenue["revenue_usd"] > 0)]
    this = revenue[(revenue["month"] == _ts(month.start)) & (revenue["revenue_usd"] > 0)]
    pairs = len(before)
    repeated = int(before["customer_id"].isin(this["customer_id"]).sum())
    out["repeat_purchase_rate"] = (100 * repeated / pairs if pairs >= MIN_N else np.nan, pairs)
    trailing = revenue[(revenue["month"] >= start) & (revenue["month"] <= end)]
    margin, months = trailing["gross_margin_usd"].sum(), trailing["gross_margin_usd"].notna().sum()
    monthly_retention = (retained / n) ** (1 / 12) if n else 1.0
    discount = (1 + float(config.get("CX_CLV_DISCOUNT_RATE")) / 100) ** (1 / 12) - 1
    horizon = 1 + discount - monthly_retention
    clv = (margin / months) * (1 + discount) / horizon if months and horizon > 0 and n >= MIN_N else np.nan
    out["clv"] = (clv, n)
    return out


def trends(tables: dict[str, pd.DataFrame], window: loyalty.TrailingYear) -> dict[str, float]:
    """The registry metrics over the 24 months ending with the window, month by month."""
    first = tables["customer_revenue"]["month"].min()
    first_month = None if pd.isna(first) else first.date()
    numbers = {}
    for month in periods.periods_between("month", _months_back(window.start, 12), window.end):
        for metric, (value, n) in _trend_month(tables, month, first_month).items():
            numbers[key("trend", metric, month.label, "value")] = float(value)
            numbers[key("trend", metric, month.label, "n")] = float(n)
    return numbers


# --- customer-level sections -----------------------------------------------------------------------------------------


def experience(tables: dict[str, pd.DataFrame], window: loyalty.TrailingYear) -> dict[str, float]:
    """Cohort counts, repeat pairs, revenue and margin by NPS group, CSAT band and focus group."""
    customers, revenue, responses = tables["customers"], tables["customer_revenue"], tables["responses"]
    start, end = _ts(window.start), _ts(window.end)
    cohort = customers[
        (customers["signup_date"] < start) & (customers["churn_date"].isna() | (customers["churn_date"] >= start))
    ]
    frame = cohort.set_index("customer_id")[["churn_date"]].join(_latest_relationship(responses, start))
    in_window = revenue[(revenue["month"] >= start) & (revenue["month"] <= end)]
    money = in_window.groupby("customer_id").agg(
        revenue_usd=("revenue_usd", "sum"),
        margin_usd=("gross_margin_usd", "sum"),
        margin_months=("gross_margin_usd", "count"),
    )
    bought = revenue[
        (revenue["revenue_usd"] > 0)
        & (revenue["month"] >= start - pd.DateOffset(months=1))
        & (revenue["month"] < _ts(window.end.replace(day=1)))
    ]
    following = revenue[revenue["revenue_usd"] > 0][["customer_id", "month"]].assign(repeated=1)
    following["month"] = following["month"] - pd.DateOffset(months=1)
    pairs = bought[["customer_id", "month"]].merge(following, on=["customer_id", "month"], how="left")
    pair_sums = (
        pairs.assign(bought=1, repeated=pairs["repeated"].fillna(0))
        .groupby("customer_id")[["bought", "repeated"]]
        .sum()
    )
    frame = frame.join(money).join(pair_sums)
    nps, csat = frame["nps"].astype(float).to_numpy(), frame["csat"].astype(float).to_numpy()
    frame["nps_group"] = np.select([nps >= 9, nps >= 7, nps >= 0], ["promoter", "passive", "detractor"], "no response")
    frame["csat_band"] = np.select(
        [csat >= 4, csat == 3, csat >= 1], ["4-5 satisfied", "3 neutral", "1-2 dissatisfied"], "no CSAT answer"
    )
    frame["focus"] = np.select([(csat >= 4) & (nps <= 8), nps >= 9], [loyalty.AT_RISK, "promoter"], "other")
    frame["customers"] = 1
    frame["churned"] = (frame["churn_date"] <= end).astype(int)
    numbers = {}
    for grouping in ("nps_group", "csat_band", "focus"):
        sums = frame.groupby(grouping)[
            ["customers", "churned", "bought", "repeated", "revenue_usd", "margin_usd", "margin_months"]
        ].sum()
        for group, row in sums.iterrows():
            numbers |= {key("experience", grouping, group, c): float(v) for c, v in row.items()}
    return numbers


def cohorts(tables: dict[str, pd.DataFrame], window: loyalty.TrailingYear) -> dict[str, float]:
    """Customers and retained per signup quarter and quarters since, for the 12 quarters closed by the window."""
    customers = tables["customers"]
    last = periods.last_complete("quarter", window.end)
    first = last.start
    for _ in range(loyalty.COHORT_QUARTERS - 1):
        first = periods.period_containing("quarter", first - timedelta(days=1)).start
    members = customers[(customers["signup_date"] >= _ts(first)) & (customers["signup_date"] <= _ts(window.end))]
    numbers = {}
    for signup, rows in members.groupby(members["signup_date"].dt.to_period("Q")):
        quarter_start = signup.start_time
        for age in range(loyalty.COHORT_QUARTERS):
            age_end = quarter_start + pd.DateOffset(months=3 * (age + 1)) - pd.Timedelta(days=1)
            if age_end > _ts(window.end):
                break
            still = rows["churn_date"].isna() | (rows["churn_date"] > age_end)
            where = f"{quarter_start.date()}+{age}"
            numbers[key("cohort", "", where, "customers")] = float(len(rows))
            numbers[key("cohort", "", where, "retained")] = float(still.sum())
    return numbers


def _ntile(count: int, buckets: int) -> np.ndarray:
    """SQL ntile: the first count mod buckets buckets get one row more."""
    size, extra = divmod(count, buckets)
    return np.repeat(np.arange(1, buckets + 1), [size + (1 if b < extra else 0) for b in range(buckets)])


def value(tables: dict[str, pd.DataFrame], window: loyalty.TrailingYear) -> dict[str, float]:
    """Customers with revenue in the window by margin decile and by profitable or not, with their NPS sums."""
    revenue, responses = tables["customer_revenue"], tables["responses"]
    start, end = _ts(window.start), _ts(window.end)
    rows = revenue[(revenue["month"] >= start) & (revenue["month"] <= end)]
    money = rows.groupby("customer_id").agg(revenue_usd=("revenue_usd", "sum"), margin_usd=("gross_margin_usd", "sum"))
    answered = responses[
        responses["customer_id"].notna()
        & responses["nps"].notna()
        & (responses["responded_at"] >= start)
        & (responses["responded_at"] < end + pd.Timedelta(days=1))
    ]
    scores = (
        answered.assign(nps_n=1, promoters=answered["nps"] >= 9, detractors=answered["nps"] <= 6)
        .groupby("customer_id")[["nps_n", "promoters", "detractors"]]
        .sum()
    )
    frame = money.join(scores).fillna({"nps_n": 0, "promoters": 0, "detractors": 0}).reset_index()
    frame = frame.sort_values(["margin_usd", "customer_id"]).reset_index(drop=True)
    frame["decile"] = _ntile(len(frame), loyalty.DECILES)
    frame["profit"] = np.where(frame["margin_usd"] < 0, "unprofitable", "profitable")
    frame["customers"] = 1
    columns = ["customers", "revenue_usd", "margin_usd", "nps_n", "promoters", "detractors"]
    numbers = {}
    for by, part in (("decile", "decile"), ("profit", "group")):
        for name, row in frame.groupby(by)[columns].sum().iterrows():
            numbers |= {key("value", part, str(name), c): float(v) for c, v in row.items()}
    return numbers


def risk_scores(tables: dict[str, pd.DataFrame], window: loyalty.TrailingYear) -> dict[str, float]:
    """Every active customer's risk score, from the facts computed with pandas."""
    customers, responses, revenue = tables["customers"], tables["responses"], tables["customer_revenue"]
    complaints, follow_ups = tables["complaints"], tables["follow_ups"]
    as_of = _ts(window.end)
    stop = as_of + pd.Timedelta(days=1)
    last_month = window.end.replace(day=1)
    active = customers[
        (customers["signup_date"] <= as_of) & (customers["churn_date"].isna() | (customers["churn_date"] > as_of))
    ]
    year_start = _ts(_months_back(last_month, 11))
    frame = active.set_index("customer_id")[[]].join(_latest_relationship(responses, stop, year_start)[["nps"]])
    recent = complaints[(complaints["opened_at"] >= year_start) & (complaints["opened_at"] < stop)]
    counts = recent.assign(n=1, lost=recent["outcome"] == "lost").groupby("customer_id")[["n", "lost"]].sum()
    frame = frame.join(counts)
    recent_start = _months_back(last_month, 2)
    window_rows = revenue[(revenue["month"] >= _ts(recent_start)) & (revenue["month"] <= _ts(last_month))]
    before_rows = revenue[
        (revenue["month"] >= _ts(_months_back(recent_start, 12)))
        & (revenue["month"] <= _ts(_months_back(last_month, 12)))
    ]
    frame = frame.join(window_rows.groupby("customer_id")["revenue_usd"].sum().rename("recent"))
    frame = frame.join(before_rows.groupby("customer_id")["revenue_usd"].sum().rename("before"))
    linked = follow_ups.merge(responses[["response_id", "customer_id"]], on="response_id")
    linked = linked[linked["customer_id"].notna() & (linked["opened_at"] < stop)]
    still_open = linked[linked["closed_at"].isna() | (linked["closed_at"] >= stop)].groupby("customer_id").size()
    frame = frame.join(still_open.rename("open")).fillna({"n": 0, "lost": 0, "recent": 0, "before": 0, "open": 0})
    nps = frame["nps"].astype(float).to_numpy()
    points = np.select([nps >= 9, nps >= 7, nps >= 0], [0.0, 15.0, 35.0], 10.0)
    points = points + np.minimum(5.0 * frame["n"], 15.0) + np.where(frame["lost"] > 0, 10.0, 0.0)
    drop = np.where(
        frame["before"] > 0, (frame["before"] - frame["recent"]) / frame["before"].where(frame["before"] > 0, 1), 0.0
    )
    points = points + 25.0 * np.clip(drop, 0, 1) + np.where(frame["open"] > 0, 15.0, 0.0)
    return {key("risk", "", str(c), "risk_score"): float(p) for c, p in zip(frame.index, points, strict=True)}


def naive_loyalty(tables: dict[str, pd.DataFrame]) -> dict[str, float]:
    """All the page's compared numbers, from the tables in memory."""
    global MIN_N
    MIN_N = int(config.get("CX_MIN_N"))
    window = loyalty.window_for(tables["responses"]["responded_at"].max().date())
    numbers = trends(tables, window)
    numbers |= experience(tables, window)
    numbers |= cohorts(tables, window)
    numbers |= value(tables, window)
    return numbers | risk_scores(tables, window)

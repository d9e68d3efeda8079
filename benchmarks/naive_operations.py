"""The Complaints & Follow-up and People & CX numbers computed the naive way: read the tables into pandas and
aggregate there. It shares only the period definitions and the minimum-n setting with the engine.

The benchmark reads the columns in `COLUMNS` (complaint process, follow-up owner and dates, engagement by region and
team) into pandas, timed as part of the naive time, and hands them to `naive_operations`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from cxmetrics import config, periods
from cxmetrics.periods import Period

# The tables and columns the naive computation reads.
COLUMNS: dict[str, str] = {
    "customers": "customer_id, region, signup_date, churn_date",
    "responses": "response_id, customer_id, responded_at, touchpoint, nps",
    "complaints": "customer_id, opened_at, resolved_at, process, outcome",
    "follow_ups": "response_id, owner, opened_at, closed_at",
    "customer_revenue": "customer_id, month, revenue_usd",
    "employee_engagement": "month, region, team, headcount, enps, engagement_index",
}
DAY = pd.Timedelta(days=1)
AGES = ((2, "0-2 days"), (7, "3-7 days"), (30, "8-30 days"))


def _stamp(day) -> pd.Timestamp:
    return pd.Timestamp(day)


def _months_back(month: Period, count: int) -> list[Period]:
    chosen = [month]
    while len(chosen) < count:
        chosen.insert(0, periods.prior(chosen[0]))
    return chosen


def _active(customers: pd.DataFrame, period: Period) -> int:
    signup, churn = pd.to_datetime(customers["signup_date"]), pd.to_datetime(customers["churn_date"])
    alive = (signup <= _stamp(period.end)) & (churn.isna() | (churn >= _stamp(period.start)))
    return int(alive.sum())


def _between(series: pd.Series, period: Period) -> pd.Series:
    return (series >= _stamp(period.start)) & (series < _stamp(period.end) + DAY)


def _trend(t: dict, months: list[Period]) -> dict[str, float]:
    numbers = {}
    process = t["complaints"]["process"].fillna("(none)")
    for month in months:
        active = _active(t["customers"], month)
        counts = process[_between(t["complaints"]["opened_at"], month)].value_counts()
        for name, count in counts.items():
            key = f"trend|{name}|{month.start}"
            numbers |= {f"{key}|complaints": float(count), f"{key}|active_customers": float(active)}
            numbers[f"{key}|per_1000"] = 1000 * count / active
    return numbers


def _process(t: dict, month: Period) -> dict[str, float]:
    k = t["complaints"].assign(process=t["complaints"]["process"].fillna("(none)"))
    opened, resolved = _between(k["opened_at"], month), _between(k["resolved_at"], month)
    days = (k["resolved_at"] - k["opened_at"]).dt.total_seconds() / 86400.0
    active = _active(t["customers"], month)
    numbers = {}
    groups = [("All", k.index)] + [(name, rows.index) for name, rows in k[opened | resolved].groupby("process")]
    for name, index in groups:
        o, r = opened.loc[index], resolved.loc[index]
        outcome = k.loc[index, "outcome"]
        numbers |= {
            f"process|{name}||complaints": float(o.sum()),
            f"process|{name}||resolved": float(r.sum()),
            f"process|{name}||median_days_to_resolve": float(days.loc[index][r].median()) if r.any() else np.nan,
            f"process|{name}||recovered": float((r & (outcome == "recovered")).sum()),
            f"process|{name}||lost": float((r & (outcome == "lost")).sum()),
            f"process|{name}||per_1000": 1000 * float(o.sum()) / active,
        }
    return numbers


def _churn(t: dict, month: Period) -> dict[str, float]:
    start = (month.end + pd.Timedelta(days=1)).replace(year=month.end.year - 1)
    since = start.replace(year=start.year - 1)
    k = t["complaints"]
    window = k[(k["opened_at"] >= _stamp(since)) & (k["opened_at"] < _stamp(start))]
    latest = window.sort_values("opened_at").groupby("customer_id")["outcome"].last()
    c = t["customers"]
    signup, churn = pd.to_datetime(c["signup_date"]), pd.to_datetime(c["churn_date"])
    cohort = c[(signup < _stamp(start)) & (churn.isna() | (churn >= _stamp(start)))]
    outcome = cohort["customer_id"].map(latest).fillna("none")
    churned = pd.to_datetime(cohort["churn_date"]) <= _stamp(month.end)
    numbers = {}
    for name in outcome.unique():
        mask = outcome == name
        numbers[f"churn|{name}||customers"] = float(mask.sum())
        numbers[f"churn|{name}||churned"] = float((mask & churned).sum())
    return numbers


def _follow_ups(t: dict) -> pd.DataFrame:
    return t["follow_ups"].merge(t["responses"], on="response_id", how="inner")


def _timeliness(t: dict, month: Period) -> dict[str, float]:
    f = _follow_ups(t)
    f = f[_between(f["opened_at"], month)]
    # The end of the 2nd business day after the opening day: Thu and Fri +4, Sat +3, otherwise +2 days.
    add = f["opened_at"].dt.dayofweek.map({3: 4, 4: 4, 5: 3}).fillna(2)
    deadline = f["opened_at"].dt.normalize() + pd.to_timedelta(add, unit="D")
    in_time = f["closed_at"].notna() & (f["closed_at"].dt.normalize() <= deadline)
    return {"timeliness|||opened": float(len(f)), "timeliness|||in_time": float(in_time.sum())}


def _follow_up_trend(t: dict, months: list[Period], last_day, min_n: int) -> dict[str, float]:
    r = t["responses"]
    r = r[(r["nps"] <= 6) & r["customer_id"].notna()]
    day = r["responded_at"].dt.normalize()
    deadline = day + pd.to_timedelta(r["responded_at"].dt.dayofweek.map({3: 4, 4: 4, 5: 3}).fillna(2), unit="D")
    r = r.assign(deadline=deadline)[deadline <= _stamp(last_day)]
    r = r.merge(t["follow_ups"][["response_id", "closed_at"]], on="response_id", how="left")
    r["in_time"] = r["closed_at"].dt.normalize() <= r["deadline"]
    numbers = {}
    for month in months:
        rows = r[_between(r["responded_at"], month)]
        if len(rows):
            n = len(rows)
            numbers[f"follow_up|{month.start}||value"] = 100 * rows["in_time"].sum() / n if n >= min_n else np.nan
            numbers[f"follow_up|{month.start}||n"] = float(n)
    return numbers


def _open(t: dict, as_of) -> pd.DataFrame:
    cutoff = _stamp(as_of) + DAY
    f = _follow_ups(t)
    f = f[(f["opened_at"] < cutoff) & (f["closed_at"].isna() | (f["closed_at"] >= cutoff))]
    return f.assign(age_days=(_stamp(as_of) - f["opened_at"].dt.normalize()).dt.days)


def _backlog(t: dict, as_of) -> dict[str, float]:
    f = _open(t, as_of)
    age = pd.Series("over 30 days", index=f.index)
    for limit, label in reversed(AGES):
        age = age.where(f["age_days"] > limit, label)
    counts = f.groupby([f["owner"], age]).size()
    return {f"backlog|{owner}|{label}|open": float(n) for (owner, label), n in counts.items()}


def _open_list(t: dict, as_of) -> dict[str, float]:
    f = _open(t, as_of)
    f = f[f["nps"] <= 6]
    month = periods.closed_month(as_of)
    start = (month.end + pd.Timedelta(days=1)).replace(year=month.end.year - 1)
    rev = t["customer_revenue"]
    months = pd.to_datetime(rev["month"])
    revenue = rev[(months >= _stamp(start)) & (months <= _stamp(month.end))].groupby("customer_id")["revenue_usd"].sum()
    numbers = {}
    for row in f.itertuples():
        numbers[f"open|{row.response_id}||revenue_12m_usd"] = float(revenue.get(row.customer_id, np.nan))
        numbers[f"open|{row.response_id}||age_days"] = float(row.age_days)
    return numbers


def _people(t: dict, last_day, min_n: int) -> dict[str, float]:
    e = t["employee_engagement"]
    numbers, pairs = {}, []
    r = t["responses"].merge(t["customers"][["customer_id", "region"]], on="customer_id", how="left")
    r = r[r["nps"].notna() & r["region"].notna()]
    r = r.assign(month=r["responded_at"].dt.to_period("M").dt.start_time.dt.date)
    scores = r.groupby(["region", "month"])["nps"].agg(
        n="count", promoters=lambda s: (s >= 9).sum(), detractors=lambda s: (s <= 6).sum()
    )
    for (region, month), rows in e.groupby(["region", "month"]):
        month = pd.Timestamp(month).date()
        with_enps, with_index = rows[rows["enps"].notna()], rows[rows["engagement_index"].notna()]
        enps = (with_enps["enps"] * with_enps["headcount"]).sum() / with_enps["headcount"].sum()
        index = (with_index["engagement_index"] * with_index["headcount"]).sum() / with_index["headcount"].sum()
        key = f"people|{region}|{month}"
        complete = periods.period_containing("month", month).end <= last_day
        n, nps = 0.0, np.nan
        if complete and (region, month) in scores.index:
            s = scores.loc[(region, month)]
            n = float(s["n"])
            nps = 100 * (s["promoters"] - s["detractors"]) / n if n >= min_n else np.nan
        numbers |= {f"{key}|headcount": float(rows["headcount"].sum()), f"{key}|enps": enps}
        numbers |= {f"{key}|engagement_index": index, f"{key}|nps": nps, f"{key}|nps_n": n}
        pairs.append((index, nps))
    x, y = np.array(pairs, dtype=float).T
    keep = ~(np.isnan(x) | np.isnan(y))
    numbers["link|||r"] = float(np.corrcoef(x[keep], y[keep])[0, 1])
    numbers["link|||n"] = float(keep.sum())
    return numbers


def naive_operations(t: dict[str, pd.DataFrame]) -> dict[str, float]:
    """The same numbers as `bench_operations.operations_numbers`, computed with pandas from `COLUMNS` in memory."""
    min_n = config.get("CX_MIN_N")
    last_day = t["responses"]["responded_at"].max().date()
    month = periods.last_complete("month", last_day)
    months = _months_back(month, 24)
    numbers = _trend(t, months) | _process(t, month) | _churn(t, month) | _timeliness(t, month)
    numbers |= _follow_up_trend(t, months, last_day, min_n)
    numbers |= _backlog(t, month.end) | _open_list(t, month.end)
    return numbers | _people(t, last_day, min_n)

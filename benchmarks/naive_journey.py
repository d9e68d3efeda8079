"""The Journey & Drivers numbers computed the naive way: read the tables into pandas and aggregate there (pivot,
groupbys, merge_asof), then the statistics in numpy. It shares only the period definitions and the minimum-n setting
with the engine, never its SQL or arithmetic.

The benchmark reads the columns in `COLUMNS` (responses and customers, attribute ratings, contact channels and
reasons, complaint categories) into pandas, timed as part of the naive time.
"""

from __future__ import annotations

import math
from datetime import timedelta
from itertools import combinations

import numpy as np
import pandas as pd

from cxmetrics import config, periods
from cxmetrics.periods import Period

# The tables and columns the naive computation reads.
COLUMNS: dict[str, str] = {
    "responses": "response_id, customer_id, responded_at, survey, touchpoint, channel, nps, csat, ces",
    "customers": "customer_id, region, segment, signup_date, churn_date",
    "response_attributes": "response_id, attribute, rating",
    "contacts": "customer_id, contacted_at, channel, reason, resolved_first_contact, handle_minutes, cost_usd",
    "complaints": "customer_id, opened_at, category, process",
}
DETAIL_CELL = ("APAC", "field_service")
DAY = pd.Timedelta(days=1)
WEEK = pd.Timedelta(days=7)
TOTAL = "All contacts"


def _key(part: str, where: str, column: str) -> str:
    return f"{part}|journey|{where}|{column}"


def _in(frame: pd.DataFrame, column: str, start, end) -> pd.DataFrame:
    return frame[(frame[column] >= pd.Timestamp(start)) & (frame[column] < pd.Timestamp(end) + DAY)]


def _nps(group: pd.DataFrame, min_n: int) -> tuple[float, float]:
    n = group["nps"].notna().sum()
    value = 100 * ((group["nps"] >= 9).sum() - (group["nps"] <= 6).sum()) / n if n else float("nan")
    return (value if n >= min_n else float("nan")), float(n)


def _map(responses: pd.DataFrame, current: Period, compared: Period, min_n: int) -> dict[str, float]:
    numbers = {}
    regions = sorted(responses["region"].dropna().unique())
    for row in ["All", *regions]:
        rows = responses if row == "All" else responses[responses["region"] == row]
        rows = rows[rows["touchpoint"].notna()]
        now = {
            t: _nps(g, min_n) for t, g in _in(rows, "responded_at", current.start, current.end).groupby("touchpoint")
        }
        before = {
            t: _nps(g, min_n) for t, g in _in(rows, "responded_at", compared.start, compared.end).groupby("touchpoint")
        }
        for touchpoint, (value, n) in now.items():
            then = before.get(touchpoint, (float("nan"), float("nan")))
            values = {"value": value, "n": n, "compared_value": then[0], "compared_n": then[1]}
            numbers |= {_key("map", f"{row}@{touchpoint}", c): v for c, v in values.items()}
    return numbers


def _trend(responses: pd.DataFrame, current: Period, last_day, min_n: int) -> dict[str, float]:
    region, touchpoint = DETAIL_CELL
    last_month = periods.period_containing("month", current.end)
    first = (pd.Timestamp(last_month.start) - pd.DateOffset(months=23)).date()
    cell = responses[(responses["region"] == region) & (responses["touchpoint"] == touchpoint)]
    numbers = {}
    for month in periods.periods_between("month", first, min(current.end, last_day)):
        rows = _in(cell, "responded_at", month.start, month.end)
        if month.end > last_day or rows.empty:
            continue
        value, n = _nps(rows, min_n)
        numbers |= {_key("trend", month.label, "value"): value, _key("trend", month.label, "n"): n}
    return numbers


def _complaints(complaints: pd.DataFrame, customers: pd.DataFrame, current: Period) -> dict[str, float]:
    region, touchpoint = DETAIL_CELL
    rows = complaints.merge(customers[["customer_id", "region"]], on="customer_id", how="left")
    rows = _in(
        rows[(rows["process"] == touchpoint) & (rows["region"] == region)], "opened_at", current.start, current.end
    )
    return {_key("complaints", c, "complaints"): float(n) for c, n in rows.groupby("category").size().items()}


# --- drivers ----------------------------------------------------------------------------------------------------------


def _johnson(corr: np.ndarray) -> np.ndarray:
    rxx, rxy = corr[:-1, :-1], corr[:-1, -1]
    values, vectors = np.linalg.eigh(rxx)
    lam = vectors @ np.diag(np.sqrt(values)) @ vectors.T
    return (lam**2) @ (np.linalg.solve(lam, rxy) ** 2)


def _shapley(corr: np.ndarray) -> np.ndarray:
    p = corr.shape[0] - 1

    def fit(subset: tuple[int, ...]) -> float:
        if not subset:
            return 0.0
        index = list(subset)
        r = corr[index, -1]
        return float(r @ np.linalg.solve(corr[np.ix_(index, index)], r))

    values = np.zeros(p)
    for j in range(p):
        others = [k for k in range(p) if k != j]
        for size in range(p):
            weight = math.factorial(size) * math.factorial(p - size - 1) / math.factorial(p)
            for subset in combinations(others, size):
                values[j] += weight * (fit(tuple(sorted((*subset, j)))) - fit(subset))
    return values


def _drivers(responses, attributes, end, scope: str, region: str | None) -> dict[str, float]:
    start = pd.Timestamp(end) - pd.DateOffset(months=12) + DAY
    rated = responses[responses["nps"].notna() & (responses["responded_at"] >= start)]
    rated = rated[rated["responded_at"] < pd.Timestamp(end) + DAY]
    if region is not None:
        rated = rated[rated["region"] == region]
    names = sorted(attributes["attribute"].dropna().unique())
    joined = attributes[attributes["rating"].notna()].merge(rated[["response_id", "nps"]], on="response_id")
    wide = joined.pivot_table(index=["response_id", "nps"], columns="attribute", values="rating", aggfunc="max")
    wide = wide.reindex(columns=names).dropna().reset_index()
    if len(wide) < max(30, 10 * len(names)):  # under the minimum n for driver analysis: only n is shown
        return {_key("drivers", scope, "n"): float(len(wide)), _key("drivers", scope, "r_squared"): float("nan")}
    corr = np.corrcoef(wide[[*names, "nps"]].to_numpy(dtype=float), rowvar=False)
    weights, shapley = _johnson(corr), _shapley(corr)
    numbers = {_key("drivers", scope, "n"): float(len(wide)), _key("drivers", scope, "r_squared"): float(weights.sum())}
    for i, name in enumerate(names):
        ratings = wide[name].to_numpy(dtype=float)
        values = {
            "weight": weights[i],
            "shapley": shapley[i],
            "mean_rating": ratings.mean(),
            "top2_pct": 100 * (ratings >= 4).mean(),
        }
        numbers |= {_key("drivers", f"{scope}@{name}", c): float(v) for c, v in values.items()}
    return numbers


# --- service ----------------------------------------------------------------------------------------------------------


def _lenses(frame: pd.DataFrame, compute) -> dict[tuple[str, str], dict]:
    found = {("total", TOTAL): compute(frame)}
    for lens in ("channel", "reason"):
        found |= {(lens, value): compute(group) for value, group in frame.groupby(lens)}
    return found


def _contact_figures(rows: pd.DataFrame, min_n: int) -> dict:
    flagged = rows["resolved_first_contact"].notna().sum()
    resolved = (rows["resolved_first_contact"] == True).sum()  # noqa: E712 (nullable booleans)
    return {
        "contacts": float(len(rows)),
        "fcr_pct": 100 * resolved / flagged if flagged >= min_n else float("nan"),
        "repeats": float(rows["repeat"].sum()),
        "handle_minutes": rows["handle_minutes"].mean() if rows["handle_minutes"].notna().any() else float("nan"),
        "cost_per_contact_usd": rows["cost_usd"].mean() if rows["cost_usd"].notna().any() else float("nan"),
    }


def _support_figures(rows: pd.DataFrame, min_n: int) -> dict:
    csat_n, ces_n = rows["csat"].notna().sum(), rows["ces"].notna().sum()
    return {
        "csat_pct": 100 * (rows["csat"] >= 4).sum() / csat_n if csat_n >= min_n else float("nan"),
        "ces": rows["ces"].mean() if ces_n >= min_n else float("nan"),
    }


def _service(contacts: pd.DataFrame, responses: pd.DataFrame, current: Period, min_n: int) -> dict[str, float]:
    t0, t1 = pd.Timestamp(current.start), pd.Timestamp(current.end) + DAY
    recent = contacts[(contacts["contacted_at"] >= t0 - WEEK) & (contacts["contacted_at"] < t1)]
    recent = recent.sort_values(["customer_id", "reason", "contacted_at"])
    previous = recent.groupby(["customer_id", "reason"])["contacted_at"].shift()
    recent = recent.assign(repeat=(previous >= recent["contacted_at"] - WEEK) & recent["customer_id"].notna())
    figures = _lenses(recent[recent["contacted_at"] >= t0], lambda f: _contact_figures(f, min_n))
    support = responses[(responses["touchpoint"] == "support") & responses["customer_id"].notna()]
    support = support[(support["responded_at"] >= t0) & (support["responded_at"] < t1)]
    support = support[["customer_id", "responded_at", "csat", "ces"]].sort_values("responded_at")
    known = contacts[contacts["customer_id"].notna()].sort_values("contacted_at")
    attributed = pd.merge_asof(
        support, known, left_on="responded_at", right_on="contacted_at", by="customer_id", direction="backward"
    )
    attributed = attributed[attributed["responded_at"] - attributed["contacted_at"] <= WEEK]
    after = _lenses(attributed, lambda f: _support_figures(f, min_n))
    numbers = {}
    for (lens, value), found in figures.items():
        found |= after.get((lens, value), {"csat_pct": float("nan"), "ces": float("nan")})
        numbers |= {_key("service", f"{lens}={value}", c): float(v) for c, v in found.items()}
    return numbers


def naive_journey(tables: dict[str, pd.DataFrame]) -> dict[str, float]:
    """The same numbers as `bench_journey.journey_numbers`, computed with pandas from `COLUMNS` in memory."""
    min_n = config.get("CX_MIN_N")
    customers = tables["customers"]
    responses = tables["responses"].merge(customers[["customer_id", "region"]], on="customer_id", how="left")
    last_day = responses["responded_at"].max().date()
    week = periods.last_complete("week", last_day)
    current = periods.rolling_weeks(week, 4)
    compared = Period("rolling", current.start - timedelta(weeks=13), current.start - timedelta(days=1))
    numbers = _map(responses, current, compared, min_n)
    numbers |= _trend(responses, current, last_day, min_n)
    numbers |= _complaints(tables["complaints"], customers, current)
    first_region = sorted(customers["region"].dropna().unique())[0]
    numbers |= _drivers(responses, tables["response_attributes"], current.end, "Company", None)
    numbers |= _drivers(responses, tables["response_attributes"], current.end, first_region, first_region)
    return numbers | _service(tables["contacts"], responses, current, min_n)

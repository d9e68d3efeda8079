"""CX next to the financial results month by month, and whether NPS changes lead revenue growth and churn.

The monthly series come from the metric registry (NPS, CSAT, revenue, gross margin) and from the financials'
churned customers, all through the filters and the access scope. The lead-lag analysis correlates month-on-month
NPS changes with revenue growth and churn changes k months later (differenced series, so shared trends do not read
as a link), with the number of month pairs each correlation rests on.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats as sps

from cxmetrics import aggregate, query, stats
from cxmetrics.filters import Filters
from cxmetrics.sources import FINANCIALS

MAX_LAG = 12
MIN_PERIODS = 12
CX_METRICS: tuple[str, ...] = ("nps", "csat")
FINANCIAL_METRICS: tuple[str, ...] = ("revenue", "gross_margin_pct")
SERIES_COLUMNS: tuple[str, ...] = ("nps", "csat_pct", "revenue_usd", "gross_margin_pct", "churned_customers")
OUTCOMES = {"revenue_growth": "Revenue growth", "churn_change": "Change in churned customers"}
TOO_SHORT = "too short to trust"


def _metric_columns(frames: dict[str, pd.DataFrame], by: str | None) -> pd.DataFrame:
    """Value and n of each metric per month (and value of `by`), one frame."""
    keys = ["period_start", *([by] if by else [])]
    names = {"nps": "nps", "csat": "csat_pct", "revenue": "revenue_usd", "gross_margin_pct": "gross_margin_pct"}
    parts = [
        f[[*keys, "value", "n"]].rename(columns={"value": names[m], "n": f"{names[m]}_n"}).set_index(keys)
        for m, f in frames.items()
    ]
    return pd.concat(parts, axis=1)


def churned_by_month(conn, filters: Filters, by: str | None = None) -> pd.DataFrame:
    """Churned customers per month of the financials (and per region or segment), through the filters and scope."""
    join_sql, where, params = aggregate.scoped(FINANCIALS, filters)
    dim = f", {FINANCIALS.dims[by].expr} AS {by}" if by else ""
    sql = (
        f"SELECT CAST(fi.month AS DATE) AS period_start{dim}, sum(fi.churned_customers) AS churned_customers "  # noqa: S608
        f"FROM {FINANCIALS.from_sql} {join_sql} WHERE {where} GROUP BY ALL ORDER BY ALL"
    )
    frame = conn.execute(sql, params).fetchdf()
    frame["period_start"] = pd.to_datetime(frame["period_start"]).dt.date
    return frame.set_index(["period_start", *([by] if by else [])])


def monthly_series(conn, filters: Filters, by: str | None = None, with_financials: bool = True) -> pd.DataFrame:
    """NPS, CSAT, revenue, gross margin and churned customers per complete month (and per value of `by`), with
    the n of each CX score; one row per month, oldest first."""
    ids = [*CX_METRICS, *(FINANCIAL_METRICS if with_financials else ())]
    frames = query.metric_frames(conn, ids, filters, grain="month", by=by)
    table = _metric_columns(frames, by)
    if with_financials:
        table = table.join(churned_by_month(conn, filters, by), how="left")
    table = table.reset_index().sort_values(["period_start", *([by] if by else [])])
    return table.reset_index(drop=True)


# --- lead-lag (pure) ---------------------------------------------------------------------------------------------


def growth_pct(values: pd.Series) -> pd.Series:
    """Month-on-month growth in percent; NaN after a zero or missing month."""
    previous = values.shift(1)
    return pd.Series(100 * stats.ratio(values - previous, previous), index=values.index)


def lagged_correlations(
    lead: pd.Series, follow: pd.Series, max_lag: int = MAX_LAG, min_periods: int = MIN_PERIODS
) -> pd.DataFrame:
    """Pearson correlation of lead[t] with follow[t + k] for k = 0..max_lag over the months where both exist.

    Columns: lag_months, correlation, periods (the month pairs it rests on), threshold (the bound a zero
    correlation stays within with 95% confidence across all the lags tested, z / sqrt(periods)), significant, and
    trusted (at least `min_periods` pairs).
    """
    x = np.asarray(lead, dtype=float)
    y = np.asarray(follow, dtype=float)
    rows = []
    for k in range(max_lag + 1):
        count = max(min(len(x), len(y)) - k, 0)
        a, b = x[:count], y[k : k + count]
        both = ~np.isnan(a) & ~np.isnan(b)
        rows.append((k, _pearson(a[both], b[both]), int(both.sum())))
    frame = pd.DataFrame(rows, columns=["lag_months", "correlation", "periods"])
    frame["threshold"] = noise_z(max_lag + 1) / np.sqrt(frame["periods"].where(frame["periods"] > 0))
    frame["significant"] = frame["correlation"].abs() >= frame["threshold"]
    frame["trusted"] = frame["periods"] >= min_periods
    return frame


def noise_z(tests: int, alpha: float = stats.ALPHA) -> float:
    """The two-sided normal bound for `tests` correlations at once (Bonferroni): 1.96 for one, 2.89 for 13 lags.
    Testing 13 lags at 95% each would call one in two noise series 'linked'."""
    return float(sps.norm.ppf(1 - alpha / (2 * tests)))


def _pearson(a: np.ndarray, b: np.ndarray) -> float:
    """Pearson's r; NaN with fewer than three pairs or a constant series."""
    if len(a) < 3 or np.std(a) == 0 or np.std(b) == 0:
        return float("nan")
    return float(np.corrcoef(a, b)[0, 1])


@dataclass(frozen=True)
class Finding:
    """The lag with the strongest correlation in the expected direction, among the trusted lags."""

    outcome: str
    lag_months: int | None
    correlation: float
    periods: int
    significant: bool


def strongest(frame: pd.DataFrame, outcome: str, sign: int) -> Finding:
    """The trusted lag whose correlation is largest in direction `sign` (+1: NPS up, outcome up)."""
    trusted = frame[frame["trusted"] & frame["correlation"].notna()]
    if trusted.empty:
        return Finding(outcome, None, float("nan"), 0, False)
    row = trusted.loc[(sign * trusted["correlation"]).idxmax()]
    return Finding(
        outcome, int(row["lag_months"]), float(row["correlation"]), int(row["periods"]), bool(row["significant"])
    )


def lead_lag(series: pd.DataFrame, max_lag: int = MAX_LAG) -> pd.DataFrame:
    """Lagged correlations of the NPS change with revenue growth and with the change in churned customers,
    stacked with an `outcome` column (revenue_growth, churn_change)."""
    nps_change = series["nps"].diff()
    outcomes = {
        "revenue_growth": growth_pct(series["revenue_usd"]),
        "churn_change": series["churned_customers"].astype(float).diff(),
    }
    frames = [lagged_correlations(nps_change, y, max_lag).assign(outcome=name) for name, y in outcomes.items()]
    return pd.concat(frames, ignore_index=True)


def findings(table: pd.DataFrame) -> tuple[Finding, Finding]:
    """The lag of the strongest positive link to revenue growth and of the strongest negative link to churn."""
    revenue = strongest(table[table["outcome"] == "revenue_growth"], "revenue_growth", +1)
    churn = strongest(table[table["outcome"] == "churn_change"], "churn_change", -1)
    return revenue, churn


def finding_sentence(finding: Finding) -> str:
    """One plain sentence per outcome: the lag found and how strong, or that no lag stands out from noise."""
    name = OUTCOMES[finding.outcome].lower()
    if finding.lag_months is None:
        return f"{OUTCOMES[finding.outcome]}: the series is {TOO_SHORT} (fewer than {MIN_PERIODS} months)."
    strength = f"r = {finding.correlation:+.2f} over {finding.periods} months"
    if finding.significant:
        return f"NPS changes lead {name} by {finding.lag_months} month(s) ({strength}; significant)."
    return (
        f"No lag links NPS changes to {name} beyond noise: the strongest is {finding.lag_months} month(s) later "
        f"({strength}; not significant)."
    )

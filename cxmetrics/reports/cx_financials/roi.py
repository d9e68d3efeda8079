"""The CX ROI model (Temkin's five steps): what moving customers between NPS groups is worth, as a range.

1. CX metric: NPS groups. 2. Loyalty behaviours: churn and revenue per customer. 3. Customers grouped by CX.
4. Loyalty per group (measured, with 95% intervals; every figure editable). 5. The value of moving customers:
a scenario moves a share of detractors to passives and of passives to promoters; the moved customers then behave
like their new group. Year t revenue of a group = customers x (1 - annual churn)^(t - 1) x revenue per customer
per year (which already counts the partial revenue of customers who leave during a year).

The model runs within each stratum (segment): a moved customer behaves like the new group of its own segment, so
segment mix is not credited to NPS, and the strata's effects add up. A stratum with a behaviour withheld (a group
measured on fewer customers than the minimum n) is not modelled.

The range combines the interval ends of every group's behaviour in the least and the most favourable way for the
scenario (conservative: wider than a joint 95% interval).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from cxmetrics.metrics.measures import NPS_GROUPS

BEHAVIOURS: tuple[str, ...] = ("churn_pct", "revenue_per_customer_usd", "gross_margin_pct")
YEARS: tuple[int, ...] = (1, 2, 3)
BOUNDS: tuple[str, ...] = ("low", "mid", "high")
PROJECTED: tuple[str, ...] = ("retained_customers", "revenue_usd", "gross_margin_usd")


@dataclass(frozen=True)
class Scenario:
    """Shares of customers moved up a group, and the horizon in years."""

    detractors_to_passives_pct: float = 20.0
    passives_to_promoters_pct: float = 10.0
    years: int = 3


def assumptions(values: pd.DataFrame) -> pd.DataFrame:
    """The model's editable inputs from `value.stratum_values` (index stratum x group): per stratum and group
    (promoters, passives, detractors only, in that order) the customers to move, the customers its behaviour is
    measured on and each behaviour with its _low and _high bounds."""
    columns = ["customers", "measured_n", *(f"{b}{s}" for b in BEHAVIOURS for s in ("", "_low", "_high"))]
    strata = values.index.get_level_values(0).unique()
    order = pd.MultiIndex.from_product([strata, NPS_GROUPS], names=values.index.names)
    return values.reindex(order)[columns].dropna(subset=["customers"]).copy()


def modelled(table: pd.DataFrame) -> list:
    """The strata of `assumptions` the model can run: each of their three groups has a value for every behaviour."""
    complete = table[list(BEHAVIOURS)].notna().all(axis=1).groupby(level=0).agg(["all", "size"])
    return [s for s, row in complete.iterrows() if row["all"] and row["size"] == len(NPS_GROUPS)]


def moved(customers: pd.Series, scenario: Scenario) -> pd.Series:
    """The change in customers per group after the moves (sums to zero)."""
    up_from_detractors = customers.get("detractor", 0.0) * scenario.detractors_to_passives_pct / 100
    up_from_passives = customers.get("passive", 0.0) * scenario.passives_to_promoters_pct / 100
    return pd.Series(
        {
            "promoter": up_from_passives,
            "passive": up_from_detractors - up_from_passives,
            "detractor": -up_from_detractors,
        }
    )


def _behaviour(table: pd.DataFrame, name: str, bound: str, favourable: pd.Series, higher_is_better: bool) -> pd.Series:
    """A behaviour per group at `bound`: for 'low' (least favourable) a group gaining customers takes its worse end
    and a group losing customers its better end; 'high' the reverse; 'mid' the estimate."""
    if bound == "mid":
        return table[name]
    good, bad = (f"{name}_high", f"{name}_low") if higher_is_better else (f"{name}_low", f"{name}_high")
    gaining = favourable if bound == "high" else ~favourable
    return table[good].where(gaining, table[bad]).fillna(table[name])


def project(table: pd.DataFrame, scenario: Scenario) -> pd.DataFrame:
    """Per year 1..scenario.years and bound (low, mid, high): the effect of the scenario on customers retained at
    the year end, revenue and gross margin in that year, and cumulative revenue and margin."""
    delta = moved(table["customers"], scenario).reindex(table.index).fillna(0.0)
    gains = delta > 0
    rows = []
    for bound in BOUNDS:
        churn = _behaviour(table, "churn_pct", bound, gains, higher_is_better=False) / 100
        revenue = _behaviour(table, "revenue_per_customer_usd", bound, gains, higher_is_better=True)
        margin = _behaviour(table, "gross_margin_pct", bound, gains, higher_is_better=True) / 100
        for year in range(1, scenario.years + 1):
            alive = delta * (1 - churn) ** (year - 1)
            rows.append(
                {
                    "year": year,
                    "bound": bound,
                    "retained_customers": float((delta * (1 - churn) ** year).sum()),
                    "revenue_usd": float((alive * revenue).sum()),
                    "gross_margin_usd": float((alive * revenue * margin).sum()),
                }
            )
    return _cumulated(pd.DataFrame(rows))


def _cumulated(frame: pd.DataFrame) -> pd.DataFrame:
    """A projection with its cumulative revenue and margin per bound."""
    for column in ("revenue_usd", "gross_margin_usd"):
        frame[f"cumulative_{column}"] = frame.groupby("bound")[column].cumsum()
    return frame


def project_strata(table: pd.DataFrame, scenario: Scenario) -> pd.DataFrame:
    """`project` within each modelled stratum of `assumptions`, summed per year and bound (empty when no stratum can
    be modelled)."""
    parts = [project(table.xs(stratum, level=0), scenario) for stratum in modelled(table)]
    if not parts:
        return pd.DataFrame(columns=["year", "bound", *PROJECTED])
    # Each part lists bounds in BOUNDS order, years ascending: first-seen group order keeps that order.
    summed = pd.concat(parts).groupby(["year", "bound"], sort=False)[list(PROJECTED)].sum().reset_index()
    return _cumulated(summed)


def ranges(projection: pd.DataFrame) -> pd.DataFrame:
    """One row per year: low, mid and high of each effect side by side (low <= mid <= high)."""
    wide = projection.pivot(index="year", columns="bound")
    frame = pd.DataFrame(index=wide.index)
    for column in ("retained_customers", "revenue_usd", "gross_margin_usd", "cumulative_revenue_usd",
                   "cumulative_gross_margin_usd"):  # fmt: skip
        values = np.sort(wide[column][list(BOUNDS)].to_numpy(), axis=1)
        frame[f"{column}_low"], frame[f"{column}_mid"], frame[f"{column}_high"] = values.T
        frame[f"{column}_mid"] = wide[column]["mid"]
    return frame


def _usd(value: float) -> str:
    """'$31.2M', '$850K', '-$1.2M'."""
    sign, value = ("-" if value < 0 else ""), abs(value)
    return f"{sign}${value / 1e6:,.1f}M" if value >= 1e6 else f"{sign}${value / 1e3:,.0f}K"


def sentence(scenario: Scenario, wide: pd.DataFrame) -> str:
    """The scenario and what it is worth in one plain sentence, from `ranges`."""
    last = wide.loc[scenario.years]
    years = f"{scenario.years} year{'s' if scenario.years > 1 else ''}"
    return (
        f"Moving {scenario.detractors_to_passives_pct:g}% of detractors to passives and "
        f"{scenario.passives_to_promoters_pct:g}% of passives to promoters is worth "
        f"{_usd(last['cumulative_revenue_usd_mid'])} of revenue over {years} (range "
        f"{_usd(last['cumulative_revenue_usd_low'])} to {_usd(last['cumulative_revenue_usd_high'])}), "
        f"{_usd(last['cumulative_gross_margin_usd_mid'])} of gross margin."
    )
